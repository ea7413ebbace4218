"""Worked examples of the procedures around the clock, from the texts (条例 国务院令第711号; 国办函〔2020〕109号),
with real dates across the 2025 National Day and the 2026 Spring Festival and their 调休 days.

Every date below was counted by hand against the State Council notices (and checked with an independent walk over
``chinese_calendar.is_workday``), never with the code under test. Facts used:
- 2025 National Day + Mid-Autumn: 10-01 to 10-08 off; Sunday 09-28 and Saturday 10-11 worked.
- 2026 Spring Festival: 02-15 to 02-23 off; Saturdays 02-14 and 02-28 worked.
- Qingming 2025: 04-04 to 04-06 off.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.domain.calendar import WorkingCalendar
from app.domain.clock import DayNote, DeadlinePolicy, explain, open_waits, project
from app.domain.codes import Disposition
from app.domain.errors import DomainError, InvalidInput
from app.domain.lifecycle import CaseEvent, CaseStatus, check_event
from app.domain.lifecycle import EventType as T

D = date.fromisoformat
POLICY = DeadlinePolicy()  # the agency promises 15 working days; the statute gives 20
TODAY = D("2026-11-27")


def ev(type_: T, on: str, **fields: Any) -> CaseEvent:
    for key in ("until", "notice_on", "delivered_on"):
        if isinstance(fields.get(key), str):
            fields[key] = D(fields[key])
    return CaseEvent(type_, D(on), **fields)


def replay(received: str, events: list[CaseEvent], cal: WorkingCalendar) -> None:
    """Every event passes the lifecycle gate after the ones before it, as the service records them."""
    for i, event in enumerate(events):
        check_event(D(received), events[:i], event, POLICY, cal, TODAY)


def refused(received: str, history: list[CaseEvent], new: CaseEvent, cal: WorkingCalendar) -> DomainError:
    replay(received, history, cal)
    with pytest.raises(DomainError) as caught:
        check_event(D(received), history, new, POLICY, cal, TODAY)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.detail)
    return caught.value


def dates(received: str, events: list[CaseEvent], cal: WorkingCalendar) -> tuple[date | None, date | None]:
    replay(received, events, cal)
    projection = project(D(received), events, POLICY, cal)
    return projection.due_date, projection.statutory_due_date


# Art. 35 ----------------------------------------------------------------------------------------------------------
# Received Monday 2025-09-22: +15 = 10-17, +20 = 10-24 (National Day 10-01..08 off, 09-28 and 10-11 worked).
A35 = "2025-09-22"
ASKED = ev(T.REASONS_REQUESTED, "2025-09-25")


def test_art35_asking_for_reasons_moves_nothing(cal: WorkingCalendar) -> None:
    assert dates(A35, [ASKED], cal) == (D("2025-10-17"), D("2025-10-24"))


def test_art35_later_deadline_set_on_the_last_day_of_the_period_replaces_both(cal: WorkingCalendar) -> None:
    events = [ASKED, ev(T.AGENCY_DEADLINE_SET, "2025-10-24", until="2025-11-28")]
    assert dates(A35, events, cal) == (D("2025-11-28"), D("2025-11-28"))


@pytest.mark.parametrize(
    ("history", "new", "code"),
    [
        # Art. 35 speaks of an agency that cannot answer within the Art. 33 period: not once it has run out
        ([ASKED], ev(T.AGENCY_DEADLINE_SET, "2025-10-27", until="2025-11-28"), "art33_period_over"),
        # it replaces the statutory deadline, so it must be later than it (10-24)
        ([ASKED], ev(T.AGENCY_DEADLINE_SET, "2025-10-09", until="2025-10-24"), "agency_deadline_not_later"),
        # a reasonable deadline: at most 366 days after the one it replaces (2025-10-24 → 2026-10-25)
        ([ASKED], ev(T.AGENCY_DEADLINE_SET, "2025-10-09", until="2026-10-26"), "agency_deadline_unreasonable"),
        ([ASKED], ev(T.AGENCY_DEADLINE_SET, "2025-10-09", until="9999-12-31"), "agency_deadline_unreasonable"),
        # two steps: the reasons are asked first
        ([], ev(T.AGENCY_DEADLINE_SET, "2025-10-09", until="2025-11-28"), "reasons_not_requested"),
        ([], ev(T.EXCESSIVE_REFUSED, "2025-10-09"), "reasons_not_requested"),
        ([], ev(T.CONCLUDED, "2025-10-09", disposition=Disposition.NOT_PROCESSED_EXCESSIVE), "reasons_not_requested"),
        (
            [ASKED, ev(T.AGENCY_DEADLINE_SET, "2025-10-09", until="2025-11-28")],
            ev(T.AGENCY_DEADLINE_SET, "2025-10-10", until="2025-12-05"),
            "agency_deadline_already_set",
        ),
    ],
)
def test_art35_refusals(cal: WorkingCalendar, history: list[CaseEvent], new: CaseEvent, code: str) -> None:
    assert refused(A35, history, new, cal).code == code


def test_art35_a_deadline_a_year_after_the_statutory_one_is_still_accepted(cal: WorkingCalendar) -> None:
    events = [ASKED, ev(T.AGENCY_DEADLINE_SET, "2025-10-09", until="2026-10-23")]
    assert dates(A35, events, cal) == (D("2026-10-23"), D("2026-10-23"))


# A period that ends on a date the agency set ends, when that date is a rest day, on the first working day after it
# (民法典 第二百零三条; clock.set_period_end).
@pytest.mark.parametrize(
    ("until", "ends"),
    [
        ("2026-10-24", "2026-10-26"),  # a Saturday: the Monday
        ("2026-02-16", "2026-02-24"),  # inside the Spring Festival: the first working day after it
        ("2026-02-28", "2026-02-28"),  # a 调休 Saturday is a working day: that day
    ],
)
def test_art35_a_deadline_set_on_a_rest_day_ends_on_the_next_working_day(
    cal: WorkingCalendar, until: str, ends: str
) -> None:
    events = [ASKED, ev(T.AGENCY_DEADLINE_SET, "2025-10-09", until=until)]
    assert dates(A35, events, cal) == (D(ends), D(ends))


# Art. 30: a correction asked for by 1 October 2025 (National Day) may still come on 9 October, the first working
# day after the holiday; the applicant has let it lapse only from 10 October.
HOLIDAY_CORRECTION = ev(T.CORRECTION_REQUESTED, "2025-09-26", until="2025-10-01")


def test_a_correction_period_ending_in_a_holiday_runs_to_the_first_working_day_after_it(cal: WorkingCalendar) -> None:
    replay(A35, [HOLIDAY_CORRECTION], cal)
    projection = project(D(A35), [HOLIDAY_CORRECTION], POLICY, cal)
    assert projection.pending_until == D("2025-10-09")
    for on in ("2025-10-02", "2025-10-09"):
        error = refused(A35, [HOLIDAY_CORRECTION], ev(T.CORRECTION_LAPSED, on), cal)
        assert error.code == "correction_period_not_over"
        assert "2025-10-09" in error.detail
    replay(A35, [HOLIDAY_CORRECTION, ev(T.CORRECTION_LAPSED, "2025-10-10")], cal)


def test_a_correction_after_its_period_needs_the_applicants_reason(cal: WorkingCalendar) -> None:
    """Art. 30: "申请人无正当理由逾期不补正的，视为放弃申请". The correction due by 10-09 (above) may come that day
    without more; on 10-10 only with a legitimate reason recorded, and then the fresh period runs from 10-10: +15 is
    10-30 (the 调休 Saturday 10-11 is the first day) and +20 is 11-06."""
    replay(A35, [HOLIDAY_CORRECTION, ev(T.CORRECTION_RECEIVED, "2025-10-09")], cal)
    error = refused(A35, [HOLIDAY_CORRECTION], ev(T.CORRECTION_RECEIVED, "2025-10-10"), cal)
    assert error.code == "correction_late_without_reason"
    assert "2025-10-09" in error.detail
    late = [HOLIDAY_CORRECTION, ev(T.CORRECTION_RECEIVED, "2025-10-10", justified=True)]
    assert dates(A35, late, cal) == (D("2025-10-30"), D("2025-11-06"))


def test_art35_refusal_concludes_as_excessive(cal: WorkingCalendar) -> None:
    events = [ASKED, ev(T.EXCESSIVE_REFUSED, "2025-10-09")]
    replay(A35, events, cal)
    projection = project(D(A35), events, POLICY, cal)
    assert (projection.status, projection.disposition) == (CaseStatus.CONCLUDED, Disposition.NOT_PROCESSED_EXCESSIVE)
    assert projection.concluded_on == D("2025-10-09")


# Received Monday 2026-01-26: +15 = Saturday 02-14 and +20 = Saturday 02-28, both 调休 working days.
# The correction arrives Monday 2026-03-02: fresh period, +15 = 03-23, +20 = 03-30 (Art. 30).
SF = "2026-01-26"
SF_ASKED = ev(T.REASONS_REQUESTED, "2026-01-27")
SF_CORRECTION = [ev(T.CORRECTION_REQUESTED, "2026-01-29", until="2026-03-06"), ev(T.CORRECTION_RECEIVED, "2026-03-02")]


def test_the_spring_festival_makeup_saturdays_end_the_periods(cal: WorkingCalendar) -> None:
    assert dates(SF, [], cal) == (D("2026-02-14"), D("2026-02-28"))


def test_art35_before_a_restart_never_shortens_the_fresh_period(cal: WorkingCalendar) -> None:
    """Art. 30: 答复期限自行政机关收到补正的申请之日起计算. A later deadline of 03-06, set before the restart, would cut
    the fresh statutory period (03-30) short: the fresh period wins."""
    events = [SF_ASKED, ev(T.AGENCY_DEADLINE_SET, "2026-01-28", until="2026-03-06"), *SF_CORRECTION]
    assert dates(SF, events, cal) == (D("2026-03-23"), D("2026-03-30"))


def test_art35_before_a_restart_still_binds_when_later(cal: WorkingCalendar) -> None:
    events = [SF_ASKED, ev(T.AGENCY_DEADLINE_SET, "2026-01-28", until="2026-05-29"), *SF_CORRECTION]
    assert dates(SF, events, cal) == (D("2026-05-29"), D("2026-05-29"))


def test_art35_after_a_restart_is_set_against_the_fresh_period(cal: WorkingCalendar) -> None:
    history = [SF_ASKED, ev(T.AGENCY_DEADLINE_SET, "2026-01-28", until="2026-03-06"), *SF_CORRECTION]
    late = ev(T.AGENCY_DEADLINE_SET, "2026-03-31", until="2026-04-30")
    assert refused(SF, history, late, cal).code == "art33_period_over"  # the fresh period ended 03-30
    short = ev(T.AGENCY_DEADLINE_SET, "2026-03-10", until="2026-03-27")
    assert refused(SF, history, short, cal).code == "agency_deadline_not_later"
    events = [*history, ev(T.AGENCY_DEADLINE_SET, "2026-03-10", until="2026-04-30")]
    assert dates(SF, events, cal) == (D("2026-04-30"), D("2026-04-30"))


# Art. 33 ¶2 extensions and the Art. 30 restart ----------------------------------------------------------------------
# Received 2025-09-22; an extension of 10 days: statutory +30 = 11-07. The correction arrives Monday 10-13: fresh
# period +15 = 11-03, +20 = 11-10; a new extension of 5 days: +20 = 11-10 (agency), +25 = 11-17 (statutory).
EXT = [
    ev(T.EXTENSION_GRANTED, "2025-09-26", days=10, notice_on="2025-09-26"),
    ev(T.CORRECTION_REQUESTED, "2025-09-26", until="2025-10-17"),
]


def test_an_extension_belongs_to_its_period(cal: WorkingCalendar) -> None:
    assert dates(A35, EXT[:1], cal) == (D("2025-10-31"), D("2025-11-07"))
    restarted = [*EXT, ev(T.CORRECTION_RECEIVED, "2025-10-13")]
    assert dates(A35, restarted, cal) == (D("2025-11-03"), D("2025-11-10"))
    extended_again = [*restarted, ev(T.EXTENSION_GRANTED, "2025-10-20", days=5, notice_on="2025-10-20")]
    assert dates(A35, extended_again, cal) == (D("2025-11-10"), D("2025-11-17"))
    twice = ev(T.EXTENSION_GRANTED, "2025-10-21", days=1, notice_on="2025-10-21")
    assert refused(A35, extended_again, twice, cal).code == "extension_already_granted"


def test_an_agency_that_never_extends(cal: WorkingCalendar) -> None:
    never = DeadlinePolicy(extension_limit=0)
    assert never.max_extension_days(D(A35)) == 0
    with pytest.raises(InvalidInput) as caught:
        check_event(
            D(A35), [], ev(T.EXTENSION_GRANTED, "2025-09-26", days=1, notice_on="2025-09-26"), never, cal, TODAY
        )
    assert caught.value.code == "extension_not_allowed"


# Fees (国办函〔2020〕109号 第七条) ---------------------------------------------------------------------------------
# Received 2026-01-26. Counted before the notice (Monday 02-02): 01-27 to 01-30, 4 days. The applicant receives it on
# Thursday 02-05; 20 working days from the next day, across the Spring Festival: 03-11. Paid on that last lawful day,
# counting resumes on 03-12: the agency's 11 remaining days end 03-26, the statute's 16 end 04-02.
NOTICE = ev(T.FEE_NOTICE_SENT, "2026-02-02")
DELIVERED = ev(T.DELIVERY_RECORDED, "2026-02-10", delivered_on="2026-02-05")


def test_fee_notice_without_a_delivery_date_has_no_payment_deadline(cal: WorkingCalendar) -> None:
    replay(SF, [NOTICE], cal)
    projection = project(D(SF), [NOTICE], POLICY, cal)
    assert projection.status is CaseStatus.AWAITING_FEE
    assert (projection.pending_until, projection.due_date, projection.statutory_due_date) == (None, None, None)
    assert (projection.paused, projection.undelivered_since) == (True, D("2026-02-02"))
    assert refused(SF, [NOTICE], ev(T.FEE_LAPSED, "2026-06-01"), cal).code == "fee_delivery_not_recorded"


@pytest.mark.parametrize(
    "events",
    [
        [ev(T.FEE_NOTICE_SENT, "2026-02-02", delivered_on="2026-02-05")],  # known when the notice is recorded
        [NOTICE, DELIVERED],  # recorded when the post receipt comes back
    ],
)
def test_fee_paid_on_the_last_lawful_day(cal: WorkingCalendar, events: list[CaseEvent]) -> None:
    replay(SF, events, cal)
    waiting = project(D(SF), events, POLICY, cal)
    assert (waiting.pending_until, waiting.undelivered_since) == (D("2026-03-11"), None)
    paid = [*events, ev(T.FEE_PAID, "2026-03-11")]
    assert dates(SF, paid, cal) == (D("2026-03-26"), D("2026-04-02"))
    assert refused(SF, events, ev(T.FEE_PAID, "2026-03-12"), cal).code == "fee_paid_too_late"
    assert refused(SF, events, ev(T.FEE_LAPSED, "2026-03-11"), cal).code == "fee_period_not_over"
    lapsed = [*events, ev(T.FEE_LAPSED, "2026-03-12")]
    replay(SF, lapsed, cal)
    assert project(D(SF), lapsed, POLICY, cal).disposition is Disposition.OTHER_FEE_UNPAID


def test_fee_notice_delivered_on_a_saturday_counts_from_the_monday(cal: WorkingCalendar) -> None:
    events = [NOTICE, ev(T.DELIVERY_RECORDED, "2026-02-10", delivered_on="2026-02-07")]
    replay(SF, events, cal)
    assert project(D(SF), events, POLICY, cal).pending_until == D("2026-03-12")


def test_fee_notice_goes_out_within_the_statutory_period(cal: WorkingCalendar) -> None:
    """The agency's own deadline (02-14) has passed, the statutory one (Saturday 02-28, a 调休 day) has not."""
    replay(SF, [ev(T.FEE_NOTICE_SENT, "2026-02-28")], cal)
    assert refused(SF, [], ev(T.FEE_NOTICE_SENT, "2026-03-02"), cal).code == "fee_notice_too_late"


