"""The whole annual report as files: DOCX that a clerk can still edit in Word or WPS, and HTML for the agency's website.

DOCX: the agency's template (a .docx) gives the page, the fonts and styles, the title block and the 落款. Its body is
read as three parts around a paragraph holding ``{{body}}``: what comes before is the title block, what comes after
is the 落款, and ``{{title}}``, ``{{agency_name}}``, ``{{year}}``, ``{{signature}}``, ``{{date}}`` are filled in
(:data:`PLACEHOLDERS`). The document's own text uses the styles ``Heading 1`` (一、…, 黑体), ``Heading 2``
(（一）…, 楷体) and ``Normal`` (仿宋, first line indented two characters), the 公文 conventions of GB/T 9704; the
tables are real Word tables with the official merged headers (the same cell layout as the XLSX and HTML tables,
``app.report.export``); the footer carries the page number (「— 1 —」) unless the template has its own.

The default template ships as ``templates/annual_report.docx`` (built by :func:`build_default_template`; run
``python -m app.report.document_render`` to rebuild it).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import date
from html import escape
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tc
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.table import _Cell as _DocxCell
from docx.text.paragraph import Paragraph as DocxParagraph
from sqlalchemy.orm import Session

from app.agency.repository import get_agency
from app.document import templates
from app.document.registry import TemplateKind, register
from app.domain import annual_document as doc
from app.domain.errors import InvalidInput
from app.domain.statistics import (
    ACTIVE_DISCLOSURE_TITLE,
    APPLICATIONS_TITLE,
    REVIEWS_TITLE,
    AnnualReport,
)
from app.report.document_service import Built
from app.report.export import Cell, active_cells, applications_cells, html_table, reviews_cells
from app.xmltext import xml_safe

DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "annual_report.docx"
TEMPLATE_KIND = "annual_report"
BODY = "{{body}}"
PLACEHOLDERS = ("{{title}}", "{{agency_name}}", "{{year}}", "{{signature}}", "{{date}}")
"""What a template may contain besides ``{{body}}``; anything else between double braces is refused."""
VARIABLES = {
    "body": "正文位置：须单独成段，且只出现一次；其前为标题部分，其后为落款",
    "title": "报告标题，如「某市自然资源和规划局2025年政府信息公开工作年度报告」",
    "agency_name": "本机关名称",
    "year": "报告年度",
    "signature": "落款机关",
    "date": "成文日期，如「2026年1月14日」",
}

_FONTS = {"title": "方正小标宋简体", "h1": "黑体", "h2": "楷体_GB2312", "body": "仿宋_GB2312", "table": "宋体"}
_SIZES = {"title": Pt(22), "h1": Pt(16), "h2": Pt(16), "body": Pt(16), "table": Pt(10.5)}


def chinese_date(day: date) -> str:
    """GB/T 9704 成文日期: 「2021年1月14日」."""
    return f"{day.year}年{day.month}月{day.day}日"


def _east_asian(style_or_run_element: object, font: str) -> None:
    rpr = style_or_run_element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attribute), font)


def _style(document: DocxDocument, name: str, font: str, size: Pt, bold: bool = False) -> ParagraphStyle:
    style = document.styles[name]
    assert isinstance(style, ParagraphStyle)
    style.font.name = font
    style.font.size = size
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    _east_asian(style.element, font)
    return style


def _page_number(paragraph: DocxParagraph) -> None:
    """「— PAGE —」 centred: a field Word and WPS update when they lay out the document."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" —")


def build_default_template() -> bytes:
    """The shipped template: A4, GB/T 9704 margins, 公文 fonts, title block, 落款 right-aligned, page numbers."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.orientation = WD_ORIENT.PORTRAIT
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    title = _style(document, "Title", _FONTS["title"], _SIZES["title"])
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(16)
    title.element.get_or_add_pPr()
    for name, key, bold in (("Heading 1", "h1", False), ("Heading 2", "h2", False)):
        heading = _style(document, name, _FONTS[key], _SIZES[key], bold)
        heading.paragraph_format.space_before = Pt(6)
        heading.paragraph_format.space_after = Pt(6)
        heading.paragraph_format.first_line_indent = Pt(32)
    normal = _style(document, "Normal", _FONTS["body"], _SIZES["body"])
    normal.paragraph_format.first_line_indent = Pt(32)
    normal.paragraph_format.line_spacing = Pt(28)
    document.add_paragraph("{{title}}", style="Title")
    document.add_paragraph(BODY)
    for text in ("{{signature}}", "{{date}}"):
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(64)
    _page_number(section.footer.paragraphs[0])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def default_template() -> bytes:
    return DEFAULT_TEMPLATE.read_bytes()


def stored_template(session: Session, agency_code: str) -> bytes:
    """The agency's report template from the template store: its upload (``PUT /agencies/{code}/templates/
    annual_report``), or the shipped default."""
    return templates.effective(session, get_agency(session, agency_code).id, TEMPLATE_KIND).content


_BRACES = re.compile(r"\{\{[^{}]*\}\}")


def validate_template(content: bytes) -> None:
    """A replacement template must open, hold ``{{body}}`` once, and use only :data:`PLACEHOLDERS`."""
    try:
        document = Document(io.BytesIO(content))
    except Exception:  # python-docx raises several kinds for a file that is not a .docx
        raise InvalidInput("report_template_invalid", "模板不是有效的 .docx 文件。") from None
    texts = [p.text for p in document.paragraphs]
    if sum(BODY in t for t in texts) != 1:
        raise InvalidInput("report_template_invalid", f"模板中须有且只有一个「{BODY}」段落，标明正文位置。")
    unknown = sorted({m for t in texts for m in _BRACES.findall(t)} - {BODY, *PLACEHOLDERS})
    if unknown:
        raise InvalidInput("report_template_invalid", f"模板中有未知的占位符：{'、'.join(unknown)}。")


register(
    TemplateKind(
        kind=TEMPLATE_KIND,
        label="政府信息公开工作年度报告",
        default=DEFAULT_TEMPLATE,
        variables=VARIABLES,
        sample=dict,
        validator=validate_template,
    )
)
"""The report's template lives in the one template store (``app.document.templates``): the shipped default, or
the agency's upload, checked by :func:`validate_template` before it replaces the old one."""


