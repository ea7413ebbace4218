from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.calendar import DayKind, WorkingCalendar
from app.domain.clock import (
    DAY_NOTE_LABELS,
    EXPLANATION_HORIZON_DAYS,
    DayNote,
    DeadlinePolicy,
    explain,
    project,
    statutory_extension_limit,
    statutory_reply_days,
)
from app.domain.codes import Disposition
from app.domain.errors import InvalidInput
from app.domain.lifecycle import CaseEvent, CaseStatus
from app.domain.lifecycle import EventType as T
from tests.domain.conftest import package_arrangements
from tests.domain.test_calendar import WORKED_EXAMPLES

D = date.fromisoformat
POLICY = DeadlinePolicy()


def ev(type_: T, on: str, **fields: Any) -> CaseEvent:
    return CaseEvent(type_, D(on), **fields)


def test_statutory_periods_change_on_2019_05_15() -> None:
    assert [statutory_reply_days(D("2019-05-14")), statutory_reply_days(D("2019-05-15"))] == [15, 20]
    assert [statutory_extension_limit(D("2019-05-14")), statutory_extension_limit(D("2019-05-15"))] == [15, 20]


@pytest.mark.parametrize(
    ("policy", "received", "limit"),
    [
        (DeadlinePolicy(), "2025-01-20", 20),
        (DeadlinePolicy(), "2019-05-14", 15),
        (DeadlinePolicy(extension_limit=10), "2025-01-20", 10),
        (DeadlinePolicy(extension_limit=20), "2019-05-14", 15),  # never above the statute
    ],
)
def test_max_extension_days(policy: DeadlinePolicy, received: str, limit: int) -> None:
    assert policy.max_extension_days(D(received)) == limit


@pytest.mark.parametrize(
    "fields", [{"reply_days": 0}, {"reply_days": 21}, {"extension_limit": -1}, {"extension_limit": 21}]
)
def test_policy_outside_the_law_is_rejected(fields: dict[str, int]) -> None:
    with pytest.raises(InvalidInput) as caught:
        DeadlinePolicy(**fields)  # type: ignore[arg-type]
    assert caught.value.code == "policy_invalid"


@pytest.mark.parametrize(("received", "plus7", "plus15", "plus20", "plus40"), WORKED_EXAMPLES)
def test_worked_examples_as_deadlines(
    cal: WorkingCalendar, received: str, plus7: str, plus15: str, plus20: str, plus40: str
) -> None:
    plain = project(D(received), [], POLICY, cal)
    assert (plain.correction_notice_due, plain.due_date, plain.statutory_due_date) == (D(plus7), D(plus15), D(plus20))
    assert (plain.status, plain.start, plain.paused, plain.pending_until) == (CaseStatus.OPEN, D(received), False, None)
    extended = project(D(received), [ev(T.EXTENSION_GRANTED, received, days=20, notice_on=D(received))], POLICY, cal)
    assert extended.statutory_due_date == D(plus40)


@pytest.mark.parametrize(
    ("received", "start", "due"),
    [
        ("2025-01-18", "2025-01-20", "2025-02-14"),  # Saturday: deemed received Monday, which is not counted
        ("2025-01-19", "2025-01-20", "2025-02-14"),
        (
            "2025-10-01",
            "2025-10-09",
            "2025-10-29",
        ),  # National Day: deemed received on the first day back; Sat 10-11 worked
        ("2019-05-14", "2019-05-14", "2019-06-04"),
    ],
)
def test_receipt_on_a_non_working_day_is_deemed_the_next(
    cal: WorkingCalendar, received: str, start: str, due: str
) -> None:
    projection = project(D(received), [], POLICY, cal)
    assert projection.start == D(start)
    assert projection.due_date == D(due)


def test_before_2019_05_15_the_statutory_period_is_15(cal: WorkingCalendar) -> None:
    projection = project(D("2019-05-14"), [], POLICY, cal)
    assert projection.statutory_due_date == projection.due_date


