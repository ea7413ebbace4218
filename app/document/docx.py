"""DOCX templates (docxtpl on real .docx files) and their PDF rendering (LibreOffice headless, when installed).

Templates run in Jinja's sandbox with XML autoescaping: an agency's upload is code written by a person, and every
value is text typed by people (design mistakes 9). Values are also stripped of the characters XML 1.0 cannot hold."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from app.document import isolation
from app.document.registry import TemplateKind
from app.domain.errors import InvalidInput
from app.xmltext import xml_safe

log = logging.getLogger(__name__)

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MEDIA_TYPE = "application/pdf"
PDF_TIMEOUT_SECONDS = 120


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox without compile-time arithmetic: Jinja folds constant expressions while it compiles, so
    ``{{ 'x' * 10**9 }}`` would build a gigabyte in the server's own process just by reading the template's
    variables. Intercepted operators are never folded; they run when the template renders (``app.document.isolation``
    bounds that for uploads)."""

    intercepted_binops = frozenset({"*", "**", "/", "//", "%", "+", "-"})


def _environment() -> SandboxedEnvironment:
    return _Sandbox(optimized=False)


def _template(content: bytes) -> DocxTemplate:
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise InvalidInput("template_not_docx", "模板须为 Word 文档（.docx）；.doc、.wps 请先另存为 .docx。")
    isolation.check_package(content)
    try:
        template = DocxTemplate(io.BytesIO(content))
        template.init_docx()
    except Exception:  # python-docx raises several types for a damaged package
        raise InvalidInput(
            "template_not_docx",
            "无法读取该 .docx 模板：文件已损坏，或不是 Word 文档。请在 Word 或 WPS 中另存为 .docx 后重新上传。",
        ) from None
    return template


def render(content: bytes, context: dict[str, Any], *, isolated: bool) -> bytes:
    """The letter from ``content`` (a template) and ``context``; ``isolated`` for an agency's own upload, which runs
    in a child process under time and memory limits (``app.document.isolation``)."""
    return isolation.render_isolated(content, context) if isolated else render_here(content, context)


def render_here(content: bytes, context: dict[str, Any]) -> bytes:
    template = _template(content)
    try:
        template.render(xml_safe(context), _environment(), autoescape=True)
    except TemplateError as exc:
        raise InvalidInput("template_render_failed", f"模板无法生成文书：{template_problem(exc)}") from None
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


_PROBLEMS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"unexpected end of template", re.IGNORECASE),
        "模板在标签闭合前就结束了：{% if %}、{% for %} 须有对应的 {% endif %}、{% endfor %}。",
    ),
    (re.compile(r"unknown tag '([^']*)'"), "模板中有无法识别的标签「{name}」：请检查拼写，或是否缺少配对的开始标签。"),
    (re.compile(r"Expected an expression"), "{{ }} 或 {% %} 中缺少内容，或括号不成对。"),
    (re.compile(r"unexpected '([^']*)'"), "模板中有多余或不成对的「{name}」：请检查 {{ }} 与 {% %} 是否成对。"),
    (re.compile(r"has no attribute '([^']*)'"), "模板使用了变量不具有的属性或方法「{name}」。"),
    (re.compile(r"is undefined"), "模板使用了未定义的变量。"),
    (re.compile(r"unsafe|not safely callable"), "模板使用了不允许的操作（模板只能读取文书变量）。"),
]


def template_problem(exc: TemplateError) -> str:
    """What is wrong with a template, in Chinese (Jinja's own messages are English): the first known pattern of the
    error, or a general hint. The error's own text goes to the log."""
    log.info("template refused: %s", exc)
    message = str(exc)
    for pattern, text in _PROBLEMS:
        if match := pattern.search(message):
            return text.replace("{name}", match.group(1)[:50] if match.groups() else "")
    return "请检查 {{ }} 与 {% %} 是否成对、标签是否拼写正确、只使用了文书变量。"


def variables_of(content: bytes) -> set[str]:
    template = _template(content)
    try:
        names: set[str] = template.get_undeclared_template_variables(_environment())
    except TemplateError as exc:
        raise InvalidInput("template_syntax", f"模板语法有误：{template_problem(exc)}") from None
    return names


def validate(content: bytes, kind: TemplateKind) -> None:
    """An upload replaces the current template only when every variable it uses is known for its kind and it
    renders on a sample case."""
    unknown = variables_of(content) - set(kind.variables)
    if unknown:
        names = "、".join(sorted(unknown))
        raise InvalidInput(
            "template_unknown_variables",
            f"模板使用了未知的变量：{names}。可用变量见 docs/templates.md 或 GET /api/v1/template-kinds。",
        )
    render(content, kind.sample(), isolated=True)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


class ConverterBusy(Exception):
    """Every LibreOffice slot of this process is taken: try again in ``retry_after`` seconds (HTTP 503)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("PDF conversion busy")
        self.retry_after = retry_after


_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def _slots(concurrent: int) -> threading.BoundedSemaphore:
    with _SLOTS_LOCK:
        return _SLOTS.setdefault(concurrent, threading.BoundedSemaphore(concurrent))


def reserve_slot(concurrent: int, wait: float = 0.0) -> bool:
    """Take one of the process's ``concurrent`` LibreOffice slots (``GONGKAI_PDF_CONVERSIONS``), waiting at most
    ``wait`` seconds; False when none came free. Each conversion is a LibreOffice process of a few hundred MB: a
    burst of requests must queue or be refused, never start one process each. Give it back with
    :func:`release_slot` (:func:`conversion_slot` does, when passed ``reserved=True``)."""
    slots = _slots(concurrent)
    return slots.acquire(timeout=wait) if wait > 0 else slots.acquire(blocking=False)


def release_slot(concurrent: int) -> None:
    _slots(concurrent).release()


@contextmanager
def conversion_slot(concurrent: int, wait: float, retry_after: int, *, reserved: bool = False) -> Iterator[None]:
    """Hold a slot for one conversion (already taken when ``reserved``); :class:`ConverterBusy` when none comes
    free within ``wait`` seconds."""
    if not reserved and not reserve_slot(concurrent, wait):
        raise ConverterBusy(retry_after)
    try:
        yield
    finally:
        release_slot(concurrent)


def to_pdf(docx: bytes, *, timeout: int = PDF_TIMEOUT_SECONDS) -> bytes | None:
    """The PDF rendering of ``docx`` by LibreOffice headless, or None when it is not installed, fails or takes longer
    than ``timeout`` seconds (the process group is killed). Call it holding a :func:`conversion_slot`. Slow (a second
    or more): never call it while a database transaction or lock is held (design mistake 7)."""
    binary = soffice()
    if binary is None or isolation.points_outside(docx):  # never let LibreOffice fetch anything (checked at upload)
        return None
    with tempfile.TemporaryDirectory(prefix="gongkai-pdf-") as tmp:
        source = Path(tmp) / "letter.docx"
        source.write_bytes(docx)
        profile = Path(tmp) / "profile"
        command = [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            tmp,
            str(source),
        ]
        try:
            process = subprocess.Popen(  # noqa: S603
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
        except OSError:
            return None
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # soffice is a launcher: its children (soffice.bin) share its new session's process group
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return None
        target = Path(tmp) / "letter.pdf"
        return target.read_bytes() if process.returncode == 0 and target.exists() else None
