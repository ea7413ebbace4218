"""What the ``gongkai`` command line says by itself, in Chinese: Typer's help layout (panel titles, ``[默认：…]``,
the usage line, the built-in ``--help`` option) and every usage error (an unknown option or command, a value missing,
invalid or out of place). :func:`localize` applies it to the command tree, once every command is registered and before
Typer builds the Click commands from the registrations (``app.cli``); a test walks the built tree, so that a command
added later in English fails it.

Typer 0.29 carries its own copy of Click (``typer._click``) whose messages are plain f-strings, with no catalog to
translate. A usage error is therefore told anew from the exception's attributes (the option typed, the parameter and
its type, the close matches), never by matching its English; the few Click reports without such attributes (a
subcommand missing or unknown, arguments left over) are raised here as exceptions that carry them. A kind not mapped
is told with a generic Chinese sentence and Click's own words.

Typer's words are module constants of ``typer.rich_utils``, and rich's line breaking is adjusted for Chinese text
(:func:`_wrap_between_chinese_characters`): both hold for the whole process, which is the command line's own."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from typing import Any, get_args

import rich._wrap
import typer
from pydantic import ValidationError
from rich.cells import cell_len
from rich.text import Text
from typer import rich_utils
from typer._click import Context as ClickContext
from typer._click import exceptions as errors
from typer._click.core import Command as ClickCommand
from typer._click.core import Parameter
from typer._click.formatting import HelpFormatter
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

HELP_OPTION = "显示本帮助并退出。"
USAGE = "用法："


def _say_layout_in_chinese() -> None:
    """Typer's words around the help texts. Module constants that its help and error panels read when they print."""
    rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
    rich_utils.OPTIONS_PANEL_TITLE = "选项"
    rich_utils.COMMANDS_PANEL_TITLE = "命令"
    rich_utils.ERRORS_PANEL_TITLE = "错误"
    rich_utils.DEFAULT_STRING = "[默认：{}]"
    rich_utils.ENVVAR_STRING = "[环境变量：{}]"
    rich_utils.REQUIRED_LONG_STRING = "[必填]"
    rich_utils.DEPRECATED_STRING = "（已弃用）"
    rich_utils.ABORTED_TEXT = "已中止。"
    rich_utils.RICH_HELP = "运行 [blue]{command_path} {help_option}[/] 查看帮助。"
    usage = rf"(?P<usage>{USAGE})"
    if usage not in rich_utils.OptionHighlighter.highlights:  # "Usage: " was shown in its own colour
        rich_utils.OptionHighlighter.highlights = [*rich_utils.OptionHighlighter.highlights, usage]


_HAN = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"  # CJK characters and punctuation, full-width forms
_OPENING, _CLOSING = "（「『【〈《“‘", "，。、；：？！）」』】〉》”’"
WORD = re.compile(rf"\s*[{_OPENING}]*(?:[{_HAN}]|[^\s{_HAN}]+)[{_CLOSING}]*\s*")


def _rstrip_end(self: Text, size: int) -> None:
    excess = cell_len(self.plain) - size
    if excess > 0 and (space := re.search(r"\s+$", self.plain)):
        self.right_crop(min(len(space.group()), excess))


def _wrap_between_chinese_characters() -> None:
    """Rich wraps text only at spaces: a Chinese sentence was one long word, put on a line of its own and, in the
    narrow help column of an option, cut short with "…". Each Chinese character becomes a word of its own (its
    punctuation kept with it, so that no line starts with "，"); a run of Latin letters stays whole. A line then often
    fills its width exactly, and rich's ``Text.rstrip_end`` counted characters, not cells, so that the space after its
    last word was left and the line cut with "…": it counts cells here (the same for Latin text)."""
    rich._wrap.re_word = WORD
    Text.rstrip_end = _rstrip_end  # type: ignore[method-assign]


class Formatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, USAGE if prefix is None else prefix)


class Context(typer.Context):
    formatter_class = Formatter


# --- errors Click reports without the facts to tell them: the same reports (its words as their message), with them ---


class NoSuchCommand(errors.UsageError):
    def __init__(self, name: str, possibilities: Sequence[str], ctx: ClickContext) -> None:
        super().__init__(f"No such command {name!r}.", ctx)
        self.name = name
        self.possibilities = list(possibilities)