# Received Monday 2025-03-03: day 1 is 03-04, +15 is 03-24, +20 is 03-31. Qingming: 2025-04-04 to 04-06 off.
R = "2025-03-03"
CONSULT = ev(
    T.CONSULTATION_STARTED, "2025-03-06", delivered_on=D("2025-03-06")
)  # days 1-2 counted (03-04, 03-05); lapses +15 on 03-27
CORRECT = ev(T.CORRECTION_REQUESTED, "2025-03-05", until=D("2025-03-20"))
FEE = ev(T.FEE_NOTICE_SENT, "2025-03-06", delivered_on=D("2025-03-06"))  # delivered the same day: pay by +20, 04-03


@pytest.mark.parametrize(
    ("policy", "events", "status", "due", "statutory", "pending_until"),
    [
        (POLICY, [], CaseStatus.OPEN, "2025-03-24", "2025-03-31", None),
        # Art. 30: while awaiting a correction there is no due date; it restarts from the day it arrives.
        (POLICY, [CORRECT], CaseStatus.AWAITING_CORRECTION, None, None, "2025-03-20"),
        (POLICY, [CORRECT, ev(T.CORRECTION_RECEIVED, "2025-03-10")], CaseStatus.OPEN, "2025-03-31", "2025-04-08", None),
        (POLICY, [CORRECT, ev(T.CORRECTION_RECEIVED, "2025-03-08")], CaseStatus.OPEN, "2025-03-31", "2025-04-08", None),
        # Art. 32-34: paused from the letter day through the answer day; resumes the day after.
        (POLICY, [CONSULT, ev(T.CONSULTATION_ENDED, "2025-03-12")], CaseStatus.OPEN, "2025-03-31", "2025-04-08", None),
        (POLICY, [CONSULT], CaseStatus.IN_CONSULTATION, "2025-04-16", "2025-04-23", "2025-03-27"),
        (POLICY, [CONSULT, ev(T.CONSULTATION_ENDED, "2025-04-01")], CaseStatus.OPEN, "2025-04-16", "2025-04-23", None),
        (
            POLICY,
            [
                CONSULT,
                ev(T.CONSULTATION_ENDED, "2025-03-12"),
                ev(T.CONSULTATION_STARTED, "2025-03-13", delivered_on=D("2025-03-13")),
            ],
            CaseStatus.IN_CONSULTATION,
            "2025-04-23",
            "2025-04-29",  # Sunday 04-27 is a make-up working day
            "2025-04-03",
        ),
        # 国办函〔2020〕109号, PAUSE: like a consultation, bounded by the payment due date.
        (POLICY, [FEE], CaseStatus.AWAITING_FEE, "2025-04-23", "2025-04-29", "2025-04-03"),
        (POLICY, [FEE, ev(T.FEE_PAID, "2025-03-12")], CaseStatus.OPEN, "2025-03-31", "2025-04-08", None),
        # Art. 33: the extension adds to both deadlines.
        (
            POLICY,
            [ev(T.EXTENSION_GRANTED, "2025-03-20", days=5, notice_on=D("2025-03-21"))],
            CaseStatus.OPEN,
            "2025-03-31",
            "2025-04-08",
            None,
        ),
        # Art. 35: the agency's own deadline replaces both.
        (
            POLICY,
            [ev(T.REASONS_REQUESTED, "2025-03-10"), ev(T.AGENCY_DEADLINE_SET, "2025-03-17", until=D("2025-05-30"))],
            CaseStatus.OPEN,
            "2025-05-30",
            "2025-05-30",
            None,
        ),
    ],
)
def test_projection(
    cal: WorkingCalendar,
    policy: DeadlinePolicy,
    events: list[CaseEvent],
    status: CaseStatus,
    due: str | None,
    statutory: str | None,
    pending_until: str | None,
) -> None:
    projection = project(D(R), events, policy, cal)
    as_dates = [None if s is None else D(s) for s in (due, statutory, pending_until)]
    assert [projection.due_date, projection.statutory_due_date, projection.pending_until] == as_dates
    assert projection.status is status
    assert projection.paused is (pending_until is not None)


