"""Render an :class:`~app.domain.statistics.AnnualReport` as the official tables: XLSX, CSV and HTML.

The layouts follow the formats 国办公开办函〔2019〕60号 and 国办公开办函〔2021〕30号: the 勾稽 note in the top-left
header cell, 「申请人情况」 over all seven columns, 「法人或其他组织」 over its five, 「自然人」 and 「总计」 merged
vertically; 「三、本年度办理结果」 spanning its rows, each disposition group spanning its numbered rows, the rows that
are groups themselves (（一）（二）（七）) spanning two label columns. Each table is laid out once as a list of cells
with spans (:func:`applications_cells` …); the XLSX and HTML writers only draw those cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from itertools import groupby
from math import ceil

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from app import spreadsheet
from app.domain.codes import LEGAL_PERSON_GROUP_LABEL, ApplicantType, ReviewKind
from app.domain.statistics import (
    ACTIVE_DISCLOSURE_TITLE,
    ACTIVE_ITEM_HEADER,
    ACTIVE_LAYOUTS,
    APPLICANT_HEADER,
    APPLICATIONS_TITLE,
    BALANCE_NOTE,
    COLUMN_LABELS,
    COLUMNS,
    FORMAT_DOCUMENTS,
    RESULTS_LABEL,
    REVIEW_COLUMN_LABELS,
    REVIEW_COLUMNS,
    REVIEW_HEADERS,
    REVIEW_KEYS,
    REVIEWS_TITLE,
    ActiveDisclosure,
    AnnualReport,
    TableRow,
    ValueKind,
    column_title,
    format_active_value,
)

LABEL_COLUMNS = 3
"""三、本年度办理结果 | （三）不予公开 | 1.属于国家秘密."""
_HEADER_ROWS = 3


@dataclass(frozen=True)
class Cell:
    """One printed cell of a table, 0-based within the table, with its spans."""

    row: int
    col: int
    value: str | int | Decimal
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    shown: str = ""
    """Text for HTML when it differs from ``value`` (e.g. 「减2」 for -2)."""
    number_format: str = ""
    """Excel number format when the cell is a number printed with words around it."""
    trace: tuple[str, str] | None = None
    """For a counted cell: the (row, column) that ``GET /reports/annual/cases`` lists the cases of."""

    @property
    def text(self) -> str:
        return self.shown or str(self.value)


def applications_cells(report: AnnualReport) -> list[Cell]:
    legal_persons = [a for a in ApplicantType if a is not ApplicantType.NATURAL_PERSON]
    last = LABEL_COLUMNS + len(COLUMNS) - 1
    cells = [
        Cell(0, 0, BALANCE_NOTE, rowspan=_HEADER_ROWS, colspan=LABEL_COLUMNS, header=True),
        Cell(0, LABEL_COLUMNS, APPLICANT_HEADER, colspan=len(COLUMNS), header=True),
        Cell(1, LABEL_COLUMNS, COLUMN_LABELS[ApplicantType.NATURAL_PERSON], rowspan=2, header=True),
        Cell(1, LABEL_COLUMNS + 1, LEGAL_PERSON_GROUP_LABEL, colspan=len(legal_persons), header=True),
        Cell(1, last, COLUMN_LABELS[COLUMNS[-1]], rowspan=2, header=True),
        *(Cell(2, LABEL_COLUMNS + 1 + i, COLUMN_LABELS[a], header=True) for i, a in enumerate(legal_persons)),
    ]
    rows = report.applications.rows
    cells += _row_label_cells(rows)
    for r, row in enumerate(rows, start=_HEADER_ROWS):
        cells += (Cell(r, LABEL_COLUMNS + i, value, trace=(row.key, COLUMNS[i])) for i, value in enumerate(row.values))
    return cells


def _row_label_cells(rows: Sequence[TableRow]) -> Iterator[Cell]:
    """一、二、四 span the three label columns; 三 spans its rows in the first; a group spans its numbered rows in the
    second; a row that is a group itself spans the second and third."""
    r = _HEADER_ROWS
    for in_results, section in groupby(rows, key=lambda row: bool(row.group)):
        section_rows = list(section)
        if in_results:
            yield Cell(r, 0, RESULTS_LABEL, rowspan=len(section_rows))
        for group, members in groupby(section_rows, key=lambda row: row.group):
            group_rows = list(members)
            if group and group != RESULTS_LABEL:
                yield Cell(r, 1, group, rowspan=len(group_rows))
            for row in group_rows:
                if not group:
                    yield Cell(r, 0, row.label, colspan=LABEL_COLUMNS)
                elif group == RESULTS_LABEL:
                    yield Cell(r, 1, row.label, colspan=LABEL_COLUMNS - 1)
                else:
                    yield Cell(r, 2, row.label)
                r += 1


def reviews_cells(report: AnnualReport) -> list[Cell]:
    """行政复议 over its five columns (merged two rows down); 行政诉讼 over 未经复议直接起诉 and 复议后起诉."""
    width = len(REVIEW_COLUMNS)
    cells: list[Cell] = []
    col = 0
    for head, kinds in groupby(ReviewKind, key=lambda kind: REVIEW_HEADERS[kind][0]):
        kind_list = list(kinds)
        cells.append(Cell(0, col, head, colspan=width * len(kind_list), header=True))
        for kind in kind_list:
            sub = REVIEW_HEADERS[kind][1]
            if sub:
                cells.append(Cell(1, col, sub, colspan=width, header=True))
            cells += (
                Cell(2 if sub else 1, col + i, REVIEW_COLUMN_LABELS[c], rowspan=1 if sub else 2, header=True)
                for i, c in enumerate(REVIEW_COLUMNS)
            )
            col += width
    values = report.reviews.to_dict()
    cells += (Cell(3, i, values[key], trace=(key, "total")) for i, key in enumerate(REVIEW_KEYS))
    return cells


_NUMBER_FORMATS = {ValueKind.CHANGE: '"增"0;"减"0;0'}


def active_cells(active: ActiveDisclosure) -> list[Cell]:
    """Each Art. 20 item as printed: its heading, then 信息内容 and its columns, then its rows; the last column of a
    narrower item spans the remainder so that the items line up."""
    sections = ACTIVE_LAYOUTS[active.format]
    width = 1 + max(len(section.fields) for section in sections)
    cells: list[Cell] = []
    r = 0
    for section in sections:
        spans = [1] * (len(section.fields) - 1) + [width - len(section.fields)]
        cells.append(Cell(r, 0, section.heading, colspan=width, header=True))
        cells.append(Cell(r + 1, 0, ACTIVE_ITEM_HEADER, header=True))
        cells += (Cell(r + 1, 1 + i, f.label, colspan=spans[i], header=True) for i, f in enumerate(section.fields))
        for item, label in section.items:
            r += 1
            cells.append(Cell(r + 1, 0, label))
            for i, field in enumerate(section.fields):
                value = active.value(f"{item}.{field.key}")
                number_format = _NUMBER_FORMATS.get(field.kind, f'General"{field.unit}"' if field.unit else "")
                shown = format_active_value(field, value)
                cells.append(Cell(r + 1, 1 + i, value, colspan=spans[i], shown=shown, number_format=number_format))
        r += 2
    return cells


def _subtitle(report: AnnualReport) -> str:
    return f"{report.agency_name}　{report.year}年度（{FORMAT_DOCUMENTS[report.format]}格式）"


_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = "宋体"
_POINTS_PER_LINE = 15
_WIDTH_PER_CHAR = 2.1
"""Excel width units taken by one CJK character, to estimate wrapped row heights (Excel does not fit merged cells)."""


def _write_sheet(ws: Worksheet, title: str, subtitle: str, cells: Sequence[Cell], widths: Sequence[float]) -> None:
    """Title and subtitle above the table, every cell bordered and wrapped, landscape A4 fitted to one page wide."""
    top = 3
    ncols = max(c.col + c.colspan for c in cells)
    for r, text, size in ((1, title, 14), (2, subtitle, 10)):
        ws.cell(r, 1, spreadsheet.cell(text)).font = Font(name=_FONT, size=size, bold=r == 1)
        ws.cell(r, 1).alignment = Alignment(horizontal="center", vertical="center")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(top, i).column_letter].width = width
    lines: dict[int, int] = {}
    for c in sorted(cells, key=lambda c: (c.row, c.col)):
        cell = ws.cell(top + c.row, 1 + c.col, spreadsheet.cell(c.value))
        cell.font = Font(name=_FONT, size=10, bold=c.header)
        cell.border = _BORDER
        is_label = isinstance(c.value, str) and not c.header
        cell.alignment = Alignment(horizontal="left" if is_label else "center", vertical="center", wrap_text=True)
        if c.number_format:
            cell.number_format = c.number_format
        if c.rowspan > 1 or c.colspan > 1:
            ws.merge_cells(
                start_row=top + c.row,
                start_column=1 + c.col,
                end_row=top + c.row + c.rowspan - 1,
                end_column=c.col + c.colspan,
            )
        if c.rowspan == 1:
            span_width = sum(widths[c.col : c.col + c.colspan])
            lines[c.row] = max(lines.get(c.row, 1), ceil(len(c.text) * _WIDTH_PER_CHAR / span_width))
    for row, count in lines.items():
        ws.row_dimensions[top + row].height = count * _POINTS_PER_LINE
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


def to_xlsx(report: AnnualReport) -> bytes:
    """One sheet per table: applications, reviews, and 主动公开 when the report has it. Numbers are number cells."""
    workbook = Workbook()
    subtitle = _subtitle(report)
    sheet = workbook.active
    sheet.title = "收到和处理申请"
    _write_sheet(sheet, APPLICATIONS_TITLE, subtitle, applications_cells(report), [10, 16, 34, *[10] * len(COLUMNS)])
    sheet = workbook.create_sheet("行政复议、行政诉讼")
    _write_sheet(sheet, REVIEWS_TITLE, subtitle, reviews_cells(report), [9] * len(REVIEW_KEYS))
    if report.active_disclosure is not None:
        sheet = workbook.create_sheet("主动公开")
        _write_sheet(sheet, ACTIVE_DISCLOSURE_TITLE, subtitle, active_cells(report.active_disclosure), [24, 18, 18, 18])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_csv(report: AnnualReport) -> str:
    """The applications table, one line per row: key, group label, label, the seven numbers. Starts with a BOM so that
    Excel reads the UTF-8 correctly; encode the result as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["key", "分组", "项目", *(column_title(c) for c in COLUMNS)])
    for row in report.applications.rows:
        writer.writerow([spreadsheet.cell(v) for v in (row.key, row.group, row.label, *row.values)])
    return "\ufeff" + buffer.getvalue()


