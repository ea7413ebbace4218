"""Rendering an agency's own template where it cannot hurt the server (design mistake 9: an upload is code).

Jinja's sandbox stops a template from reaching Python's internals, but not from spending time and memory: nested
loops over ``range``, ``'x' * 10**8``, a document of three million empty paragraphs (the second security review
froze a server for minutes with a 40 KB upload). So:

* every package is checked before python-docx parses it (``check_package``): at most ``MAX_PARTS`` parts, each at
  most ``MAX_PART_BYTES`` unpacked and all together at most ``MAX_UNPACKED_BYTES``, at most ``MAX_PARAGRAPHS``
  paragraphs in the body, headers and footers (a letter has a few dozen; docxtpl's work grows with their square);
* an uploaded template renders in a child process (``python -m app.document.isolation``) limited to
  ``RENDER_SECONDS`` of wall time, ``RENDER_CPU_SECONDS`` of CPU and ``RENDER_MEMORY_BYTES`` of address space, and its
  result to ``MAX_OUTPUT_BYTES``. A template over a limit is refused with 422 at upload (its sample rendering) and
  every later letter from it fails the same way instead of taking a worker with it.

The templates shipped with gongkai are ours and render in the server's own process (no process start per letter).
"""

from __future__ import annotations

import html
import io
import pickle
import re
import resource
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from typing import Any

from app.domain.errors import InvalidInput

MAX_PARTS = 500
MAX_PART_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
MAX_PARAGRAPHS = 5_000
TEXT_PARTS = ("word/document.xml", "word/header", "word/footer")
RENDER_SECONDS = 20.0
RENDER_CPU_SECONDS = 15
RENDER_MEMORY_BYTES = 1024 * 1024 * 1024
MAX_OUTPUT_BYTES = 20 * 1024 * 1024


def check_package(content: bytes) -> None:
    """Refuse a .docx whose unpacked size or paragraph count is beyond any letter, or that points outside itself
    (:func:`external_references`: LibreOffice fetched a linked picture from a loopback address for every letter a
    probe's template made), before anything parses it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            parts = package.infolist()
            if len(parts) > MAX_PARTS:
                raise _too_big(f"包含 {len(parts)} 个部件（最多 {MAX_PARTS} 个）")
            if any(p.file_size > MAX_PART_BYTES for p in parts) or sum(p.file_size for p in parts) > (
                MAX_UNPACKED_BYTES
            ):
                raise _too_big(
                    f"解压后过大（每个部件最多 {MAX_PART_BYTES // 2**20} MB，"
                    f"合计最多 {MAX_UNPACKED_BYTES // 2**20} MB）"
                )
            paragraphs = sum(_paragraphs(package.read(p)) for p in parts if p.filename.startswith(TEXT_PARTS))
            external = external_references(package)
    except zipfile.BadZipFile:
        raise InvalidInput("template_not_docx", "模板须为 Word 文档（.docx）；.doc、.wps 请先另存为 .docx。") from None
    if paragraphs > MAX_PARAGRAPHS:
        raise _too_big(f"含 {paragraphs} 个段落（最多 {MAX_PARAGRAPHS} 个）")
    _refuse_external(external)


def _refuse_external(found: list[str]) -> None:
    if found:
        shown = "、".join(sorted(set(found))[:3])
        raise InvalidInput(
            "template_external_reference",
            f"模板引用了外部的图片、文件或数据源（{shown}），生成文书时服务器会去读取它们，因此不能使用。"
            "请把图片直接插入文档（不要用「链接到文件」），删除 INCLUDEPICTURE、INCLUDETEXT、LINK 等域后重新上传。",
        )


def points_outside(content: bytes) -> bool:
    """Whether a rendered document has :func:`external_references` (or is no package at all)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            return bool(external_references(package))
    except zipfile.BadZipFile:
        return True


_TAG = re.compile(r"<([\w:.-]+)([^<>]*)>")  # linear: an unclosed tag stops at the next "<", never at the part's end
_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_INSTRUCTION_TEXT = re.compile(r"<(?:[\w.-]+:)?instrText\b[^<>]*>([^<]*)<")
_FETCHING_FIELDS = re.compile(r"\b(INCLUDEPICTURE|INCLUDETEXT|LINK|DDE|DDEAUTO|IMPORT|DATABASE)\b", re.IGNORECASE)
_HYPERLINK_TAGS = ("hyperlink", "hlinkClick", "hlinkHover")
_ADDRESS_NAMES = ("href", "src", "link")