@pytest.mark.parametrize(
    ("history", "new", "code"),
    [
        ([NOTICE], ev(T.DELIVERY_RECORDED, "2026-02-10", delivered_on="2026-01-30"), "delivered_before_sent"),
        ([NOTICE], ev(T.DELIVERY_RECORDED, "2026-02-04", delivered_on="2026-02-05"), "delivered_after_record"),
        ([NOTICE], ev(T.DELIVERY_RECORDED, "2026-02-10"), "delivered_on_required"),
        ([NOTICE, DELIVERED], ev(T.DELIVERY_RECORDED, "2026-02-11", delivered_on="2026-02-05"), "no_letter_out"),
        ([], ev(T.DELIVERY_RECORDED, "2026-02-10", delivered_on="2026-02-05"), "no_letter_out"),
        ([NOTICE], ev(T.DELIVERY_RECORDED, "2026-02-10", delivered_on="2026-02-05", ref=7), "letter_not_open"),
        ([NOTICE], ev(T.DELIVERY_RECORDED, "2026-02-10", delivered_on="2026-11-28"), "event_in_future"),
    ],
)
def test_delivery_refusals(cal: WorkingCalendar, history: list[CaseEvent], new: CaseEvent, code: str) -> None:
    assert refused(SF, history, new, cal).code == code


