"""The ``gongkai`` command line speaks Chinese to the operator: every help text of the command tree (a command added
later in English fails here), Typer's own words around them, and every usage error (exit 2, on stderr)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import typer.main
from rich.console import Console
from rich.text import Text
from typer._click import Context
from typer._click import exceptions as errors
from typer._click.core import Command
from typer.testing import CliRunner

from app import cli_text
from app.cli import cli, main

HAN = re.compile(r"[\u4e00-\u9fff]")
TYPER_ENGLISH = ("Usage", "Options", "Commands", "Arguments", "Show this message", "[default", "[required]", "env var")
CLICK_ENGLISH = ("Usage", "Error", "Try ", "No such", "Invalid value", "Missing", "Possible options", "Did you mean")


@dataclass
class Node:
    path: list[str]
    command: Command
    ctx: Context


def tree() -> Iterator[Node]:
    """Every group and command as Typer builds it, each with its context (its help option is made for one)."""

    def walk(command: Command, path: list[str], parent: Context | None) -> Iterator[Node]:
        ctx = command.context_class(command, info_name=path[-1] if path else "gongkai", parent=parent)
        yield Node(path, command, ctx)
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name], ctx)

    yield from walk(typer.main.get_command(cli), [], None)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="gongkai", env={"COLUMNS": "200"})


def test_every_help_text_of_the_command_tree_is_chinese():
    """Each group's and command's help, each option's and argument's, and the built-in --help option's."""
    english = []
    nodes = list(tree())
    for node in nodes:
        where = " ".join(["gongkai", *node.path])
        if not isinstance(node.command, (cli_text.Command, cli_text.Group)):
            english.append(f"{where}: built without app.cli_text (Typer's own words would be English)")
        if not HAN.search(node.command.help or ""):
            english.append(f"{where}: {node.command.help!r}")
        for param in node.command.get_params(node.ctx):
            text = getattr(param, "help", None)
            if not HAN.search(text or ""):
                english.append(f"{where} {param.opts[0] if param.opts else param.name}: {text!r}")
    assert not english, "help not in Chinese:\n" + "\n".join(english)
    assert len(nodes) > 40  # the walk reached every command


def test_every_help_page_says_typers_words_in_chinese(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "200")
    for node in tree():
        node.command.get_help(node.ctx)  # what --help prints
        page = capsys.readouterr().out
        assert page.lstrip().startswith(f"用法：gongkai {' '.join(node.path)}".rstrip()), node.path
        assert "显示本帮助并退出。" in page
        for word in TYPER_ENGLISH:
            assert word not in page, (node.path, word)
    annual = invoke("report", "annual", "--help")
    assert annual.exit_code == 0
    assert annual.stdout.lstrip().startswith("用法：gongkai report annual [OPTIONS]")
    annual = annual.stdout
    for panel in ("─ 选项 ─", "[必填]", "[默认：json]"):
        assert panel in annual
    serve = invoke("serve", "--help").stdout
    assert "[环境变量：GONGKAI_FORWARDED_ALLOW_IPS]" in serve
    assert "─ 参数 ─" in invoke("backup", "--help").stdout
    assert "─ 命令 ─" in invoke("--help").stdout


def test_a_chinese_help_text_is_never_cut_short():
    """Rich broke lines only at spaces: a Chinese sentence, one long word, was cut with "…" in an option's narrow
    help column. Every help text, wrapped as an option's column wraps it (ellipsis), keeps every character."""
    console = Console(width=200)
    texts = {
        text
        for node in tree()
        for text in [node.command.help, *(getattr(p, "help", None) for p in node.command.get_params(node.ctx))]
        if text
    }
    for width in range(28, 61):
        for text in texts:
            lines = [str(line) for line in Text(text).wrap(console, width, overflow="ellipsis")]
            assert "".join(lines).replace(" ", "") == text.replace(" ", ""), (width, lines)
            assert not any(line.rstrip().startswith(("，", "。", "、", "）")) for line in lines[1:]), lines