def external_references(package: zipfile.ZipFile) -> list[str]:
    """What in the package points outside it and is fetched when the document is opened or converted: a
    relationship with ``TargetMode="External"`` (a linked picture, an attached template, a linked OLE object or
    sub-document, a frame), unless it is a hyperlink that only hyperlinks refer to (nothing follows a hyperlink
    unless a person clicks it; LibreOffice fetches a picture linked to any relationship, whatever its declared
    type); a field that includes a file or a picture or links data (INCLUDEPICTURE, INCLUDETEXT, LINK, DDE, IMPORT,
    DATABASE; its code may be split across runs, escaped or interrupted by a comment); an ``href``/``src``/``link``
    attribute holding an address (VML pictures). Read with regular expressions that stop at the next tag, not an
    XML parser: the package is not trusted, and every scan is linear in the part's size."""
    found: list[str] = []
    parts = [info for info in package.infolist() if info.filename.endswith((".rels", ".xml"))]
    hyperlinks: dict[str, dict[str, str]] = {}  # source part → its external hyperlinks' ids → their targets
    for info in parts:
        if info.filename.endswith(".rels"):
            source = _source_of(info.filename)
            for name, attributes in _tags(_plain(package.read(info))):
                if name.rpartition(":")[2] != "Relationship" or attributes.get("TargetMode") != "External":
                    continue
                target = attributes.get("Target", info.filename)
                if attributes.get("Type", "").endswith("/hyperlink"):
                    hyperlinks.setdefault(source, {})[attributes.get("Id", "")] = target
                else:
                    found.append(target)
    for info in parts:
        if info.filename.endswith(".rels"):
            continue
        text = _plain(package.read(info))
        links = hyperlinks.get(info.filename, {})
        instructions = [match.group(1) for match in _INSTRUCTION_TEXT.finditer(text)]
        for name, attributes in _tags(text):
            hyperlink = name.rpartition(":")[2] in _HYPERLINK_TAGS
            for key, value in attributes.items():
                local = key.rpartition(":")[2]
                if value in links and not hyperlink:
                    found.append(links[value])
                elif local == "instr":
                    instructions.append(value)
                elif local.lower().endswith(_ADDRESS_NAMES) and not key.startswith("xmlns") and _is_address(value):
                    found.append(value)
        code = html.unescape("".join(instructions))
        found.extend(match.group(1).upper() for match in _FETCHING_FIELDS.finditer(code))
    return [item[:200] for item in found]


def _plain(data: bytes) -> str:
    """A part's text without comments, and with CDATA sections as plain text (linear: split, not a lazy pattern)."""
    text = data.decode("utf-8", "replace")
    if "<!--" in text:
        pieces = text.split("<!--")
        text = pieces[0] + "".join(piece.partition("-->")[2] for piece in pieces[1:])
    return text.replace("<![CDATA[", "").replace("]]>", "")


def _tags(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    for match in _TAG.finditer(text):
        attributes = {a.group(1): html.unescape(a.group(2) or a.group(3) or "") for a in _ATTRIBUTE.finditer(match[2])}
        yield match.group(1), attributes


def _source_of(rels: str) -> str:
    """The part a relationships part belongs to: ``word/_rels/document.xml.rels`` → ``word/document.xml``."""
    folder, _, name = rels.rpartition("_rels/")
    return folder + name.removesuffix(".rels")


def _is_address(value: str) -> bool:
    lowered = value.strip().lower()
    return "://" in lowered or lowered.startswith(("\\\\", "//", "file:"))


def _paragraphs(xml: bytes) -> int:
    return xml.count(b"<w:p>") + xml.count(b"<w:p ") + xml.count(b"<w:p/>")


def _too_big(what: str) -> InvalidInput:
    return InvalidInput("template_too_complex", f"模板{what}，超出文书模板的合理范围，请精简后重新上传。")


def render_isolated(content: bytes, context: dict[str, Any]) -> bytes:
    """``app.document.docx.render`` of ``content`` in a child process under the limits above."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app.document.isolation"],
            input=pickle.dumps((content, context)),
            capture_output=True,
            timeout=RENDER_SECONDS,
            preexec_fn=_limits,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _slow() from None
    if done.returncode == 0:
        return done.stdout
    if done.returncode == 2:  # the template's own refusal (InvalidInput), its Chinese detail on stderr
        code, _, detail = done.stderr.decode("utf-8", "replace").partition("\n")
        raise InvalidInput(code, detail)
    raise _slow()


def _slow() -> InvalidInput:
    return InvalidInput(
        "template_too_complex",
        f"模板生成文书超出了时间或内存限制（{RENDER_SECONDS:.0f} 秒、{RENDER_MEMORY_BYTES // 2**20} MB），"
        "请检查模板中的循环和重复后重新上传。",
    )


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (RENDER_CPU_SECONDS, RENDER_CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (RENDER_MEMORY_BYTES, RENDER_MEMORY_BYTES))


def _child() -> int:
    from app.document import docx

    content, context = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - written by our own parent process
    try:
        result = docx.render_here(content, context)
        if len(result) > MAX_OUTPUT_BYTES:
            raise InvalidInput("template_too_complex", f"生成的文书超过 {MAX_OUTPUT_BYTES // 2**20} MB，请检查模板。")
        with zipfile.ZipFile(io.BytesIO(result)) as package:  # a field's code may be written by its expressions
            _refuse_external(external_references(package))
    except InvalidInput as refusal:
        sys.stderr.write(f"{refusal.code}\n{refusal.detail}")
        return 2
    sys.stdout.buffer.write(result)
    return 0


if __name__ == "__main__":
    sys.exit(_child())