# Pause ends (109号 "between the notice and the payment"; see app.domain.clock) ---------------------------------------


def test_the_pause_covers_the_notice_day_and_the_payment_day(cal: WorkingCalendar) -> None:
    events = [ev(T.FEE_NOTICE_SENT, "2026-02-02", delivered_on="2026-02-05"), ev(T.FEE_PAID, "2026-03-11")]
    notes = {s.on: (s.counted, s.note) for s in explain(D(SF), events, POLICY, cal).steps}
    assert notes[D("2026-01-30")] == (True, None)  # the 4th counted day, the last before the notice
    assert notes[D("2026-02-02")] == (False, DayNote.FEE)  # the notice day is not counted
    assert notes[D("2026-02-14")] == (False, DayNote.FEE)  # a 调休 Saturday inside the pause
    assert notes[D("2026-03-11")] == (False, DayNote.FEE)  # nor is the payment day
    assert notes[D("2026-03-12")] == (True, None)  # counting resumes the next working day: day 5


# Consultations (Art. 32, 34; Art. 33 ¶3) ---------------------------------------------------------------------------
# Received Monday 2025-09-15; day 1 is 09-16. Letter A goes out 09-17 (seq 2) and is received 09-19: its 15 days end
# 10-16. Letter B goes out 09-18 (seq 3) and is received only 09-29, across National Day: its 15 days end 10-27. A
# answers 09-24; B never answers and is closed 10-28, after its lapse. Not counted: 09-17 to 10-27. Counting resumes
# 10-28: the agency's 14 remaining days end 11-14, the statute's 19 end 11-21.
CR = "2025-09-15"
LETTER_A = ev(T.CONSULTATION_STARTED, "2025-09-17", delivered_on="2025-09-19", seq=2)
LETTER_B = ev(T.CONSULTATION_STARTED, "2025-09-18", seq=3)
A_ANSWERS = ev(T.CONSULTATION_ENDED, "2025-09-24", ref=2, seq=4)
B_DELIVERED = ev(T.DELIVERY_RECORDED, "2025-10-09", delivered_on="2025-09-29", ref=3, seq=5)
B_CLOSED = ev(T.CONSULTATION_ENDED, "2025-10-28", seq=6)