_TABLE_STYLE = "border-collapse:collapse;font-family:'宋体',SimSun,serif;font-size:10.5pt;margin-bottom:1em"
_CELL_STYLE = "border:1px solid #000;padding:3px 6px;vertical-align:middle;text-align:"


def html_table(cells: Sequence[Cell], *, inline_styles: bool = True) -> str:
    """Styles inline on every cell, so that the borders survive pasting into a word processor; without them
    (``inline_styles=False``, for pages whose CSP forbids inline styles) the table has the class ``report-table``."""
    lines = [f'<table style="{_TABLE_STYLE}">' if inline_styles else '<table class="report-table">']
    for _, row_cells in groupby(sorted(cells, key=lambda c: (c.row, c.col)), key=lambda c: c.row):
        lines.append("<tr>")
        for c in row_cells:
            tag = "th" if c.header else "td"
            align = "left" if isinstance(c.value, str) and not c.header else "center"
            spans = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (
                f' colspan="{c.colspan}"' if c.colspan > 1 else ""
            )
            style = f' style="{_CELL_STYLE}{align}"' if inline_styles else f' class="{align}"'
            lines.append(f"<{tag}{spans}{style}>{escape(c.text)}</{tag}>")
        lines.append("</tr>")
    lines.append("</table>")
    return "\n".join(lines)