class MissingCommand(errors.UsageError):
    def __init__(self, ctx: ClickContext) -> None:
        super().__init__("Missing command.", ctx)


class UnexpectedArguments(errors.UsageError):
    def __init__(self, arguments: Sequence[str], ctx: ClickContext) -> None:
        super().__init__(f"Got unexpected extra argument(s) ({' '.join(arguments)})", ctx)
        self.arguments = list(arguments)


class Refused(errors.UsageError):
    """A usage error as the operator reads it; ``original`` is Click's."""

    def __init__(self, message: str, original: errors.UsageError) -> None:
        super().__init__(message, original.ctx)
        self.original = original


# --- the command classes ---------------------------------------------------------------------------------------------


def _chinese_help(option: TyperOption | None) -> TyperOption | None:
    if option is not None:
        option.help = HELP_OPTION
    return option


@contextmanager
def _within(ctx: ClickContext) -> Iterator[None]:
    """The option parser raises some errors without the context: attach it, for the usage line and the option."""
    try:
        yield
    except errors.UsageError as exc:
        if exc.ctx is None:
            exc.ctx, exc.cmd = ctx, ctx.command
        raise


@contextmanager
def _in_chinese() -> Iterator[None]:
    try:
        yield
    except errors.NoArgsIsHelpError:
        raise  # not an error to tell: the help has been printed
    except Refused:
        raise
    except errors.UsageError as exc:
        raise Refused(describe(exc), exc) from exc


class Command(TyperCommand):
    context_class = Context

    def get_help_option(self, ctx: ClickContext) -> TyperOption | None:
        return _chinese_help(super().get_help_option(ctx))

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        refuses_extra = not ctx.allow_extra_args
        ctx.allow_extra_args = True  # leftovers are refused below, naming them
        try:
            with _within(ctx):
                rest = super().parse_args(ctx, args)
        finally:
            ctx.allow_extra_args = not refuses_extra
        if refuses_extra and rest and not ctx.resilient_parsing:
            raise UnexpectedArguments(rest, ctx)
        return rest


class Group(TyperGroup):
    context_class = Context

    def get_help_option(self, ctx: ClickContext) -> TyperOption | None:
        return _chinese_help(super().get_help_option(ctx))

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        with _within(ctx):
            return super().parse_args(ctx, args)

    def resolve_command(self, ctx: ClickContext, args: list[str]) -> tuple[str | None, ClickCommand | None, list[str]]:
        name = args[0]
        normalize = ctx.token_normalize_func
        known = self.get_command(ctx, name) is not None or (
            normalize is not None and self.get_command(ctx, normalize(name)) is not None
        )
        if not known and not ctx.resilient_parsing and not name.startswith("-"):  # an option: Click tells it
            raise NoSuchCommand(name, difflib.get_close_matches(name, self.list_commands(ctx)), ctx)
        return super().resolve_command(ctx, args)

    def make_context(
        self, info_name: str | None, args: list[str], parent: ClickContext | None = None, **extra: Any
    ) -> ClickContext:
        with _in_chinese():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: ClickContext) -> Any:
        with _in_chinese():
            if not ctx._protected_args and not self.invoke_without_command:  # as TyperGroup.invoke decides
                raise MissingCommand(ctx)
            return super().invoke(ctx)


def localize(app: typer.Typer) -> None:
    """Build ``app`` and every group and command registered under it with the classes above, and put Typer's layout
    in Chinese. Call it once every command is registered: Typer builds the Click commands from the registrations each
    time the program runs."""
    _say_layout_in_chinese()
    _wrap_between_chinese_characters()
    app.info.cls = Group
    for command in app.registered_commands:
        if command.cls not in (None, TyperCommand, Command):
            raise TypeError(f"{command.name}: a command class of its own would say Typer's words in English")
        command.cls = Command
    for group in app.registered_groups:
        group.cls = Group
        if group.typer_instance is not None:
            localize(group.typer_instance)


# --- telling a usage error -------------------------------------------------------------------------------------------