def test_two_letters_each_with_its_own_lapse(cal: WorkingCalendar) -> None:
    events = [LETTER_A, LETTER_B]
    replay(CR, events, cal)
    both = project(D(CR), events, POLICY, cal)
    assert both.status is CaseStatus.IN_CONSULTATION
    assert (both.due_date, both.pending_until, both.undelivered_since) == (None, D("2025-10-16"), D("2025-09-18"))
    waits = open_waits(D(CR), events, POLICY, cal)
    assert [(w.key, w.lapse) for w in waits] == [(2, D("2025-10-16")), (3, None)]

    answered = [*events, A_ANSWERS, B_DELIVERED]
    replay(CR, answered, cal)
    one_left = project(D(CR), answered, POLICY, cal)
    assert (one_left.status, one_left.pending_until, one_left.undelivered_since) == (
        CaseStatus.IN_CONSULTATION,
        D("2025-10-27"),
        None,
    )
    assert (one_left.due_date, one_left.statutory_due_date) == (D("2025-11-14"), D("2025-11-21"))
    assert dates(CR, [*answered, B_CLOSED], cal) == (D("2025-11-14"), D("2025-11-21"))


def test_a_consultation_answer_names_its_letter_when_several_are_open(cal: WorkingCalendar) -> None:
    assert refused(CR, [LETTER_A, LETTER_B], ev(T.CONSULTATION_ENDED, "2025-09-24"), cal).code == "letter_ref_required"
    assert refused(CR, [LETTER_A, LETTER_B], ev(T.CONSULTATION_ENDED, "2025-09-24", ref=9), cal).code == (
        "letter_not_open"
    )
    assert refused(CR, [LETTER_A], ev(T.FEE_NOTICE_SENT, "2025-09-24"), cal).code == "consultation_in_progress"