def _fill(paragraph: DocxParagraph, values: dict[str, str]) -> None:
    """Replace placeholders even when Word split them over runs: the paragraph's text goes into its first run."""
    text = paragraph.text
    if "{{" not in text:
        return
    for key, value in values.items():
        text = text.replace(key, xml_safe(value))
    runs = paragraph.runs
    if runs:
        runs[0].text = text
        for run in runs[1:]:
            run.text = ""


def _borders(table: Table) -> None:
    """Single black borders on every cell, independent of the template's table styles."""
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), "4")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    properties.append(borders)


def _merge(tcs: list[list[CT_Tc]], c: Cell) -> CT_Tc:
    """Span a cell the way Word writes it: ``gridSpan`` on the first cell of each row of the span (the cells it
    covers removed), ``vMerge`` restart on the top one and continue below. python-docx's own ``merge`` re-reads the
    whole table at every call, which is quadratic in the cells."""
    for r in range(c.row, c.row + c.rowspan):
        first = tcs[r][c.col]
        if c.colspan > 1:
            first.grid_span = c.colspan
            for covered in tcs[r][c.col + 1 : c.col + c.colspan]:
                covered.getparent().remove(covered)
        if c.rowspan > 1:
            first.vMerge = "restart" if r == c.row else "continue"
    return tcs[c.row][c.col]


def _word_table(document: DocxDocument, anchor: DocxParagraph, cells: Sequence[Cell]) -> Table:
    """A Word table with the cells' spans merged, inserted before ``anchor``."""
    rows = max(c.row + c.rowspan for c in cells)
    cols = max(c.col + c.colspan for c in cells)
    table: Table = document.add_table(rows=rows, cols=cols)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(table)
    tcs = [list(tr.tc_lst) for tr in table._tbl.tr_lst]
    for c in cells:
        target = _DocxCell(_merge(tcs, c), table)
        paragraph = target.paragraphs[0]
        paragraph.paragraph_format.first_line_indent = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
        is_label = isinstance(c.value, str) and not c.header
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if is_label else WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(xml_safe(c.text))
        run.font.size = _SIZES["table"]
        run.font.bold = c.header
        _east_asian(run._r, _FONTS["table"])
    anchor._p.addprevious(table._tbl)
    return table


def _tables(kind: doc.TableKind, report: AnnualReport) -> list[tuple[str, list[Cell]]]:
    if kind is doc.TableKind.APPLICATIONS:
        return [(APPLICATIONS_TITLE, applications_cells(report))]
    if kind is doc.TableKind.REVIEWS:
        return [(REVIEWS_TITLE, reviews_cells(report))]
    if report.active_disclosure is not None:
        return [(ACTIVE_DISCLOSURE_TITLE, active_cells(report.active_disclosure))]
    return []


def _insert(anchor: DocxParagraph, text: str, style: str) -> DocxParagraph:
    paragraph = anchor.insert_paragraph_before(xml_safe(text))
    with suppress(KeyError):  # an agency's template without the style: Word's default formatting
        paragraph.style = style
    return paragraph


def _caption(anchor: DocxParagraph, text: str) -> None:
    paragraph = _insert(anchor, text, "Normal")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)
    for run in paragraph.runs:
        run.font.bold = True


