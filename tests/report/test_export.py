"""The XLSX, CSV and HTML renderings of the annual-report tables (app/report/export.py)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from html.parser import HTMLParser

import openpyxl
import pytest

from app.domain.codes import ApplicantType, Disposition, ReviewKind, ReviewOutcome
from app.domain.statistics import (
    APPLICANT_HEADER,
    BALANCE_NOTE,
    COLUMNS,
    RESULTS_LABEL,
    REVIEW_KEYS,
    AnnualReport,
    ReportFormat,
    build_applications_table,
    build_reviews_table,
    format_for_year,
    validate_active_disclosure,
)
from app.report.export import to_csv, to_html, to_xlsx
from tests.seed import SEED_ACTIVE

NP = ApplicantType.NATURAL_PERSON
CE = ApplicantType.COMMERCIAL_ENTERPRISE
ACTIVE_2021 = {
    "regulations.issued": 0,
    "regulations.repealed": 0,
    "regulations.in_force": 3,
    "normative_documents.issued": 2,
    "normative_documents.repealed": 1,
    "normative_documents.in_force": 12,
    "licensing.decisions": 14,
    "penalties.decisions": 171,
    "coercion.decisions": 0,
    "fees.amount": "12.5",
}


def report(year: int, agency: str = "鄂尔多斯市自然资源局", active: bool = False) -> AnnualReport:
    fmt = format_for_year(year)
    concluded = {(Disposition.UNAVAILABLE_NOT_HELD, NP): 2, (Disposition.OTHER_FEE_UNPAID, CE): 1}
    table = build_applications_table(fmt, {NP: 2, CE: 1}, {NP: 1}, concluded, {NP: 1})
    reviews = build_reviews_table({(ReviewKind.REVIEW, ReviewOutcome.OTHER): 1})
    ad = validate_active_disclosure(fmt, SEED_ACTIVE if fmt is ReportFormat.F2019 else ACTIVE_2021) if active else None
    return AnnualReport(year, fmt, "150600", agency, table, reviews, ad)


def _workbook(r: AnnualReport) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(to_xlsx(r)))


COMMON_MERGES = {"A1:J1", "A2:J2", "A3:C5", "D3:J3", "D4:D5", "E4:I4", "J4:J5", "A6:C6", "A7:C7", "B8:C8", "B9:C9"}


@pytest.mark.parametrize(
    ("year", "merges"),
    [
        (2020, {"A8:A27", "B10:B17", "B18:B20", "B21:B25", "B26:C26", "B27:C27", "A28:C28"}),
        (2021, {"A8:A29", "B10:B17", "B18:B20", "B21:B25", "B26:B28", "B29:C29", "A30:C30"}),
    ],
)
def test_xlsx_applications_sheet_is_laid_out_like_the_form(year: int, merges: set[str]) -> None:
    r = report(year)
    ws = _workbook(r).worksheets[0]
    assert {str(m) for m in ws.merged_cells.ranges} == COMMON_MERGES | merges
    assert (ws["A1"].value, ws["A3"].value, ws["D3"].value) == (
        "收到和处理政府信息公开申请情况",
        BALANCE_NOTE,
        APPLICANT_HEADER,
    )
    assert [ws.cell(4, c).value for c in (4, 5, 10)] == ["自然人", "法人或其他组织", "总计"]
    assert [ws.cell(5, c).value for c in range(5, 10)] == [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    assert ws["A8"].value == RESULTS_LABEL
    for i, row in enumerate(r.applications.rows):
        excel_row = 6 + i
        labels = [ws.cell(excel_row, c).value for c in (1, 2, 3)]
        assert row.label in labels, row.key
        if row.group and row.group != RESULTS_LABEL:
            assert ws.cell(excel_row, 3).value == row.label
        values = [ws.cell(excel_row, c).value for c in range(4, 11)]
        assert values == list(row.values)
        assert all(type(v) is int for v in values)
    assert ws["B10"].value == "（三）不予公开"
    assert ws["B9"].value == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"


def test_xlsx_print_setup_and_borders() -> None:
    ws = _workbook(report(2021)).worksheets[0]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["C"].width > ws.column_dimensions["D"].width
    for ref in ("A3", "D6", "J30", "C12"):
        border = ws[ref].border
        assert border.left.style == border.top.style == "thin", ref
    assert ws["C12"].alignment.wrap_text


def test_xlsx_reviews_sheet() -> None:
    ws = _workbook(report(2020)).worksheets[1]
    assert ws.title == "行政复议、行政诉讼"
    expected = {"A1:O1", "A2:O2", "A3:E3", "F3:O3", "F4:J4", "K4:O4", *(f"{c}4:{c}5" for c in "ABCDE")}
    assert {str(m) for m in ws.merged_cells.ranges} == expected
    assert [ws["A3"].value, ws["F3"].value, ws["F4"].value, ws["K4"].value] == [
        "行政复议",
        "行政诉讼",
        "未经复议直接起诉",
        "复议后起诉",
    ]
    assert [ws.cell(4, c).value for c in range(1, 6)] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert [ws.cell(5, c).value for c in range(6, 16)] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2
    assert [ws.cell(6, c).value for c in range(1, 16)] == [0, 0, 1, 0, 1, *[0] * 10]


@pytest.mark.parametrize(("active", "sheets"), [(False, 2), (True, 3)])
def test_xlsx_active_disclosure_sheet(active: bool, sheets: int) -> None:
    wb = _workbook(report(2020, active=active))
    assert len(wb.worksheets) == sheets
    if not active:
        return
    ws = wb.worksheets[2]
    assert (ws["A3"].value, ws["A4"].value, ws["B4"].value) == ("第二十条第（一）项", "信息内容", "本年新制作数量")
    cells = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 5)] for r in range(1, ws.max_row + 1)}
    assert cells["行政许可"] == [16, -2, 14]
    assert cells["行政处罚"] == [144, 27, 171]
    assert cells["行政事业性收费"][:2] == [2, 0]
    assert cells["政府集中采购"] == [11, pytest.approx(199.19561), None]
    assert ws.cell(20, 3).number_format == 'General"万元"'
    assert ws.cell(9, 3).number_format == '"增"0;"减"0;0'
    assert {"A15:D15", "C16:D16", "C17:D17", "C20:D20"} <= {str(m) for m in ws.merged_cells.ranges}


def test_csv() -> None:
    r = report(2021)
    text = to_csv(r)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["key", "分组", "项目", "自然人"]
    assert rows[0][-2:] == ["法人或其他组织·其他", "总计"]
    assert len(rows) == 1 + len(r.applications.rows)
    body = {row[0]: row for row in rows[1:]}
    assert body["received"] == ["received", "", "一、本年新收政府信息公开申请数量", "2", "1", "0", "0", "0", "0", "3"]
    assert body["other.fee_unpaid"][1:3] == [
        "（六）其他处理",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ]
    assert body["total"][1:] == [RESULTS_LABEL, "（七）总计", "2", "1", "0", "0", "0", "0", "3"]
    assert [row[0] for row in rows[1:]] == [row.key for row in r.applications.rows]


class _Grid(HTMLParser):
    """Rebuilds each <table> as a grid of its cells' texts, following rowspan and colspan."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[tuple[int, int], str]] = []
        self.spans: list[tuple[int, int]] = []
        self._row = -1
        self._col = 0
        self._text: list[str] | None = None
        self._span = (1, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({})
            self._row = -1
        elif tag == "tr":
            self._row += 1
            self._col = 0
        elif tag in ("td", "th"):
            a = dict(attrs)
            assert "border:1px solid #000" in (a["style"] or "")
            self._span = (int(a.get("rowspan") or 1), int(a.get("colspan") or 1))
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("td", "th") or self._text is None:
            return
        grid = self.tables[-1]
        while (self._row, self._col) in grid:
            self._col += 1
        rows, cols = self._span
        for r in range(self._row, self._row + rows):
            for c in range(self._col, self._col + cols):
                assert (r, c) not in grid
                grid[r, c] = "".join(self._text)
        self._col += cols
        self._text = None


@pytest.mark.parametrize("year", [2020, 2021])
def test_html_tables_match_the_layout(year: int) -> None:
    r = report(year, agency="<测试>局", active=True)
    page = to_html(r)
    assert page.startswith("<!DOCTYPE html>")
    assert "&lt;测试&gt;局" in page
    assert "<测试>" not in page
    parser = _Grid()
    parser.feed(page)
    applications, reviews, active = parser.tables
    n = len(r.applications.rows)
    assert set(applications) == {(row, col) for row in range(3 + n) for col in range(3 + len(COLUMNS))}
    assert applications[0, 0] == applications[2, 2] == BALANCE_NOTE
    assert applications[0, 3] == applications[0, 9] == APPLICANT_HEADER
    assert applications[2, 3] == "自然人"
    assert applications[2, 9] == "总计"
    for i, row in enumerate(r.applications.rows, start=3):
        assert applications[i, 2] == row.label
        assert [applications[i, c] for c in range(3, 10)] == [str(v) for v in row.values]
        assert applications[i, 0] == (RESULTS_LABEL if row.group else row.label)
    assert set(reviews) == {(row, col) for row in range(4) for col in range(len(REVIEW_KEYS))}
    assert reviews[2, 0] == "结果维持"
    assert reviews[1, 14] == "复议后起诉"
    assert [reviews[3, c] for c in range(15)] == [str(v) for v in r.reviews.values]
    labels = {cells[0]: cells[1:] for cells in _rows(active)}
    if year == 2020:
        assert active[3, 0] == "规范性文件"
        assert labels["行政许可"] == ["16", "减2", "14"]
        assert labels["政府集中采购"] == ["11", "199.19561万元", "199.19561万元"]
    else:
        assert active[3, 0] == "行政规范性文件"
        assert labels["行政许可"] == ["14"] * 3
        assert labels["信息内容"] == ["本年收费金额（单位：万元）"] * 3
        assert labels["行政事业性收费"] == ["12.5"] * 3


def _rows(grid: dict[tuple[int, int], str]) -> list[list[str]]:
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


def test_html_2021_format_has_no_single_other_row() -> None:
    page_2020, page_2021 = to_html(report(2020)), to_html(report(2021))
    assert "（六）其他处理</td>" in page_2020
    assert (
        'rowspan="3" style="border:1px solid #000;padding:3px 6px;vertical-align:middle;text-align:left">（六）其他处理'
        in (page_2021)
    )
    assert replace(report(2021)).format is ReportFormat.F2021