def test_a_consultation_delivered_late_pauses_longer(cal: WorkingCalendar) -> None:
    """The 15 days run from the third party's receipt, not from the day the letter went out."""
    on_time = [ev(T.CONSULTATION_STARTED, "2025-09-18", delivered_on="2025-09-18")]
    late = [ev(T.CONSULTATION_STARTED, "2025-09-18", delivered_on="2025-09-29")]
    assert project(D(CR), on_time, POLICY, cal).pending_until == D("2025-10-15")
    assert project(D(CR), late, POLICY, cal).pending_until == D("2025-10-27")


# Corrections (Art. 30) -------------------------------------------------------------------------------------------


def test_a_late_correction_notice_is_recorded_with_the_defect(cal: WorkingCalendar) -> None:
    """Received 2025-09-22: the 7th working day is 09-30; 10-09, the first day back after National Day, is the 8th."""
    on_time = [ev(T.CORRECTION_REQUESTED, "2025-09-30", until="2025-10-20")]
    late = [ev(T.CORRECTION_REQUESTED, "2025-10-09", until="2025-10-20")]
    replay(A35, late, cal)
    assert project(D(A35), on_time, POLICY, cal).correction_notice_late is False
    flagged = project(D(A35), late, POLICY, cal)
    assert (flagged.correction_notice_due, flagged.correction_notice_late) == (D("2025-09-30"), True)


