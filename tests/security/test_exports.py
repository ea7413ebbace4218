"""Items 5 and 6 (exports): text typed by users reaches no spreadsheet as a formula, and a control character
already stored does not stop an export. Rendered from report objects (no database needed)."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from app import spreadsheet
from app.domain.codes import ApplicantType
from app.domain.lifecycle import CaseStatus
from app.domain.overdue import FindingKind
from app.overdue import render
from app.overdue.schemas import OverdueItem, OverdueReport
from app.report.export import to_xlsx
from tests.report.test_export import report

HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tx", "\rx"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+2", "'=1+2"),
        ("+86 138", "'+86 138"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张三=1", "张三=1"),
        ("a\x07b\x00", "a\ufffdb\ufffd"),
        ("多行\n文本", "多行\n文本"),
        (-3, -3),
        (12.5, 12.5),
        (None, None),
        (True, True),
    ],
)
def test_a_cell_shows_text_and_keeps_numbers(value, shown):
    assert spreadsheet.cell(value) == shown


def _overdue() -> OverdueReport:
    items = [
        OverdueItem(
            case_id=n,
            case_number=f"2026-{n:04d}",
            external_ref=text,
            agency="a1",
            kind=FindingKind.STATUTORY_OVERDUE,
            kind_label="超过法定期限",
            due_date=date(2026, 4, 1),
            working_days=-3,
            applicant_type=ApplicantType.NATURAL_PERSON,
            received_date=date(2026, 3, 2),
            status=CaseStatus.OPEN,
            status_label="办理中",
            handler=text + "\x07\x1b",
            provisional=False,
        )
        for n, text in enumerate(HOSTILE, 1)
    ]
    counts = {FindingKind.STATUTORY_OVERDUE: len(items)}
    return OverdueReport(
        as_of=date(2026, 11, 27), scope="a1", due_within=3, run_id=None, counts=counts, items=items, changes=None
    )


def test_overdue_xlsx_and_csv_show_typed_text_as_text_and_numbers_as_numbers():
    data = _overdue()
    sheet = openpyxl.load_workbook(io.BytesIO(render.render(data, render.ReportFormat.XLSX))).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(HOSTILE)
    for row in rows:
        assert all(c.data_type != "f" for c in row)
        texts = [c.value for c in row if isinstance(c.value, str)]
        assert not any(t.startswith(spreadsheet.FORMULA_STARTS) for t in texts), texts
        assert [c.value for c in row if isinstance(c.value, int) and not isinstance(c.value, bool)] == [-3]
    lines = list(csv.reader(io.StringIO(render.render(data, render.ReportFormat.CSV).decode("utf-8-sig"))))
    for line in lines[1:]:
        texts = [field for field in line if not field.lstrip("-").isdigit()]  # a number may well start with "-"
        assert not any(field.startswith(spreadsheet.FORMULA_STARTS) for field in texts), line
        assert "-3" in line


def test_annual_xlsx_neutralises_the_agency_name_and_survives_a_control_character():
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(report(2025, agency="=cmd|'/C calc'!A0\x01局"))))
    subtitle = book.worksheets[0]["A2"]
    assert subtitle.data_type != "f"
    assert subtitle.value.startswith("'=cmd")
    assert "\ufffd" in subtitle.value
