from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.domain.calendar import WorkingCalendar
from app.domain.clock import DeadlinePolicy
from app.domain.codes import Disposition, ReviewOutcome
from app.domain.errors import DomainError, InvalidInput, WrongState
from app.domain.lifecycle import (
    CASE_STATUS_LABELS,
    EVENT_TYPE_LABELS,
    CaseEvent,
    CaseStatus,
    check_event,
    check_review_decision,
)
from app.domain.lifecycle import EventType as T

D = date.fromisoformat
R = D("2025-03-03")  # Monday; +7 = 03-12, +15 = 03-24, +20 = 03-31
TODAY = D("2025-12-31")
POLICY = DeadlinePolicy()


def ev(type_: T, on: str, **fields: Any) -> CaseEvent:
    return CaseEvent(type_, D(on), **fields)


RECEIVED = ev(T.RECEIVED, "2025-03-03")
CORRECT = ev(T.CORRECTION_REQUESTED, "2025-03-05", until=D("2025-03-20"))
CONSULT = ev(T.CONSULTATION_STARTED, "2025-03-06")
FEE = ev(T.FEE_NOTICE_SENT, "2025-03-06", delivered_on=D("2025-03-06"))  # payment due 04-03
REASONS = ev(T.REASONS_REQUESTED, "2025-03-10")
EXTEND = ev(T.EXTENSION_GRANTED, "2025-03-20", days=10, notice_on=D("2025-03-21"))
DONE = ev(T.CONCLUDED, "2025-03-20", disposition=Disposition.DISCLOSED)
FILED = ev(T.REVIEW_FILED, "2025-04-01")
LAPSE_STEP = "disposition_needs_lapse_step"

ACCEPTED = [
    ([], RECEIVED),
    ([RECEIVED], CORRECT),
    ([RECEIVED], ev(T.CORRECTION_REQUESTED, "2025-03-12", until=D("2025-03-20"))),  # the 7th working day
    ([RECEIVED], ev(T.CORRECTION_REQUESTED, "2025-03-05", until=D("2026-03-06"))),  # a year: the longest allowed
    ([RECEIVED, CORRECT], ev(T.CORRECTION_RECEIVED, "2025-03-20")),  # the last day of its period
    ([RECEIVED, CORRECT], ev(T.CORRECTION_RECEIVED, "2025-03-25", justified=True)),  # late, for a reason recorded
    (  # Art. 30: the corrected application is still unclear
        [RECEIVED, CORRECT, ev(T.CORRECTION_RECEIVED, "2025-03-10")],
        ev(T.CONCLUDED, "2025-03-20", disposition=Disposition.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION),
    ),
    ([RECEIVED, CORRECT], ev(T.CORRECTION_LAPSED, "2025-03-21")),
    ([RECEIVED, CORRECT], ev(T.WITHDRAWN, "2025-03-10")),
    ([RECEIVED], CONSULT),
    ([RECEIVED, CONSULT], ev(T.CONSULTATION_ENDED, "2025-03-06")),
    ([RECEIVED, CONSULT, ev(T.CONSULTATION_ENDED, "2025-03-10")], ev(T.CONSULTATION_STARTED, "2025-03-10")),
    ([RECEIVED, CONSULT], ev(T.EXTENSION_GRANTED, "2025-03-06", days=20, notice_on=D("2025-03-07"))),
    ([RECEIVED], ev(T.EXTENSION_GRANTED, "2025-03-31", days=5, notice_on=D("2025-03-31"))),  # the statutory due day
    ([RECEIVED], FEE),
    ([RECEIVED, FEE], ev(T.FEE_PAID, "2025-04-03")),
    ([RECEIVED, FEE], ev(T.FEE_LAPSED, "2025-04-07")),
    ([RECEIVED], REASONS),
    ([RECEIVED, REASONS], ev(T.AGENCY_DEADLINE_SET, "2025-03-10", until=D("2025-04-01"))),  # statutory due: 03-31
    # extended statutory due: +30 = 04-15 (Qingming 04-04 off)
    (
        [RECEIVED, EXTEND, ev(T.REASONS_REQUESTED, "2025-03-21")],
        ev(T.AGENCY_DEADLINE_SET, "2025-03-21", until=D("2025-04-16")),
    ),
    ([RECEIVED, REASONS], ev(T.EXCESSIVE_REFUSED, "2025-03-20")),
    ([RECEIVED, REASONS], ev(T.CONCLUDED, "2025-03-20", disposition=Disposition.NOT_PROCESSED_EXCESSIVE)),
    # Art. 30: a late correction notice is recorded (the projection carries the defect)
    ([RECEIVED], ev(T.CORRECTION_REQUESTED, "2025-03-13", until=D("2025-03-30"))),
    # Art. 32-34: several consultation letters at once
    ([RECEIVED, CONSULT], ev(T.CONSULTATION_STARTED, "2025-03-07")),
    # 109号: the notice within the statutory period (03-31), though after the agency's own (03-24)
    ([RECEIVED], ev(T.FEE_NOTICE_SENT, "2025-03-31")),
    ([RECEIVED], DONE),
    ([RECEIVED, DONE], FILED),
    ([RECEIVED, DONE, FILED], ev(T.REVIEW_DECIDED, "2025-06-01")),
    ([RECEIVED, DONE, FILED], ev(T.REVIEW_FILED, "2025-06-01")),
    ([RECEIVED, DONE], ev(T.DEADLINES_RECOMPUTED, "2025-04-01")),
    ([RECEIVED, ev(T.DEADLINES_RECOMPUTED, "2025-03-20")], ev(T.CONSULTATION_STARTED, "2025-03-10")),  # backdated fact
]