def test_no_seven_day_rule_before_2019_05_15(cal: WorkingCalendar) -> None:
    """The 2007 条例 had no limit for the correction notice; its 15-day reply period still ran: received Friday
    2019-05-10, the 15th working day is 05-31, so a notice of 06-28 came after the reply deadline had passed."""
    events = [ev(T.CORRECTION_REQUESTED, "2019-06-28", until="2019-07-31")]
    replay("2019-05-10", events, cal)
    projection = project(D("2019-05-10"), events, POLICY, cal)
    assert (projection.correction_notice_due, projection.correction_notice_late) == (None, False)
    assert projection.statutory_breached_on == D("2019-05-31")
    assert project(D("2019-05-15"), [], POLICY, cal).correction_notice_due == D("2019-05-24")


# A correction notice after the statutory deadline: the restart does not undo the breach (Art. 30, 33).
# Received Monday 2025-09-22 (A35): statutory +20 = Friday 10-24. Asked on Monday 10-27, the correction arrives on
# Monday 11-03: the fresh period's +15 is 11-24 and its +20 is 12-01 (no holiday in November 2025).
LATE_NOTICE = ev(T.CORRECTION_REQUESTED, "2025-10-27", until="2025-11-10")
CORRECTED = ev(T.CORRECTION_RECEIVED, "2025-11-03")