@pytest.mark.parametrize(
    ("events", "disposition", "due"),
    [
        ([ev(T.CONCLUDED, "2025-03-20", disposition=Disposition.DISCLOSED)], Disposition.DISCLOSED, "2025-03-24"),
        ([ev(T.WITHDRAWN, "2025-03-05")], Disposition.OTHER_OTHER, "2025-03-24"),
        ([CORRECT, ev(T.CORRECTION_LAPSED, "2025-03-20")], Disposition.OTHER_CORRECTION_LAPSED, None),
        ([FEE, ev(T.FEE_LAPSED, "2025-04-07")], Disposition.OTHER_FEE_UNPAID, "2025-04-23"),
        # concluded during a consultation: the pause ends on the reply day
        (
            [CONSULT, ev(T.CONCLUDED, "2025-03-12", disposition=Disposition.UNAVAILABLE_NOT_HELD)],
            Disposition.UNAVAILABLE_NOT_HELD,
            "2025-03-31",
        ),
    ],
)
def test_conclusion(cal: WorkingCalendar, events: list[CaseEvent], disposition: Disposition, due: str | None) -> None:
    projection = project(D(R), [*events, ev(T.REVIEW_FILED, "2025-05-06")], POLICY, cal)
    assert projection.status is CaseStatus.CONCLUDED
    assert projection.disposition is disposition
    assert projection.concluded_on == events[-1].on
    assert projection.due_date == (None if due is None else D(due))
    assert (projection.paused, projection.pending_until) == (False, None)
    assert projection.working_days_left(cal, D("2025-03-10")) is None
    assert not projection.overdue(D("2026-01-01"))


@pytest.mark.parametrize(
    ("events", "as_of", "left", "overdue", "statutory_overdue"),
    [
        ([], "2025-03-21", 1, False, False),
        ([], "2025-03-24", 0, False, False),  # due today
        ([], "2025-03-22", 1, False, False),  # Saturday before a Monday due date: Monday is left
        ([], "2025-03-25", -1, True, False),
        ([], "2025-03-30", -4, True, False),  # Sunday: four working days past (25-28 March)
        ([], "2025-04-01", -6, True, True),
        ([CORRECT], "2026-01-01", None, False, False),  # awaiting a correction is never overdue
    ],
)
def test_overdue_and_days_left(
    cal: WorkingCalendar,
    events: list[CaseEvent],
    as_of: str,
    left: int | None,
    overdue: bool,
    statutory_overdue: bool,
) -> None:
    projection = project(D(R), events, POLICY, cal)
    assert projection.working_days_left(cal, D(as_of)) == left
    assert projection.overdue(D(as_of)) is overdue
    assert projection.statutory_overdue(D(as_of)) is statutory_overdue


@pytest.mark.parametrize(
    ("received", "events", "provisional"),
    [
        ("2026-06-01", [], False),
        ("2026-12-15", [], True),  # the due date reaches into 2027, which has no arrangement yet
        ("2026-12-08", [], True),  # only the statutory due date does
        (
            "2026-12-01",
            [ev(T.CORRECTION_REQUESTED, "2026-12-03", until=D("2027-01-08"))],
            True,
        ),  # only the reply-by day
        ("2027-03-01", [], True),
    ],
)
def test_provisional(cal: WorkingCalendar, received: str, events: list[CaseEvent], provisional: bool) -> None:
    projection = project(D(received), events, POLICY, cal)
    assert projection.provisional is provisional
    assert projection.calendar_version == 3


def test_provisional_dates_are_recomputed_when_the_year_is_imported(cal: WorkingCalendar) -> None:
    without_2026 = WorkingCalendar([a for a in package_arrangements() if a.year != 2026])
    before = project(D("2026-02-10"), [], POLICY, without_2026)
    after = project(D("2026-02-10"), [], POLICY, cal)
    assert before.provisional
    assert (before.due_date, after.due_date) == (D("2026-03-03"), D("2026-03-09"))


# explain() ---------------------------------------------------------------------------------------------------------