REJECTED: list[tuple[list[CaseEvent], CaseEvent, type[DomainError], str]] = [
    # dates (every event)
    ([RECEIVED], ev(T.CONSULTATION_STARTED, "2025-03-02"), InvalidInput, "event_before_receipt"),
    ([RECEIVED], ev(T.CONSULTATION_STARTED, "2026-01-01"), InvalidInput, "event_in_future"),
    ([RECEIVED], ev(T.DEADLINES_RECOMPUTED, "2026-01-01"), InvalidInput, "event_in_future"),
    ([RECEIVED, CONSULT], ev(T.CONSULTATION_ENDED, "2025-03-05"), InvalidInput, "event_out_of_order"),
    (
        [RECEIVED],
        ev(T.EXTENSION_GRANTED, "2025-03-10", days=5, notice_on=D("2026-01-05")),
        InvalidInput,
        "event_in_future",
    ),
    ([RECEIVED], RECEIVED, WrongState, "already_received"),
    # required fields
    ([RECEIVED], ev(T.CORRECTION_REQUESTED, "2025-03-05"), InvalidInput, "until_required"),
    ([RECEIVED], ev(T.EXTENSION_GRANTED, "2025-03-10", notice_on=D("2025-03-10")), InvalidInput, "days_required"),
    ([RECEIVED], ev(T.EXTENSION_GRANTED, "2025-03-10", days=5), InvalidInput, "notice_on_required"),
    ([RECEIVED, REASONS], ev(T.AGENCY_DEADLINE_SET, "2025-03-10"), InvalidInput, "until_required"),
    ([RECEIVED], ev(T.CONCLUDED, "2025-03-10"), InvalidInput, "disposition_required"),
    # Art. 30 correction
    (
        [RECEIVED],
        ev(T.CORRECTION_REQUESTED, "2025-03-05", until=D("2025-03-05")),
        InvalidInput,
        "correction_period_invalid",
    ),
    # a reasonable period is at most a year (REASONABLE_HORIZON_DAYS): 2025-03-05 + 366 days = 2026-03-06
    (
        [RECEIVED],
        ev(T.CORRECTION_REQUESTED, "2025-03-05", until=D("2026-03-07")),
        InvalidInput,
        "correction_period_invalid",
    ),
    (
        [RECEIVED],
        ev(T.CORRECTION_REQUESTED, "2025-03-05", until=D("9999-12-31")),
        InvalidInput,
        "correction_period_invalid",
    ),
    (
        [RECEIVED, CORRECT, ev(T.CORRECTION_RECEIVED, "2025-03-07")],
        ev(T.CORRECTION_REQUESTED, "2025-03-10", until=D("2025-03-20")),
        WrongState,
        "correction_already_requested",
    ),
    ([RECEIVED, CORRECT], ev(T.CORRECTION_LAPSED, "2025-03-20"), InvalidInput, "correction_period_not_over"),
    ([RECEIVED], ev(T.CORRECTION_LAPSED, "2025-03-19"), WrongState, "not_awaiting_correction"),
    ([RECEIVED], ev(T.CORRECTION_RECEIVED, "2025-03-19"), WrongState, "not_awaiting_correction"),
    ([RECEIVED, CORRECT], ev(T.CORRECTION_RECEIVED, "2025-03-21"), InvalidInput, "correction_late_without_reason"),
    ([RECEIVED, CORRECT], CONSULT, WrongState, "awaiting_correction"),
    (
        [RECEIVED, CORRECT],
        ev(T.EXTENSION_GRANTED, "2025-03-06", days=5, notice_on=D("2025-03-06")),
        WrongState,
        "awaiting_correction",
    ),
    # Art. 32-34 consultation
    ([RECEIVED], ev(T.CONSULTATION_ENDED, "2025-03-07"), WrongState, "no_open_consultation"),
    ([RECEIVED, CONSULT], ev(T.FEE_NOTICE_SENT, "2025-03-07"), WrongState, "consultation_in_progress"),
    # Art. 33 extension
    (
        [RECEIVED],
        ev(T.EXTENSION_GRANTED, "2025-03-10", days=21, notice_on=D("2025-03-10")),
        InvalidInput,
        "extension_too_long",
    ),
    (
        [RECEIVED],
        ev(T.EXTENSION_GRANTED, "2025-03-10", days=0, notice_on=D("2025-03-10")),
        InvalidInput,
        "extension_days_invalid",
    ),
    (
        [RECEIVED, EXTEND],
        ev(T.EXTENSION_GRANTED, "2025-03-24", days=1, notice_on=D("2025-03-24")),
        WrongState,
        "extension_already_granted",
    ),
    (
        [RECEIVED],
        ev(T.EXTENSION_GRANTED, "2025-03-31", days=5, notice_on=D("2025-04-01")),
        InvalidInput,
        "extension_notice_too_late",
    ),
    (
        [RECEIVED],
        ev(T.EXTENSION_GRANTED, "2025-04-01", days=5, notice_on=D("2025-04-01")),
        InvalidInput,
        "extension_notice_too_late",
    ),
    (
        [RECEIVED],
        ev(T.EXTENSION_GRANTED, "2025-03-20", days=5, notice_on=D("2025-03-19")),
        InvalidInput,
        "extension_notice_before_approval",
    ),
    (
        [RECEIVED, REASONS, ev(T.AGENCY_DEADLINE_SET, "2025-03-10", until=D("2025-05-30"))],
        ev(T.EXTENSION_GRANTED, "2025-03-20", days=5, notice_on=D("2025-03-20")),
        WrongState,
        "deadline_set_by_agency",
    ),
    # 国办函〔2020〕109号 fees
    ([RECEIVED], ev(T.FEE_NOTICE_SENT, "2025-04-01"), InvalidInput, "fee_notice_too_late"),
    ([RECEIVED, FEE], ev(T.FEE_LAPSED, "2025-04-03"), InvalidInput, "fee_period_not_over"),
    ([RECEIVED, FEE], ev(T.FEE_PAID, "2025-04-07"), InvalidInput, "fee_paid_too_late"),
    ([RECEIVED], ev(T.FEE_PAID, "2025-03-07"), WrongState, "not_awaiting_fee"),
    ([RECEIVED, FEE], ev(T.FEE_NOTICE_SENT, "2025-03-07"), WrongState, "awaiting_fee"),
    # Art. 35
    (
        [RECEIVED, REASONS],
        ev(T.AGENCY_DEADLINE_SET, "2025-03-10", until=D("2025-03-31")),
        InvalidInput,
        "agency_deadline_not_later",
    ),
    ([RECEIVED, REASONS], ev(T.REASONS_REQUESTED, "2025-03-11"), WrongState, "reasons_already_requested"),
    # A lapse ends an application only once its period ran out: by its own step, which checks that, never a bare
    # conclusion (Art. 30; 109号 第七条). Received 03-03, no fee notice at all / a notice whose 20 days run to 04-03 /
    # a correction asked for by 03-20 / none asked for:
    ([RECEIVED], ev(T.CONCLUDED, "2025-03-05", disposition=Disposition.OTHER_FEE_UNPAID), WrongState, LAPSE_STEP),
    ([RECEIVED, FEE], ev(T.CONCLUDED, "2025-03-13", disposition=Disposition.OTHER_FEE_UNPAID), WrongState, LAPSE_STEP),
    (
        [RECEIVED, CORRECT],
        ev(T.CONCLUDED, "2025-03-06", disposition=Disposition.OTHER_CORRECTION_LAPSED),
        WrongState,
        LAPSE_STEP,
    ),
    (
        [RECEIVED],
        ev(T.CONCLUDED, "2025-03-06", disposition=Disposition.OTHER_CORRECTION_LAPSED),
        WrongState,
        LAPSE_STEP,
    ),
    # Art. 30: "still unclear after the correction" needs a correction received
    (
        [RECEIVED],
        ev(T.CONCLUDED, "2025-03-06", disposition=Disposition.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION),
        WrongState,
        "correction_not_received",
    ),
    (
        [RECEIVED, CORRECT],
        ev(T.CONCLUDED, "2025-03-10", disposition=Disposition.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION),
        WrongState,
        "correction_not_received",
    ),
    # conclusion and after
    ([RECEIVED, DONE], DONE, WrongState, "already_concluded"),
    ([RECEIVED, DONE], ev(T.WITHDRAWN, "2025-03-21"), WrongState, "already_concluded"),
    (
        [RECEIVED, CORRECT, ev(T.CORRECTION_LAPSED, "2025-03-21")],
        ev(T.CORRECTION_LAPSED, "2025-03-24"),
        WrongState,
        "already_concluded",
    ),
    ([RECEIVED, DONE], ev(T.CONSULTATION_STARTED, "2025-03-21"), WrongState, "case_concluded"),
    (
        [RECEIVED, DONE],
        ev(T.EXTENSION_GRANTED, "2025-03-21", days=1, notice_on=D("2025-03-21")),
        WrongState,
        "case_concluded",
    ),
    ([RECEIVED], FILED, WrongState, "not_concluded"),
    ([RECEIVED, DONE], ev(T.REVIEW_DECIDED, "2025-06-01"), WrongState, "no_open_review"),
    (
        [RECEIVED, DONE, FILED, ev(T.REVIEW_DECIDED, "2025-05-01")],
        ev(T.REVIEW_DECIDED, "2025-06-01"),
        WrongState,
        "no_open_review",
    ),
]