USAGE_ERRORS = [
    (("report", "annual", "--yeer", "2025"), "没有选项 --yeer。是否要用 --year？"),
    (("-x",), "没有选项 -x。"),
    (("nosuch",), "没有命令 nosuch。"),
    (("reprt",), "没有命令 reprt。是否要用 report？"),
    (("report", "anual"), "没有命令 anual。是否要用 annual？"),
    (("--",), "缺少要运行的命令。"),
    (("report", "annual"), "缺少必填选项 --year。"),
    (
        ("token", "create", "--agency", "nrb"),
        "缺少必填选项 --role。可选值：clerk、supervisor、auditor、admin、integration。",
    ),
    (("backup",), "缺少参数 file。"),
    (("report", "annual", "--year", "abc"), "选项 --year 的值「abc」无效，应为整数。"),
    (("report", "annual", "--year="), "选项 --year 的值「」无效，应为整数。"),
    (("calendar", "show", "1e3"), "参数 year 的值「1e3」无效，应为整数。"),
    (("webhooks", "deliver", "--interval", "soon"), "选项 --interval 的值「soon」无效，应为数字。"),
    (("report", "overdue", "--due-within", "99"), "选项 --due-within 的值「99」无效，应为介于 0 和 20 之间的整数。"),
    (
        ("report", "overdue", "--as-of", "2025-13-01"),
        "选项 --as-of 的值「2025-13-01」无效，应为日期，格式为 YYYY-MM-DD。",
    ),
    (("report", "overdue", "--format", "pdf"), "选项 --format 的值「pdf」无效，应为以下之一：text、csv、json、xlsx。"),
    (("report", "annual", "--year", "2025", "--table-format", "2020"), "应为以下之一：2019、2021。"),
    (("report", "annual", "--year"), "选项 --year 后面缺少值。"),
    (("report", "annual", "--year", "2025", "--consolidated=yes"), "选项 --consolidated 是开关，不能带值。"),
    (("calendar", "show", "2026", "extra", "more"), "多余的参数：extra more。"),
    (("report", "annual", "--year", "\x1b[2J"), "选项 --year 的值「\\x1b[2J」无效"),
]


@pytest.mark.parametrize(("args", "said"), USAGE_ERRORS, ids=[" ".join(args) for args, _ in USAGE_ERRORS])
def test_a_usage_error_is_told_in_chinese_on_stderr_with_exit_2(args, said):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert said in result.stderr
    assert result.stdout == ""
    assert "─ 错误 ─" in result.stderr
    assert "用法：gongkai" in result.stderr
    assert re.search(r"运行 gongkai[\w -]* --help 查看帮助。", result.stderr)
    for word in CLICK_ENGLISH:
        assert word not in result.stderr, word
    assert "\x1b" not in result.stderr


def test_the_installed_command_says_it_too(monkeypatch, capsys):
    """``gongkai`` is ``app.cli:main``."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr("sys.argv", ["gongkai", "report", "annual", "--yeer", "2025"])
    with pytest.raises(SystemExit) as ended:
        main()
    assert ended.value.code == 2
    said = capsys.readouterr()
    assert "没有选项 --yeer。是否要用 --year？" in said.err
    assert "运行 gongkai report annual --help 查看帮助。" in said.err
    assert said.out == ""


def test_a_kind_of_error_not_mapped_is_told_generically_with_clicks_words():
    annual = typer.main.get_command(cli).commands["report"].commands["annual"]  # type: ignore[attr-defined]
    output = next(p for p in annual.params if p.name == "output")
    assert cli_text.describe(errors.BadArgumentUsage("Argument 'x' takes 2 values.")) == (
        "命令用法有误：Argument 'x' takes 2 values."
    )
    assert cli_text.describe(errors.BadParameter("'out' is a directory.", param=output)) == (
        "选项 --output 的值无效：'out' is a directory."
    )