def to_html(report: AnnualReport) -> str:
    """A self-contained page with the tables, laid out like the official format."""
    title = escape(f"{report.agency_name}{report.year}年度政府信息公开工作年度报告统计表")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        f'<head><meta charset="utf-8"><title>{title}</title></head>',
        "<body style=\"font-family:'宋体',SimSun,serif\">",
        f"<p>{escape(_subtitle(report))}</p>",
        f"<h2>{escape(APPLICATIONS_TITLE)}</h2>",
        html_table(applications_cells(report)),
        f"<h2>{escape(REVIEWS_TITLE)}</h2>",
        html_table(reviews_cells(report)),
    ]
    if report.active_disclosure is not None:
        parts += [f"<h2>{escape(ACTIVE_DISCLOSURE_TITLE)}</h2>", html_table(active_cells(report.active_disclosure))]
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _grid(cells: Sequence[Cell]) -> list[list[Cell]]:
    return [list(row) for _, row in groupby(sorted(cells, key=lambda c: (c.row, c.col)), key=lambda c: c.row)]


def layouts(report: AnnualReport) -> list[tuple[str, list[list[Cell]]]]:
    """Each table as printed (title, rows of cells with their spans), for a page that links its counted cells to
    their cases (``Cell.trace``)."""
    tables = [
        (APPLICATIONS_TITLE, _grid(applications_cells(report))),
        (REVIEWS_TITLE, _grid(reviews_cells(report))),
    ]
    if report.active_disclosure is not None:
        tables.append((ACTIVE_DISCLOSURE_TITLE, _grid(active_cells(report.active_disclosure))))
    return tables