@pytest.mark.parametrize(("history", "new"), ACCEPTED)
def test_accepted(cal: WorkingCalendar, history: list[CaseEvent], new: CaseEvent) -> None:
    check_event(R, history, new, POLICY, cal, TODAY)


@pytest.mark.parametrize(("history", "new", "error", "code"), REJECTED)
def test_rejected(
    cal: WorkingCalendar, history: list[CaseEvent], new: CaseEvent, error: type[DomainError], code: str
) -> None:
    with pytest.raises(error) as caught:
        check_event(R, history, new, POLICY, cal, TODAY)
    assert caught.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.detail)  # a sentence a clerk reads


def test_concluding_twice_reads_plainly(cal: WorkingCalendar) -> None:
    with pytest.raises(WrongState) as caught:
        check_event(R, [RECEIVED, DONE], DONE, POLICY, cal, TODAY)
    assert caught.value.detail == "该申请已办结，不能再次办结。"


@pytest.mark.parametrize(
    ("policy", "received", "days", "allowed"),
    [
        (DeadlinePolicy(extension_limit=10), R, 10, True),
        (DeadlinePolicy(extension_limit=10), R, 11, False),
        (DeadlinePolicy(), D("2019-05-14"), 15, True),  # 2007 条例 Art. 24: at most 15
        (DeadlinePolicy(), D("2019-05-14"), 16, False),
    ],
)
def test_extension_limit(
    cal: WorkingCalendar, policy: DeadlinePolicy, received: date, days: int, allowed: bool
) -> None:
    new = CaseEvent(T.EXTENSION_GRANTED, received, days=days, notice_on=received)
    if allowed:
        check_event(received, [], new, policy, cal, TODAY)
    else:
        with pytest.raises(InvalidInput, match="不得超过") as caught:
            check_event(received, [], new, policy, cal, TODAY)
        assert caught.value.code == "extension_too_long"