def test_explain_a_plain_case(cal: WorkingCalendar) -> None:
    explanation = explain(D("2025-01-18"), [], POLICY, cal)  # a Saturday
    steps = explanation.steps
    assert (explanation.start, explanation.due_date, explanation.reply_days) == (D("2025-01-20"), D("2025-02-14"), 15)
    assert (explanation.statutory_days, explanation.statutory_due_date) == (20, D("2025-02-21"))
    assert steps[0].on == D("2025-01-18")
    assert steps[-1].on == D("2025-02-21")  # the later of the two deadlines
    assert not explanation.truncated
    assert [s.note for s in steps[:3]] == [DayNote.WEEKEND, DayNote.WEEKEND, DayNote.RECEIPT_DAY]
    assert [(s.on, s.count) for s in steps if s.agency_due] == [(D("2025-02-14"), 15)]
    assert [(s.on, s.count) for s in steps if s.statutory_due] == [(D("2025-02-21"), 20)]
    assert sum(s.counted for s in steps) == 20
    assert [s.note for s in steps if s.counted][15:] == [DayNote.STATUTORY] * 5
    by_day = {s.on: s for s in steps}
    assert by_day[D("2025-01-26")].kind is DayKind.MAKEUP_WORKDAY  # a Sunday worked before the Spring Festival
    assert by_day[D("2025-01-26")].counted
    assert by_day[D("2025-01-29")].note is DayNote.HOLIDAY
    assert not by_day[D("2025-01-29")].counted


def test_explain_pauses_restarts_and_extension(cal: WorkingCalendar) -> None:
    events = [
        CORRECT,
        ev(T.CORRECTION_RECEIVED, "2025-03-10"),
        ev(T.CONSULTATION_STARTED, "2025-03-12"),
        ev(T.CONSULTATION_ENDED, "2025-03-14"),
        ev(T.EXTENSION_GRANTED, "2025-03-28", days=3, notice_on=D("2025-03-28")),
    ]
    explanation = explain(D(R), events, POLICY, cal)
    notes = {s.on: s.note for s in explanation.steps}
    assert notes[D("2025-03-03")] is DayNote.RECEIPT_DAY
    assert notes[D("2025-03-07")] is DayNote.RESTART
    assert notes[D("2025-03-10")] is DayNote.RESTART  # the restart day itself is not counted
    assert notes[D("2025-03-13")] is DayNote.CONSULTATION
    assert notes[D("2025-03-15")] is DayNote.WEEKEND
    counted = [s for s in explanation.steps if s.counted]
    assert [s.note for s in counted][14:23] == [None, *[DayNote.EXTENSION] * 3, *[DayNote.STATUTORY] * 5]
    projection = project(D(R), events, POLICY, cal)
    (agency_day,) = [s for s in explanation.steps if s.agency_due]
    assert (agency_day.on, agency_day.count) == (projection.due_date, 18)
    assert explanation.steps[-1].on == explanation.statutory_due_date == projection.statutory_due_date
    assert explanation.steps[-1].count == 23


def test_explain_while_awaiting_correction_runs_to_its_reply_by_day(cal: WorkingCalendar) -> None:
    explanation = explain(D(R), [CORRECT], POLICY, cal)
    assert explanation.due_date is None
    assert explanation.steps[-1].on == D("2025-03-20")
    assert explanation.steps[-1].note is DayNote.CORRECTION


def test_a_correction_period_stored_before_it_was_bounded_is_explained_up_to_the_horizon(cal: WorkingCalendar) -> None:
    """A correction period to 9999-12-31 (accepted before ``lifecycle.REASONABLE_HORIZON_DAYS``) is still in some
    databases: its explanation stops at the horizon instead of walking 8,000 years (and overflowing at the end)."""
    unbounded = ev(T.CORRECTION_REQUESTED, "2025-03-05", until=D("9999-12-31"))
    explanation = explain(D(R), [unbounded], POLICY, cal)
    assert explanation.steps[-1].on == D(R) + timedelta(days=EXPLANATION_HORIZON_DAYS)
    assert len(explanation.steps) == EXPLANATION_HORIZON_DAYS + 1
    assert explanation.truncated