def _body(document: DocxDocument, anchor: DocxParagraph, built: Built) -> None:
    d = built.document
    _insert(anchor, d.preface.text, "Normal")
    for section in d.sections:
        _insert(anchor, section.heading, "Heading 1")
        for paragraph in section.paragraphs:
            _insert(anchor, paragraph.text, "Heading 2" if paragraph.subheading else "Normal")
        if section.table is not None:
            for title, cells in _tables(section.table, built.report):
                _caption(anchor, title)
                _word_table(document, anchor, cells)
                _insert(anchor, "", "Normal")
    if built.annex:
        _insert(anchor, "附件：各机关政府信息公开情况统计表", "Heading 1")
        for report in built.annex:
            _insert(anchor, report.agency_name, "Heading 2")
            for kind in (doc.TableKind.APPLICATIONS, doc.TableKind.REVIEWS):
                for title, cells in _tables(kind, report):
                    _caption(anchor, title)
                    _word_table(document, anchor, cells)
                    _insert(anchor, "", "Normal")


def _has_page_field(document: DocxDocument) -> bool:
    return any(
        "PAGE" in (field.get(qn("w:instr")) or "") or "PAGE" in "".join(field.itertext())
        for section in document.sections
        for field in section.footer._element.iter(qn("w:fldSimple"), qn("w:instrText"))
    )


def to_docx(built: Built, template: bytes | None = None, today: date | None = None) -> bytes:
    """The report in the agency's template (the shipped one by default)."""
    content = template if template is not None else default_template()
    validate_template(content)
    document = Document(io.BytesIO(content))
    d = built.document
    signed = d.signed_on or today
    values = {
        "{{title}}": d.title,
        "{{agency_name}}": d.agency_name,
        "{{year}}": str(d.year),
        "{{signature}}": d.signature,
        "{{date}}": chinese_date(signed) if signed else "",
    }
    anchor = next(p for p in document.paragraphs if BODY in p.text)
    for paragraph in document.paragraphs:
        if paragraph is not anchor:
            _fill(paragraph, values)
    _body(document, anchor, built)
    anchor._p.getparent().remove(anchor._p)
    if not _has_page_field(document):
        _page_number(document.sections[0].footer.add_paragraph())
    core = document.core_properties
    core.title, core.author = xml_safe(d.title), xml_safe(d.agency_name)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_PAGE_STYLE = (
    "body{font-family:'仿宋_GB2312',FangSong,'Noto Serif CJK SC',serif;font-size:16px;line-height:1.9;"
    "max-width:60em;margin:2em auto;padding:0 1em}"
    "h1{font-family:'方正小标宋简体','Noto Serif CJK SC',serif;font-size:1.6em;text-align:center;font-weight:normal}"
    "h2{font-family:'黑体',SimHei,'Noto Sans CJK SC',sans-serif;font-size:1.1em;font-weight:normal}"
    "h3{font-family:'楷体_GB2312',KaiTi,serif;font-size:1em;font-weight:normal}"
    "p{text-indent:2em;margin:.3em 0}p.caption{text-indent:0;text-align:center;font-weight:bold}"
    "p.signature{text-align:right;text-indent:0}.todo{color:#b00}"
    "table{margin:0 auto 1em auto}"
)


def html_body(built: Built, *, inline_styles: bool = True) -> Iterable[str]:
    """The document's sections and tables as HTML elements (every text escaped)."""
    d = built.document
    yield f"<h1>{escape(d.title)}</h1>"
    yield f"<p>{escape(d.preface.text)}</p>"
    for section in d.sections:
        yield f"<h2>{escape(section.heading)}</h2>"
        for paragraph in section.paragraphs:
            tag = "h3" if paragraph.subheading else "p"
            todo = ' class="todo"' if paragraph.text.startswith("【待") else ""
            yield f'<{tag} data-key="{escape(paragraph.key)}"{todo}>{escape(paragraph.text)}</{tag}>'
        if section.table is not None:
            for title, cells in _tables(section.table, built.report):
                yield f'<p class="caption">{escape(title)}</p>'
                yield html_table(cells, inline_styles=inline_styles)
    signed = d.signed_on
    yield f'<p class="signature">{escape(d.signature)}</p>'
    if signed:
        yield f'<p class="signature">{escape(chinese_date(signed))}</p>'
    if built.annex:
        yield "<h2>附件：各机关政府信息公开情况统计表</h2>"
        for report in built.annex:
            yield f"<h3>{escape(report.agency_name)}</h3>"
            for kind in (doc.TableKind.APPLICATIONS, doc.TableKind.REVIEWS):
                for title, cells in _tables(kind, report):
                    yield f'<p class="caption">{escape(title)}</p>'
                    yield html_table(cells, inline_styles=inline_styles)


def to_html(built: Built) -> str:
    """A self-contained page for the agency's website (styles inline, no script, no other resource)."""
    title = escape(built.document.title)
    head = f'<head><meta charset="utf-8"><title>{title}</title><style>{_PAGE_STYLE}</style></head>'
    return (
        "\n".join(["<!DOCTYPE html>", '<html lang="zh-CN">', head, "<body>", *html_body(built), "</body>", "</html>"])
        + "\n"
    )


if __name__ == "__main__":
    DEFAULT_TEMPLATE.parent.mkdir(exist_ok=True)
    DEFAULT_TEMPLATE.write_bytes(build_default_template())