def test_every_event_and_status_has_a_label() -> None:
    assert set(EVENT_TYPE_LABELS) == set(T)
    assert set(CASE_STATUS_LABELS) == set(CaseStatus)


@pytest.mark.parametrize(
    ("current", "on", "outcome", "error", "code"),
    [
        (ReviewOutcome.PENDING, "2025-06-01", ReviewOutcome.UPHELD, None, None),
        (ReviewOutcome.PENDING, "2025-05-06", ReviewOutcome.CORRECTED, None, None),  # decided the day it was filed
        (ReviewOutcome.UPHELD, "2025-06-01", ReviewOutcome.CORRECTED, WrongState, "review_already_decided"),
        (ReviewOutcome.PENDING, "2025-06-01", ReviewOutcome.PENDING, InvalidInput, "review_outcome_pending"),
        (ReviewOutcome.PENDING, "2025-05-05", ReviewOutcome.OTHER, InvalidInput, "review_decided_before_filed"),
    ],
)
def test_review_decision(current, on, outcome, error, code):
    filed = date(2025, 5, 6)
    if error is None:
        check_review_decision(filed, current, date.fromisoformat(on), outcome)
        return
    with pytest.raises(error) as raised:
        check_review_decision(filed, current, date.fromisoformat(on), outcome)
    assert raised.value.code == code
