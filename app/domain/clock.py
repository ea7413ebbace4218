"""The reply clock: due dates projected from a case's timeline (条例 Art. 30-35; 国办函〔2020〕109号).

The timeline is the truth and the due dates are its projection: `project` replays the recorded events in order, so a
calendar import or a policy change recomputes every case from the same facts. Counting follows the courts: an
application received on a non-working day is deemed received on the next working day; that day is not counted; day 1
is the first working day after it and "+N" is the N-th. A restart (after a correction, or a fee under the RESTART
policy) counts the same way from its own day. Paused days (consultation, fee) are not counted at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import reduce

from app.domain.calendar import DayKind, WorkingCalendar
from app.domain.codes import Disposition, FeeWaitRule
from app.domain.errors import InvalidInput
from app.domain.lifecycle import CLOCK_RUNNING, CONCLUDES_AS, CONCLUDING_EVENTS, CaseEvent, CaseStatus, EventType

STATUTORY_CHANGE = date(2019, 5, 15)  # the 2019 条例 (国务院令第711号) in force
CORRECTION_NOTICE_DAYS = 7  # Art. 30: the correction notice goes out within 7 working days of receipt
CONSULTATION_DAYS = 15  # Art. 32, 34: the third party or co-producing agency answers within 15 working days
FEE_PAYMENT_DAYS = 20  # 国办函〔2020〕109号: payment within 20 working days from the day after the notice


def statutory_reply_days(received: date) -> int:
    """Art. 33 ¶2 of the 2019 条例: 20 working days; Art. 24 of the 2007 条例, for earlier receipts: 15."""
    return 15 if received < STATUTORY_CHANGE else 20


def statutory_extension_limit(received: date) -> int:
    """The extension may be at most as long as the period itself: 20 working days (2019 Art. 33 ¶2), 15 before
    (2007 Art. 24)."""
    return statutory_reply_days(received)


@dataclass(frozen=True)
class DeadlinePolicy:
    """One agency's commitments, within the law: the rule is uncertain or left to agencies, so it is data."""

    reply_days: int = 15  # the agency's own reply period (the seed agency's promise; the 2007 条例's period)
    extension_limit: int | None = None  # None = the statutory limit; never above it
    fee_wait_rule: FeeWaitRule = FeeWaitRule.PAUSE  # 国办函〔2020〕109号 leaves it open

    def __post_init__(self) -> None:
        if not 1 <= self.reply_days <= 20:
            raise InvalidInput("policy_invalid", "本机关答复期限应为1至20个工作日（条例第三十三条）。")
        if self.extension_limit is not None and not 0 <= self.extension_limit <= 20:
            raise InvalidInput("policy_invalid", "本机关延期上限应为0至20个工作日（条例第三十三条）。")

    def max_extension_days(self, received: date) -> int:
        """The longest extension allowed for an application received on `received` (Art. 33 ¶2)."""
        limit = statutory_extension_limit(received)
        return limit if self.extension_limit is None else min(limit, self.extension_limit)


class DayNote(StrEnum):
    """Why a day of the explanation was not counted, or what a counted day belongs to."""

    RECEIPT_DAY = "receipt_day"  # the (deemed) receipt day itself is not counted
    RESTART = "restart"  # the period before a restart, and the restart day itself (Art. 30; 109号)
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    CORRECTION = "correction"  # waiting for the applicant's correction (Art. 30)
    CONSULTATION = "consultation"  # Art. 33 ¶3: consultation time is not counted
    FEE = "fee"  # waiting for payment under the PAUSE policy (109号)
    EXTENSION = "extension"  # a counted day of the extension (Art. 33 ¶2)
    AGENCY_DEADLINE = "agency_deadline"  # a counted day up to the agency's own deadline (Art. 35)


DAY_NOTE_LABELS: dict[DayNote, str] = {
    DayNote.RECEIPT_DAY: "收到申请当日，不计入",
    DayNote.RESTART: "重新起算前的期间，不计入",
    DayNote.WEEKEND: "周末，不计入",
    DayNote.HOLIDAY: "法定节假日，不计入",
    DayNote.CORRECTION: "等待补正，不计入",
    DayNote.CONSULTATION: "征求意见期间，不计入",
    DayNote.FEE: "等待缴费期间，不计入",
    DayNote.EXTENSION: "延长的期限",
    DayNote.AGENCY_DEADLINE: "按第三十五条另行确定的期限",
}

_NON_WORKING_NOTE = {DayKind.WEEKEND: DayNote.WEEKEND, DayKind.HOLIDAY: DayNote.HOLIDAY}
_WAIT_STATUS = {
    DayNote.CORRECTION: CaseStatus.AWAITING_CORRECTION,
    DayNote.CONSULTATION: CaseStatus.IN_CONSULTATION,
    DayNote.FEE: CaseStatus.AWAITING_FEE,
}