def test_explain_an_agency_deadline(cal: WorkingCalendar) -> None:
    events = [ev(T.REASONS_REQUESTED, "2025-03-10"), ev(T.AGENCY_DEADLINE_SET, "2025-03-17", until=D("2025-04-30"))]
    explanation = explain(D(R), events, POLICY, cal)
    assert explanation.steps[-1].on == D("2025-04-30")
    assert explanation.steps[-1].note is DayNote.AGENCY_DEADLINE


def test_explanation_serialises_to_json(cal: WorkingCalendar) -> None:
    explanation = explain(D(R), [CONSULT], POLICY, cal)
    text = json.dumps(asdict(explanation), default=date.isoformat)
    assert '"note": "consultation"' in text
    assert '"kind": "weekend"' in text


def test_every_day_note_has_a_label() -> None:
    assert set(DAY_NOTE_LABELS) == set(DayNote)


# properties --------------------------------------------------------------------------------------------------------

received_days = st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 6, 30))


@given(received=received_days, offset=st.integers(0, 25), length=st.integers(0, 30))
def test_a_pause_never_shortens_a_deadline(cal: WorkingCalendar, received: date, offset: int, length: int) -> None:
    letter = received + timedelta(days=offset)
    events = [CaseEvent(T.CONSULTATION_STARTED, letter), CaseEvent(T.CONSULTATION_ENDED, letter + timedelta(length))]
    plain, paused = project(received, [], POLICY, cal), project(received, events, POLICY, cal)
    assert plain.due_date is not None
    assert paused.due_date is not None
    assert paused.due_date >= plain.due_date
    assert paused.statutory_due_date is not None
    assert plain.statutory_due_date is not None
    assert paused.statutory_due_date >= plain.statutory_due_date


@given(received=received_days, offset=st.integers(0, 25), length=st.integers(0, 30), days=st.integers(1, 20))
def test_explanation_counts_to_the_projected_due_date(
    cal: WorkingCalendar, received: date, offset: int, length: int, days: int
) -> None:
    policy = DeadlinePolicy(reply_days=days)
    letter = received + timedelta(days=offset)
    events = [
        CaseEvent(T.FEE_NOTICE_SENT, letter, delivered_on=letter),
        CaseEvent(T.FEE_PAID, letter + timedelta(length)),
    ]
    explanation = explain(received, events, policy, cal)
    projection = project(received, events, policy, cal)
    (agency_day,) = [s for s in explanation.steps if s.agency_due]
    (statutory_day,) = [s for s in explanation.steps if s.statutory_due]
    assert (agency_day.on, agency_day.count, agency_day.counted) == (projection.due_date, days, True)
    assert (statutory_day.on, statutory_day.counted) == (projection.statutory_due_date, True)
    assert statutory_day.count == statutory_reply_days(received)
    assert explanation.steps[-1].on == max(agency_day.on, statutory_day.on)


@given(received=received_days, asked=st.integers(1, 60), answered=st.integers(0, 30), later=st.integers(0, 60))
def test_a_breach_once_passed_stands_until_the_conclusion(
    cal: WorkingCalendar, received: date, asked: int, answered: int, later: int
) -> None:
    """Art. 30's restart after a correction never turns a passed statutory deadline back into a running one: a
    case past it on the day the notice goes out is in breach on every later day until it is concluded."""
    plain = project(received, [], POLICY, cal)
    assert plain.statutory_due_date is not None
    notice = received + timedelta(days=asked)
    corrected = notice + timedelta(days=answered)
    events = [
        CaseEvent(T.CORRECTION_REQUESTED, notice, until=corrected + timedelta(days=1)),
        CaseEvent(T.CORRECTION_RECEIVED, corrected),
    ]
    breached = plain.statutory_due_date < notice
    for upto in (1, 2):
        projection = project(received, events[:upto], POLICY, cal)
        assert projection.statutory_breached_on == (plain.statutory_due_date if breached else None)
        if breached:
            assert projection.statutory_overdue(notice + timedelta(days=later))
    ended = project(received, [*events, CaseEvent(T.WITHDRAWN, corrected)], POLICY, cal)
    assert not ended.statutory_overdue(corrected + timedelta(days=later))