def describe(error: errors.UsageError) -> str:
    """The error in Chinese, from its attributes; a kind not mapped in a generic sentence with Click's words."""
    match error:
        case NoSuchCommand():
            return f"没有命令 {_shown(error.name)}。" + _did_you_mean(error.possibilities)
        case MissingCommand():
            return "缺少要运行的命令。"
        case UnexpectedArguments():
            return f"多余的参数：{' '.join(_shown(a) for a in error.arguments)}。"
        case errors.NoSuchOption():
            return f"没有选项 {_shown(error.option_name)}。" + _did_you_mean(sorted(error.possibilities or ()))
        case errors.MissingParameter():
            return _missing(error)
        case errors.BadParameter():
            return _invalid(error)
        case errors.BadOptionUsage():
            return _misused(error)
        case _:
            return f"命令用法有误：{error.format_message()}"


def _did_you_mean(possibilities: Sequence[str]) -> str:
    return f"是否要用 {'、'.join(possibilities)}？" if possibilities else ""


def _missing(error: errors.MissingParameter) -> str:
    param = error.param
    if isinstance(param, TyperArgument):
        return f"缺少参数 {param.display_name_raw}。"
    if isinstance(param, TyperOption):
        choices = _choices(param)
        return f"缺少必填选项 {' / '.join(param.opts)}。" + (f"可选值：{choices}。" if choices else "")
    return f"缺少必填的值：{error.format_message()}"


def _invalid(error: errors.BadParameter) -> str:
    param = error.param
    if not isinstance(param, (TyperArgument, TyperOption)):
        return f"取值无效：{error.format_message()}"
    given = _given(error)
    value = f"「{given}」" if given is not None else ""
    expected = _expected(param)
    if expected is None:
        return f"{_name(param)} 的值{value}无效：{error.message}"
    return f"{_name(param)} 的值{value}无效，应为{expected}。"


def _misused(error: errors.BadOptionUsage) -> str:
    ctx = error.ctx
    params = ctx.command.get_params(ctx) if ctx is not None else []
    option = next((p for p in params if error.option_name in (*p.opts, *p.secondary_opts)), None)
    name = _shown(error.option_name)
    if isinstance(option, TyperOption):
        if option.is_flag or option.count:
            return f"选项 {name} 是开关，不能带值。"
        if option.nargs > 1:
            return f"选项 {name} 后面须有 {option.nargs} 个值。"
        return f"选项 {name} 后面缺少值。"
    return f"选项 {name} 用法有误：{error.format_message()}"


def _name(param: Parameter) -> str:
    if isinstance(param, TyperOption):
        return f"选项 {' / '.join(param.opts)}"
    if isinstance(param, TyperArgument):
        return f"参数 {param.display_name_raw}"
    return param.name or ""


def _choices(param: TyperArgument | TyperOption) -> str | None:
    choices = param.type_descriptor.choices
    if choices is None:
        return None
    return "、".join(str(c.value if isinstance(c, Enum) else c) for c in choices)


def _expected(param: TyperArgument | TyperOption) -> str | None:
    """What the parameter takes, in words: the choices, a date in its format, a number in its range."""
    choices = _choices(param)
    if choices is not None:
        return f"以下之一：{choices}"
    descriptor = param.type_descriptor
    annotation = get_args(descriptor.annotation)[0] if descriptor.is_list else descriptor.annotation
    info = descriptor.parameter_info
    if annotation is datetime:
        formats = [_readable(f) for f in info.formats or ()]
        return f"日期，格式为 {' 或 '.join(formats)}" if formats else "日期时间"
    kind = {int: "整数", float: "数字"}.get(annotation)
    if kind is None:
        return None
    if info.min is not None and info.max is not None:
        return f"介于 {info.min} 和 {info.max} 之间的{kind}"
    if info.min is not None:
        return f"不小于 {info.min} 的{kind}"
    if info.max is not None:
        return f"不大于 {info.max} 的{kind}"
    return kind


def _readable(strftime: str) -> str:
    for code, shown in (("%Y", "YYYY"), ("%m", "MM"), ("%d", "DD"), ("%H", "HH"), ("%M", "mm"), ("%S", "ss")):
        strftime = strftime.replace(code, shown)
    return strftime


def _given(error: errors.BadParameter) -> str | None:
    """The value typed, as the validation that refused it saw it."""
    cause = error.__cause__
    if isinstance(cause, ValidationError) and (found := cause.errors()) and "input" in found[0]:
        return _shown(found[0]["input"])
    return None


def _shown(value: object, limit: int = 80) -> str:
    """Text from the command line, safe to print back: control characters escaped, a long value cut short."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"
