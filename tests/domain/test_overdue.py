"""The overdue report's classification, case by case (weekends-only calendar: 2026-12-02 is a Wednesday)."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.calendar import WorkingCalendar
from app.domain.casefile import receipt_overdue, receipt_record_by
from app.domain.clock import Projection
from app.domain.lifecycle import CaseStatus
from app.domain.overdue import Finding, FindingKind, classify, horizon

AS_OF = date(2026, 12, 2)
LATER = date(2026, 12, 31)
CAL = WorkingCalendar([])
K = FindingKind


def projection(
    status: CaseStatus = CaseStatus.OPEN,
    due: date | None = LATER,
    statutory: date | None = LATER,
    notice_due: date | None = date(2026, 11, 1),
    pending: date | None = None,
    late: bool = False,
    undelivered: date | None = None,
    breached: date | None = None,
) -> Projection:
    return Projection(
        status=status,
        start=date(2026, 11, 2),
        due_date=due,
        statutory_due_date=statutory,
        correction_notice_due=notice_due,
        paused=pending is not None,
        pending_until=pending,
        provisional=False,
        disposition=None,
        concluded_on=None,
        calendar_version=0,
        correction_notice_late=late,
        undelivered_since=undelivered,
        statutory_breached_on=breached,
    )


D = date
CASES = [
    ("agency deadline passed yesterday", projection(due=D(2026, 12, 1)), False, [(K.OVERDUE, D(2026, 12, 1), -1)]),
    (
        "both deadlines passed: two findings, the breach first",
        projection(due=D(2026, 11, 20), statutory=D(2026, 11, 27)),
        False,
        [(K.STATUTORY_OVERDUE, D(2026, 11, 27), -3), (K.OVERDUE, D(2026, 11, 20), -8)],
    ),
    ("due today", projection(due=AS_OF), False, [(K.DUE_SOON, AS_OF, 0)]),
    ("due on the 3rd working day", projection(due=D(2026, 12, 7)), False, [(K.DUE_SOON, D(2026, 12, 7), 3)]),
    ("due on the 4th working day", projection(due=D(2026, 12, 8)), False, []),
    (
        "concluded: nothing",
        projection(CaseStatus.CONCLUDED, due=D(2026, 11, 1), statutory=D(2026, 11, 1)),
        False,
        [],
    ),
    (
        "correction reply-by day passed",
        projection(CaseStatus.AWAITING_CORRECTION, due=None, statutory=None, pending=D(2026, 12, 1)),
        True,
        [(K.CORRECTION_LAPSED, D(2026, 12, 1), -1)],
    ),
    (
        "awaiting a correction asked for after the statutory deadline: the breach stands",
        projection(CaseStatus.AWAITING_CORRECTION, due=None, statutory=None, pending=LATER, breached=D(2026, 11, 20)),
        True,
        [(K.STATUTORY_OVERDUE, D(2026, 11, 20), -8)],
    ),
    (
        "the fresh period after that correction runs: still the breach, not the fresh deadline",
        projection(due=LATER, statutory=LATER, breached=D(2026, 11, 20)),
        True,
        [(K.STATUTORY_OVERDUE, D(2026, 11, 20), -8)],
    ),
    (
        "concluded after that breach: nothing",
        projection(CaseStatus.CONCLUDED, breached=D(2026, 11, 20)),
        True,
        [],
    ),
    (
        "correction reply-by day is today",
        projection(CaseStatus.AWAITING_CORRECTION, due=None, statutory=None, pending=AS_OF),
        True,
        [],
    ),
    (
        "consultation: 15 days passed without an answer",
        projection(CaseStatus.IN_CONSULTATION, pending=D(2026, 11, 30)),
        False,
        [(K.CONSULTATION_LAPSED, D(2026, 11, 30), -2)],
    ),
    (
        "fee: 20 days passed without payment",
        projection(CaseStatus.AWAITING_FEE, pending=D(2026, 12, 1)),
        False,
        [(K.FEE_LAPSED, D(2026, 12, 1), -1)],
    ),
    (
        "correction notice due in 2 working days",
        projection(notice_due=D(2026, 12, 4)),
        False,
        [(K.CORRECTION_NOTICE_DUE, D(2026, 12, 4), 2)],
    ),
    (
        "correction notice due today: the last day of the 7-day window is still in it",
        projection(notice_due=AS_OF),
        False,
        [(K.CORRECTION_NOTICE_DUE, AS_OF, 0)],
    ),
    ("no 7-day rule (received before 2019-05-15)", projection(notice_due=None), False, []),
    (
        "fee notice out 11-17, delivery unrecorded: a finding of the letter (casefile.receipt_overdue), not here",
        projection(CaseStatus.AWAITING_FEE, due=None, statutory=None, undelivered=D(2026, 11, 17)),
        False,
        [],
    ),
    (
        "late correction notice (Art. 30): the defect stays listed while the case is open",
        projection(CaseStatus.AWAITING_CORRECTION, due=None, statutory=None, pending=D(2026, 12, 20), late=True),
        True,
        [(K.CORRECTION_NOTICE_LATE, D(2026, 11, 1), -23)],
    ),
    (
        "late correction notice on a concluded case: nothing",
        projection(CaseStatus.CONCLUDED, late=True),
        True,
        [],
    ),
    ("correction already requested (Art. 30: once)", projection(notice_due=D(2026, 12, 4)), True, []),
    ("correction notice day passed", projection(notice_due=D(2026, 12, 1)), False, []),
    ("correction notice day beyond the window", projection(notice_due=D(2026, 12, 8)), False, []),
    (
        "in consultation: no correction may be requested now",
        projection(CaseStatus.IN_CONSULTATION, notice_due=D(2026, 12, 3), pending=D(2026, 12, 20)),
        False,
        [],
    ),
]


@pytest.mark.parametrize(("case", "requested", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_classify(case, requested, expected):
    findings = classify(case, correction_requested=requested, as_of=AS_OF, calendar=CAL)
    assert findings == [Finding(kind, day, days) for kind, day, days in expected]


def test_window_follows_due_within():
    case = projection(due=D(2026, 12, 8))
    assert classify(case, correction_requested=False, as_of=AS_OF, calendar=CAL, due_within=4) == [
        Finding(K.DUE_SOON, D(2026, 12, 8), 4)
    ]
    assert (
        classify(projection(due=D(2026, 12, 3)), correction_requested=False, as_of=AS_OF, calendar=CAL, due_within=0)
        == []
    )


def test_horizon_is_the_first_day_beyond_the_window():
    assert horizon(AS_OF, CAL, 3) == D(2026, 12, 8)
    assert horizon(D(2026, 12, 4), CAL, 0) == D(2026, 12, 7)  # Friday: the weekend is inside the window


@pytest.mark.parametrize(
    ("sent", "listed"),
    [
        (D(2026, 11, 17), D(2026, 12, 1)),  # 10 working days ended Tue 12-01: listed on 12-02
        (D(2026, 11, 18), None),  # its 10th working day is today: not yet
    ],
)
def test_one_rule_for_a_letter_whose_receipt_is_unrecorded(sent, listed):
    assert receipt_overdue(sent, AS_OF, CAL) == listed
    assert receipt_record_by(sent, CAL) == CAL.add_working_days(sent, 10)
    assert receipt_overdue(sent, AS_OF, CAL, days=5) == receipt_record_by(sent, CAL, 5)  # an agency's own number
