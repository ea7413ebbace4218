"""Boundaries a mutation run (mutmut, see README "Mutation testing") found untested: each test here kills a mutant
that survived the rest of tests/domain (named in the test's docstring)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.domain.calendar import WorkingCalendar
from app.domain.clock import DeadlinePolicy, explain
from app.domain.codes import ReviewKind, ReviewOutcome
from app.domain.errors import InvalidInput
from app.domain.lifecycle import CaseEvent
from app.domain.lifecycle import EventType as T
from app.domain.statistics import (
    REVIEW_KEYS,
    ROWS,
    ReportFormat,
    Rule,
    build_reviews_table,
    check_published,
    validate_active_disclosure,
)
from tests.domain.test_statistics import sample_report
from tests.seed import SEED_ACTIVE

D = date.fromisoformat


def test_signed_changes_and_a_zero_amount_in_the_active_disclosure_table() -> None:
    """``sign = -1 if digits[0] == "-"`` → ``!=`` and ``amount < 0`` → ``amount <= 0`` survived: a figure typed as
    a signed number and a procurement total of zero are both valid."""
    values = {**SEED_ACTIVE, "licensing.change": "-2", "penalties.change": -3, "fees.change": "+5"}
    values["procurement.amount"] = "0"
    active = validate_active_disclosure(ReportFormat.F2019, values)
    assert active.value("licensing.change") == -2
    assert active.value("penalties.change") == -3
    assert active.value("fees.change") == 5
    assert active.value("procurement.amount") == Decimal(0)
    with pytest.raises(InvalidInput):
        validate_active_disclosure(ReportFormat.F2019, {**SEED_ACTIVE, "procurement.amount": "-0.1"})


def test_a_2019_published_report_is_of_a_reporting_year() -> None:
    """``year >= FIRST_REPORT_YEAR`` → ``>`` survived: 2019 is the first year with a report."""
    doc = sample_report(2019).to_dict()
    assert doc["format"] == "2019"
    assert check_published(doc) == []
    assert [v.rule for v in check_published({**doc, "year": 2018})] == [Rule.YEAR]


class Rows(Mapping[tuple[ReviewKind, ReviewOutcome], int]):
    """Counts as a database returns them: row by row, so two rows may name one cell (a ``GROUP BY`` over the codes
    and another over a legacy spelling of them, say)."""

    def __init__(self, rows: list[tuple[tuple[ReviewKind, ReviewOutcome], int]]) -> None:
        self.rows = rows

    def __getitem__(self, key: tuple[ReviewKind, ReviewOutcome]) -> int:
        return sum(value for k, value in self.rows if k == key)

    def __iter__(self) -> Iterator[tuple[ReviewKind, ReviewOutcome]]:
        return (key for key, _ in self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def items(self) -> Any:
        return list(self.rows)


def test_two_review_inputs_that_land_in_one_cell_add_up() -> None:
    """``+=`` → ``=`` survived in ``build_reviews_table``: two inputs for one cell are added, not overwritten."""
    upheld = (ReviewKind.REVIEW, ReviewOutcome.UPHELD)
    table = build_reviews_table(Rows([(upheld, 2), (upheld, 3)]))
    values = dict(zip(REVIEW_KEYS, table.values, strict=True))
    assert (values["review.upheld"], values["review.total"]) == (5, 5)


def test_a_published_table_with_no_rows() -> None:
    """The row walk of ``check_published`` on an empty list: every row is missing, and nothing else is reported."""
    doc = sample_report(2021).to_dict()
    doc["applications"] = {**doc["applications"], "rows": []}  # type: ignore[dict-item]
    found = check_published(doc)
    assert {v.rule for v in found} == {Rule.MISSING_KEY}
    assert len(found) == len(ROWS[ReportFormat(str(doc["format"]))])


def test_the_explanation_header(cal: WorkingCalendar) -> None:
    """Every header field of the explanation: received, start, both periods, extension, both deadlines, the Art. 35
    date and the provisional flag (each assignment survived a mutation to None)."""
    events = [
        CaseEvent(T.CORRECTION_REQUESTED, D("2025-09-24"), until=D("2025-10-17")),
        CaseEvent(T.CORRECTION_RECEIVED, D("2025-10-13")),
        CaseEvent(T.EXTENSION_GRANTED, D("2025-10-20"), days=5, notice_on=D("2025-10-20")),
    ]
    x = explain(D("2025-09-20"), events, DeadlinePolicy(reply_days=10), cal)  # a Saturday
    assert (x.received, x.start) == (D("2025-09-20"), D("2025-10-13"))
    assert (x.reply_days, x.statutory_days, x.extension_days) == (10, 20, 5)
    assert (x.due_date, x.statutory_due_date) == (D("2025-11-03"), D("2025-11-17"))
    assert (x.agency_deadline, x.provisional) == (None, False)
    assert x.steps[0].on == D("2025-09-20")
    assert x.steps[-1].on == D("2025-11-17")


def test_the_first_and_last_computable_working_days() -> None:
    """``1 <= index <= count(last)`` → ``<``: 0001-01-01 (a Monday) and 9999-12-31 (a Friday) are working days the
    calendar can reach; one day beyond either end is out of range."""
    cal = WorkingCalendar([])
    first, last = date.min, date.max
    assert (first.weekday(), last.weekday()) == (0, 4)
    assert cal.add_working_days(date(1, 1, 2), -1) == first
    assert cal.next_working_day(first) == first
    assert cal.add_working_days(date(9999, 12, 30), 1) == last
    for start, n in ((first, -1), (last, 1)):
        with pytest.raises(InvalidInput) as caught:
            cal.add_working_days(start, n)
        assert caught.value.code == "date_out_of_range"