@dataclass(frozen=True)
class Projection:
    """What the timeline means today: the status and the deadlines stored on the case for lists and reports."""

    status: CaseStatus
    start: date  # deemed receipt or restart day; counting starts the day after
    due_date: date | None  # the agency's deadline; None while awaiting a correction
    statutory_due_date: date | None  # the legal deadline; past it is a breach of the 条例
    correction_notice_due: date  # Art. 30: last day to send the correction notice
    paused: bool
    pending_until: date | None  # when the open wait lapses (correction reply-by, consultation +15, fee +20)
    provisional: bool  # some date lies in a year without a holiday arrangement: weekends only, to be recomputed
    disposition: Disposition | None
    concluded_on: date | None
    calendar_version: int

    def working_days_left(self, calendar: WorkingCalendar, as_of: date) -> int | None:
        """Working days in (as_of, due] (0 on the due day); negative when overdue: -(working days in (due, as_of])."""
        if self.due_date is None or self.status is CaseStatus.CONCLUDED:
            return None
        return calendar.working_days_between(as_of, self.due_date)

    def overdue(self, as_of: date) -> bool:
        """Past the agency's own deadline."""
        return self._past(self.due_date, as_of)

    def statutory_overdue(self, as_of: date) -> bool:
        """Past the statutory deadline: a breach of the 条例 that must stand out."""
        return self._past(self.statutory_due_date, as_of)

    def _past(self, due: date | None, as_of: date) -> bool:
        return self.status in CLOCK_RUNNING and due is not None and due < as_of


@dataclass(frozen=True)
class ExplanationStep:
    on: date
    kind: DayKind
    counted: bool
    count: int  # working days counted up to and including this day
    note: DayNote | None  # why it was skipped, or what a counted day belongs to


@dataclass(frozen=True)
class Explanation:
    """Every day from the legal receipt to the due date, counted or skipped and why: what a clerk shows an
    applicant who disputes a deadline. Only dates, ints, bools and enums, so it serialises as it is."""

    received: date
    start: date
    reply_days: int
    extension_days: int
    due_date: date | None
    steps: tuple[ExplanationStep, ...]


@dataclass(frozen=True)
class _Pause:
    """Days not counted, both ends included: from the letter or notice day through the answer or payment day."""

    first: date
    last: date
    note: DayNote

    def closed(self, on: date) -> _Pause:
        """Ended on `on`, but never later than the lapse it was bounded by (Art. 32: 15 days; 109号: 20 days)."""
        return replace(self, last=min(on, self.last))


@dataclass(frozen=True)
class _Timeline:
    """The replay's running state: what the events so far say about the current reply period."""

    deemed_receipt: date
    start: date
    pauses: tuple[_Pause, ...] = ()  # closed pauses since `start`
    wait: _Pause | None = None  # the open wait, running to its lapse date
    extension_days: int = 0
    agency_deadline: date | None = None  # Art. 35
    disposition: Disposition | None = None
    concluded_on: date | None = None

    @property
    def awaiting_correction(self) -> bool:
        return self.wait is not None and self.wait.note is DayNote.CORRECTION

    @property
    def uncounted(self) -> tuple[_Pause, ...]:
        """Every pause, the open wait included as running to its lapse date."""
        return self.pauses if self.wait is None else (*self.pauses, self.wait)


def _restart(state: _Timeline, on: date, calendar: WorkingCalendar) -> _Timeline:
    """A new period from `on` (deemed the next working day if not one); earlier pauses belong to the old period."""
    return replace(state, start=calendar.next_working_day(on), pauses=(), wait=None)


def _close_wait(state: _Timeline, on: date) -> _Timeline:
    if state.wait is None:
        return state
    return replace(state, pauses=(*state.pauses, state.wait.closed(on)), wait=None)


def _step(state: _Timeline, event: CaseEvent, policy: DeadlinePolicy, calendar: WorkingCalendar) -> _Timeline:
    """Apply one admitted event. Extensions and an Art. 35 deadline are decisions about the case and survive a
    restart; a conclusion closes an open consultation or fee wait on its day but leaves a correction wait open, so
    a case closed for want of a correction keeps no due date."""
    match event.type:
        case EventType.CORRECTION_REQUESTED if event.until is not None:
            return replace(state, wait=_Pause(event.on, event.until, DayNote.CORRECTION))
        case EventType.CORRECTION_RECEIVED:
            return _restart(state, event.on, calendar)
        case EventType.CONSULTATION_STARTED:
            lapse = calendar.add_working_days(event.on, CONSULTATION_DAYS)
            return replace(state, wait=_Pause(event.on, lapse, DayNote.CONSULTATION))
        case EventType.FEE_NOTICE_SENT:
            lapse = calendar.add_working_days(event.on, FEE_PAYMENT_DAYS)
            return replace(state, wait=_Pause(event.on, lapse, DayNote.FEE))
        case EventType.FEE_PAID if policy.fee_wait_rule is FeeWaitRule.RESTART:
            return _restart(state, event.on, calendar)
        case EventType.CONSULTATION_ENDED | EventType.FEE_PAID:
            return _close_wait(state, event.on)
        case EventType.EXTENSION_GRANTED:
            return replace(state, extension_days=state.extension_days + (event.days or 0))
        case EventType.REASONS_REQUESTED:
            return replace(state, agency_deadline=event.until)
        case _ if event.type in CONCLUDING_EVENTS:
            ended = state if state.awaiting_correction else _close_wait(state, event.on)
            return replace(ended, disposition=CONCLUDES_AS.get(event.type, event.disposition), concluded_on=event.on)
    return state