@pytest.mark.parametrize(
    ("events", "as_of", "status", "due", "breached", "statutory_overdue"),
    [
        pytest.param(
            [LATE_NOTICE],
            "2025-10-28",
            CaseStatus.AWAITING_CORRECTION,
            (None, None),
            "2025-10-24",
            True,
            id="awaiting the correction: still in breach",
        ),
        pytest.param(
            [LATE_NOTICE, CORRECTED],
            "2025-11-04",
            CaseStatus.OPEN,
            ("2025-11-24", "2025-12-01"),
            "2025-10-24",
            True,
            id="the fresh period runs, the breach stands",
        ),
        pytest.param(
            [LATE_NOTICE, CORRECTED, ev(T.CONCLUDED, "2025-11-20", disposition=Disposition.DISCLOSED)],
            "2025-11-21",
            CaseStatus.CONCLUDED,
            ("2025-11-24", "2025-12-01"),
            "2025-10-24",
            False,
            id="concluded: nothing runs any more, the breach stays recorded",
        ),
        pytest.param(
            [ev(T.CORRECTION_REQUESTED, "2025-10-24", until="2025-11-10"), CORRECTED],
            "2025-11-04",
            CaseStatus.OPEN,
            ("2025-11-24", "2025-12-01"),
            None,
            False,
            id="asked on the deadline day itself: late for Art. 30, no breach of Art. 33",
        ),
        # A consultation paused 10-13..10-15 (three working days): the statutory deadline is 10-29, so a notice of
        # 10-27 is within it and one of 10-30 is not.
        pytest.param(
            [
                ev(T.CONSULTATION_STARTED, "2025-10-13", delivered_on="2025-10-13"),
                ev(T.CONSULTATION_ENDED, "2025-10-15"),
                LATE_NOTICE,
                CORRECTED,
            ],
            "2025-11-04",
            CaseStatus.OPEN,
            ("2025-11-24", "2025-12-01"),
            None,
            False,
            id="a pause moved the deadline past the notice",
        ),
        pytest.param(
            [
                ev(T.CONSULTATION_STARTED, "2025-10-13", delivered_on="2025-10-13"),
                ev(T.CONSULTATION_ENDED, "2025-10-15"),
                ev(T.CORRECTION_REQUESTED, "2025-10-30", until="2025-11-10"),
            ],
            "2025-10-31",
            CaseStatus.AWAITING_CORRECTION,
            (None, None),
            "2025-10-29",
            True,
            id="and past it",
        ),
    ],
)
def test_a_correction_notice_after_the_statutory_deadline_keeps_the_breach(
    cal: WorkingCalendar,
    events: list[CaseEvent],
    as_of: str,
    status: CaseStatus,
    due: tuple[str | None, str | None],
    breached: str | None,
    statutory_overdue: bool,
) -> None:
    replay(A35, events, cal)
    projection = project(D(A35), events, POLICY, cal)
    assert projection.status is status
    assert (projection.due_date, projection.statutory_due_date) == tuple(d and D(d) for d in due)
    assert projection.statutory_breached_on == (breached and D(breached))
    assert projection.statutory_overdue(D(as_of)) is statutory_overdue
    assert explain(D(A35), events, POLICY, cal).statutory_breached_on == projection.statutory_breached_on


# Overlapping and early pauses (the forward count) ----------------------------------------------------------------


def test_a_pause_before_the_restart_does_not_hide_a_later_one(cal: WorkingCalendar) -> None:
    """Two pauses where the first lies wholly on or before the period start: the second still counts. Received
    Monday 2025-03-03; the second letter pauses 03-10 to 03-12 (answered), so the agency's +15 moves from 03-24 to
    03-27. The first pause (03-03, the receipt day itself) ends on the start."""
    events = [
        ev(T.CONSULTATION_STARTED, "2025-03-03", delivered_on="2025-03-03"),
        ev(T.CONSULTATION_ENDED, "2025-03-03"),
        ev(T.CONSULTATION_STARTED, "2025-03-10", delivered_on="2025-03-10"),
        ev(T.CONSULTATION_ENDED, "2025-03-12"),
    ]
    replay("2025-03-03", events, cal)
    assert project(D("2025-03-03"), events, POLICY, cal).due_date == D("2025-03-27")