def _replay(
    received: date, events: Sequence[CaseEvent], policy: DeadlinePolicy, calendar: WorkingCalendar
) -> _Timeline:
    deemed = calendar.next_working_day(received)  # Art. 31 as the courts count it
    initial = _Timeline(deemed_receipt=deemed, start=deemed)
    return reduce(lambda state, event: _step(state, event, policy, calendar), events, initial)


def _count_forward(calendar: WorkingCalendar, start: date, days: int, pauses: Sequence[_Pause]) -> date:
    """The `days`-th working day after `start` outside every pause (Art. 33 ¶3: consultation time is not counted).

    Walks the pauses, not the days: each pause only moves the count past it, so the cost is O(pauses · log n)."""
    cursor, remaining = start, days
    for pause in pauses:
        if pause.last <= cursor:
            continue
        available = (
            calendar.working_days_between(cursor, pause.first - timedelta(days=1)) if pause.first > cursor else 0
        )
        if available >= remaining:
            break
        cursor, remaining = pause.last, remaining - available
    return calendar.add_working_days(cursor, remaining)


def _due_dates(
    state: _Timeline, received: date, policy: DeadlinePolicy, calendar: WorkingCalendar
) -> tuple[date | None, date | None]:
    """(agency, statutory). None while awaiting a correction: Art. 30 restarts the clock when it arrives."""
    if state.awaiting_correction:
        return None, None
    if state.agency_deadline is not None:  # Art. 35 replaces both
        return state.agency_deadline, state.agency_deadline
    return (
        _count_forward(calendar, state.start, policy.reply_days + state.extension_days, state.uncounted),
        _count_forward(calendar, state.start, statutory_reply_days(received) + state.extension_days, state.uncounted),
    )


def project(
    received: date, events: Sequence[CaseEvent], policy: DeadlinePolicy, calendar: WorkingCalendar
) -> Projection:
    """The case's status and deadlines after `events` (in recorded order), for the legal receipt date `received`."""
    state = _replay(received, events, policy, calendar)
    due, statutory_due = _due_dates(state, received, policy, calendar)
    concluded = state.concluded_on is not None
    status = CaseStatus.CONCLUDED if concluded else _WAIT_STATUS[state.wait.note] if state.wait else CaseStatus.OPEN
    pending_until = None if concluded or state.wait is None else state.wait.last
    correction_notice_due = calendar.add_working_days(state.deemed_receipt, CORRECTION_NOTICE_DAYS)
    computed = [d for d in (due, statutory_due, pending_until, correction_notice_due, state.start) if d is not None]
    return Projection(
        status=status,
        start=state.start,
        due_date=due,
        statutory_due_date=statutory_due,
        correction_notice_due=correction_notice_due,
        paused=pending_until is not None,
        pending_until=pending_until,
        provisional=calendar.spans_unloaded(received, max(computed)),
        disposition=state.disposition,
        concluded_on=state.concluded_on,
        calendar_version=calendar.version,
    )


def explain(
    received: date, events: Sequence[CaseEvent], policy: DeadlinePolicy, calendar: WorkingCalendar
) -> Explanation:
    """Every day from `received` to the agency's due date (or, while awaiting a correction, to its reply-by day)."""
    state = _replay(received, events, policy, calendar)
    due, _ = _due_dates(state, received, policy, calendar)
    end = due or (state.wait.last if state.wait else state.start)
    steps: list[ExplanationStep] = []
    count = 0
    day = received
    while day <= end:
        kind = calendar.kind(day)
        note = _skipped_because(state, day, kind)
        counted = note is None
        if counted:
            count += 1
            note = _counted_as(count, policy.reply_days, state.extension_days)
        steps.append(ExplanationStep(on=day, kind=kind, counted=counted, count=count, note=note))
        day += timedelta(days=1)
    return Explanation(
        received=received,
        start=state.start,
        reply_days=policy.reply_days,
        extension_days=state.extension_days,
        due_date=due,
        steps=tuple(steps),
    )


def _skipped_because(state: _Timeline, day: date, kind: DayKind) -> DayNote | None:
    if day < state.deemed_receipt:  # received on a non-working day, deemed received on the next working day
        return _NON_WORKING_NOTE[kind]
    if day == state.deemed_receipt:
        return DayNote.RECEIPT_DAY
    if day <= state.start:
        return DayNote.RESTART
    for pause in state.uncounted:
        if pause.first <= day <= pause.last:
            return pause.note
    return None if kind.is_working else _NON_WORKING_NOTE[kind]


def _counted_as(count: int, reply_days: int, extension_days: int) -> DayNote | None:
    if count > reply_days + extension_days:
        return DayNote.AGENCY_DEADLINE
    if count > reply_days:
        return DayNote.EXTENSION
    return None
