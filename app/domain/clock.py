"""The reply clock: due dates projected from a case's timeline (条例 Art. 30-35; 国办函〔2020〕109号 第七条).

The timeline is the truth and the due dates are its projection: `project` replays the recorded events in order, so a
calendar import, a policy change or a change of these rules recomputes every case from the same facts.

Counting follows the courts: an application received on a non-working day is deemed received on the next working
day; that day is not counted; day 1 is the first working day after it and "+N" is the N-th. A restart (Art. 30, after
a correction) counts the same way from its own day, as a fresh period.

Pauses (consultation, fee) are days not counted at all. **Which end days of a pause count** (the reading taken):
neither. A pause covers the day the letter or notice goes out *and* the day it ends (the answer, the payment, or the
lapse), both included; the last counted day before it is the working day before the letter, and counting resumes on
the first working day after its end. 国办函〔2020〕109号 第七条 takes the time *between* sending the fee notice and the
payment out of the reply period; read with the Chinese drafting convention of "自……之日起至……之日止" (both ends
belong to the interval) and with the rule the 条例 applies to the correction (Art. 30: the period runs again *from*
the day the corrected application arrives, that day not counted), the notice day is the first day the agency waits
and the payment day the day its work resumes from, so neither is a day of work on the reply. The consultation of
Art. 32-34 is read the same way (Art. 33 ¶3: the time needed for it is not counted). The cost of this reading falls on
the applicant (up to two working days per pause), so it is written here, in the README, and in every day-by-day
explanation (the pause's days carry its note).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import reduce

from app.domain.calendar import DayKind, WorkingCalendar
from app.domain.codes import Disposition
from app.domain.errors import InvalidInput
from app.domain.events import CLOCK_RUNNING, CONCLUDES_AS, CONCLUDING_EVENTS, CaseEvent, CaseStatus, EventType

STATUTORY_CHANGE = date(2019, 5, 15)  # the 2019 条例 (国务院令第711号) in force
CORRECTION_NOTICE_DAYS = 7  # Art. 30 (2019): the correction notice goes out within 7 working days of receipt
CONSULTATION_DAYS = 15  # Art. 32, 34: the third party or co-producing agency answers within 15 working days
FEE_PAYMENT_DAYS = 20  # 国办函〔2020〕109号 第七条: payment within 20 working days from the day after receipt


def statutory_reply_days(received: date) -> int:
    """Art. 33 ¶2 of the 2019 条例: 20 working days; Art. 24 of the 2007 条例, for earlier receipts: 15."""
    return 15 if received < STATUTORY_CHANGE else 20


def statutory_extension_limit(received: date) -> int:
    """The extension may be at most as long as the period itself: 20 working days (2019 Art. 33 ¶2), 15 before
    (2007 Art. 24)."""
    return statutory_reply_days(received)


def correction_notice_due(received: date, calendar: WorkingCalendar) -> date | None:
    """Art. 30 (2019): the last day to send the correction notice, 7 working days after the (deemed) receipt. The
    2007 条例 set no such limit, so an application received before 2019-05-15 has none."""
    if received < STATUTORY_CHANGE:
        return None
    return calendar.add_working_days(calendar.next_working_day(received), CORRECTION_NOTICE_DAYS)


def lapse_after_receipt(delivered_on: date, days: int, calendar: WorkingCalendar) -> date:
    """The last day of a period of `days` working days the other party has from its receipt of a letter: Art. 32
    (征求意见书, 15 days) and 109号 第七条 (收费通知, 20 days "自收到之次日起"). The receipt day itself is never
    counted and day 1 is the first working day after it, so a letter received on a Saturday starts on the Monday.
    (Unlike Art. 31 for applications, no rule deems a letter received on the next working day: doing so would add
    a day the text does not give.)"""
    return calendar.add_working_days(delivered_on, days)


def set_period_end(day: date, calendar: WorkingCalendar) -> date:
    """The last day of a period that ends on a date the agency set and wrote in its letter: the applicant's
    reply-by day for a correction (Art. 30: "合理的补正期限") and the later deadline of Art. 35. That day, or, when
    it is not a working day, the first working day after it.

    The reading: the 条例 does not say; the general rule of periods does (民法典 第二百零三条: a period whose last day
    is a statutory rest day ends on the day after it; 民事诉讼法 第八十五条 and the provinces' 行政程序规定 alike), and
    the courts count weekends as rest days. So a correction asked for by 1 October (National Day) may still arrive on
    9 October, the first working day after the holiday, and only then has the applicant let it lapse; the agency that
    set its own later deadline on a Saturday answers in time on the Monday. Periods this module counts in working
    days always end on one already."""
    return calendar.next_working_day(day)


@dataclass(frozen=True)
class DeadlinePolicy:
    """One agency's commitments, within the law: the reply period it promises and its extension limit. How a fee
    wait is counted is not among them: 109号 fixes it (a pause), so it is a rule, not a policy."""

    reply_days: int = 15  # the agency's own reply period (the seed agency's promise; the 2007 条例's period)
    extension_limit: int | None = None  # None = the statutory limit; never above it; 0 = the agency never extends

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
    RESTART = "restart"  # the period before a restart, and the restart day itself (Art. 30)
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    CORRECTION = "correction"  # waiting for the applicant's correction (Art. 30)
    CONSULTATION = "consultation"  # Art. 33 ¶3: consultation time is not counted, both end days included
    FEE = "fee"  # 109号 第七条: from the notice through the payment, both end days included
    EXTENSION = "extension"  # a counted day of the extension (Art. 33 ¶2)
    STATUTORY = "statutory"  # a counted day after the agency's own deadline, within the statutory period
    AGENCY_DEADLINE = "agency_deadline"  # a day up to the later deadline set under Art. 35


DAY_NOTE_LABELS: dict[DayNote, str] = {
    DayNote.RECEIPT_DAY: "收到申请当日，不计入",
    DayNote.RESTART: "重新起算前的期间，不计入",
    DayNote.WEEKEND: "周末，不计入",
    DayNote.HOLIDAY: "法定节假日，不计入",
    DayNote.CORRECTION: "等待补正，不计入",
    DayNote.CONSULTATION: "征求意见期间（发函之日至答复或期满之日），不计入",
    DayNote.FEE: "收费通知至缴费期间（通知之日至缴费或期满之日），不计入",
    DayNote.EXTENSION: "延长的期限",
    DayNote.STATUTORY: "本机关承诺期限届满后、法定答复期限内",
    DayNote.AGENCY_DEADLINE: "按第三十五条另行确定的期限",
}

_NON_WORKING_NOTE = {DayKind.WEEKEND: DayNote.WEEKEND, DayKind.HOLIDAY: DayNote.HOLIDAY}
_WAIT_NOTE = {
    EventType.CORRECTION_REQUESTED: DayNote.CORRECTION,
    EventType.CONSULTATION_STARTED: DayNote.CONSULTATION,
    EventType.FEE_NOTICE_SENT: DayNote.FEE,
}
_STATUS_OF_WAIT = {  # the first that applies: a correction stops the clock, a fee or consultation pauses it
    DayNote.CORRECTION: CaseStatus.AWAITING_CORRECTION,
    DayNote.FEE: CaseStatus.AWAITING_FEE,
    DayNote.CONSULTATION: CaseStatus.IN_CONSULTATION,
}
_DAYS_FROM_RECEIPT = {DayNote.CONSULTATION: CONSULTATION_DAYS, DayNote.FEE: FEE_PAYMENT_DAYS}


@dataclass(frozen=True)
class Wait:
    """An open wait: the correction (Art. 30), one consultation letter (Art. 32-34) or the fee notice (109号).

    ``key`` is the timeline number of the event that opened it. ``lapse`` is the last day of the other party's
    period: the correction's reply-by day, or for a letter the 15th / 20th working day after its *receipt*, and so
    unknown (None) until the delivery is recorded."""

    key: int
    note: DayNote
    first: date
    lapse: date | None

    @property
    def delivered(self) -> bool:
        return self.lapse is not None


@dataclass(frozen=True)
class _Pause:
    """Days not counted, both ends included (see the module docstring)."""

    first: date
    last: date
    note: DayNote


@dataclass(frozen=True)
class Projection:
    """What the timeline means today: the status and the deadlines stored on the case for lists and reports."""

    status: CaseStatus
    start: date  # deemed receipt or restart day; counting starts the day after
    due_date: date | None  # the agency's deadline; None while awaiting a correction or a letter's delivery record
    statutory_due_date: date | None  # the legal deadline; past it is a breach of the 条例
    correction_notice_due: date | None  # Art. 30: last day to send the correction notice (None before 2019-05-15)
    paused: bool
    pending_until: date | None  # when the first open wait lapses (correction reply-by, consultation +15, fee +20)
    provisional: bool  # some date lies in a year without a holiday arrangement: weekends only, to be recomputed
    disposition: Disposition | None
    concluded_on: date | None
    calendar_version: int
    correction_notice_late: bool = False  # Art. 30: the notice went out after the 7 days, a procedural defect
    undelivered_since: date | None = None  # the earliest open letter whose receipt is not recorded yet
    statutory_breached_on: date | None = None  # a statutory deadline passed before a correction notice (see _step)

    def working_days_left(self, calendar: WorkingCalendar, as_of: date) -> int | None:
        """Working days in (as_of, due] (0 on the due day); negative when overdue: -(working days in (due, as_of])."""
        if self.due_date is None or self.status is CaseStatus.CONCLUDED:
            return None
        return calendar.working_days_between(as_of, self.due_date)

    def overdue(self, as_of: date) -> bool:
        """Past the agency's own deadline."""
        return self._past(self.due_date, as_of)

    def statutory_overdue(self, as_of: date) -> bool:
        """Past the statutory deadline: a breach of the 条例 that must stand out, until the case is concluded. A
        deadline that passed before a late correction notice restarted the clock stays passed
        (``statutory_breached_on``), also while the correction is awaited."""
        if self.statutory_breached_on is not None and self.status is not CaseStatus.CONCLUDED:
            return self.statutory_breached_on < as_of
        return self._past(self.statutory_due_date, as_of)

    def _past(self, due: date | None, as_of: date) -> bool:
        return self.status in CLOCK_RUNNING and due is not None and due < as_of


@dataclass(frozen=True)
class _Timeline:
    """The replay's running state: what the events so far say about the current reply period."""

    deemed_receipt: date
    start: date
    notice_due: date | None  # Art. 30's 7-day limit, None before 2019-05-15
    statutory_days: int  # Art. 33 ¶2 (Art. 24 of 2007)
    pauses: tuple[_Pause, ...] = ()  # closed pauses since `start`
    waits: tuple[Wait, ...] = ()  # open waits, in the order they were opened
    extension_days: int = 0  # of the current period only: an extension belongs to its period (Art. 33 ¶2)
    agency_deadline: date | None = None  # Art. 35; a date, which no pause moves
    agency_deadline_in_period: bool = False  # set in the current period (it replaces both deadlines)
    correction_notice_late: bool = False
    statutory_breached_on: date | None = None
    disposition: Disposition | None = None
    concluded_on: date | None = None

    @property
    def awaiting_correction(self) -> bool:
        return any(w.note is DayNote.CORRECTION for w in self.waits)

    @property
    def undelivered(self) -> bool:
        return any(not w.delivered for w in self.waits)

    def uncounted(self, until: date | None = None) -> tuple[_Pause, ...]:
        """Every pause, each open wait included as running to its lapse (or to `until` while that is unknown)."""
        running = [_Pause(w.first, w.lapse or until or w.first, w.note) for w in self.waits]
        return (*self.pauses, *running)


def _key(event: CaseEvent, index: int) -> int:
    return event.seq if event.seq is not None else index + 1


def _target(waits: Iterable[Wait], ref: int | None, notes: Iterable[DayNote]) -> Wait | None:
    """The open wait an answer, payment or delivery refers to: by its number, or the only one there is."""
    candidates = [w for w in waits if w.note in set(notes)]
    if ref is not None:
        return next((w for w in candidates if w.key == ref), None)
    return candidates[0] if len(candidates) == 1 else None


def _close(state: _Timeline, wait: Wait | None, on: date) -> _Timeline:
    """End a wait on `on`, but never later than its lapse (Art. 32: 15 days; 109号: 20 days)."""
    if wait is None:
        return state
    last = on if wait.lapse is None else min(on, wait.lapse)
    return replace(
        state,
        pauses=(*state.pauses, _Pause(wait.first, last, wait.note)),
        waits=tuple(w for w in state.waits if w is not wait),
    )


def _step(state: _Timeline, item: tuple[int, CaseEvent], calendar: WorkingCalendar) -> _Timeline:
    """Apply one admitted event (`item` = its position and the event)."""
    index, event = item
    match event.type:
        case EventType.CORRECTION_REQUESTED if event.until is not None:
            # Art. 30 restarts the clock once the correction arrives, but a notice sent after the statutory deadline
            # cannot undo its breach (Art. 33): the deadline that passed is kept and the case stays in breach until
            # it is concluded. (The lifecycle admits the notice only with no letter out; a stored timeline with one
            # whose receipt is unrecorded counts its pause through the notice day.)
            late = state.notice_due is not None and event.on > state.notice_due
            due = _period_end(state, state.statutory_days, calendar, state.uncounted(until=event.on))
            breached = due if due < event.on else None
            wait = Wait(_key(event, index), DayNote.CORRECTION, event.on, set_period_end(event.until, calendar))
            return replace(
                state, waits=(*state.waits, wait), correction_notice_late=late, statutory_breached_on=breached
            )
        case EventType.CORRECTION_RECEIVED:
            # Art. 30: a fresh period from the day the correction arrives. Pauses and the extension belonged to the
            # old period; an Art. 35 deadline is a date the applicant was told and stays, but can no longer shorten.
            start = calendar.next_working_day(event.on)
            return replace(state, start=start, pauses=(), waits=(), extension_days=0, agency_deadline_in_period=False)
        case EventType.CONSULTATION_STARTED | EventType.FEE_NOTICE_SENT:
            note = _WAIT_NOTE[event.type]
            lapse = None
            if event.delivered_on is not None:
                lapse = lapse_after_receipt(event.delivered_on, _DAYS_FROM_RECEIPT[note], calendar)
            return replace(state, waits=(*state.waits, Wait(_key(event, index), note, event.on, lapse)))
        case EventType.DELIVERY_RECORDED if event.delivered_on is not None:
            letter = _target((w for w in state.waits if not w.delivered), event.ref, _DAYS_FROM_RECEIPT)
            if letter is None:
                return state
            lapse = lapse_after_receipt(event.delivered_on, _DAYS_FROM_RECEIPT[letter.note], calendar)
            waits = tuple(replace(w, lapse=lapse) if w is letter else w for w in state.waits)
            return replace(state, waits=waits)
        case EventType.CONSULTATION_ENDED:
            return _close(state, _target(state.waits, event.ref, [DayNote.CONSULTATION]), event.on)
        case EventType.FEE_PAID:
            return _close(state, _target(state.waits, event.ref, [DayNote.FEE]), event.on)
        case EventType.EXTENSION_GRANTED:
            return replace(state, extension_days=state.extension_days + (event.days or 0))
        case EventType.AGENCY_DEADLINE_SET | EventType.REASONS_REQUESTED if event.until is not None:
            # (A REASONS_REQUESTED with a date is a record from before the two Art. 35 steps were kept apart.)
            until = set_period_end(event.until, calendar)
            return replace(state, agency_deadline=until, agency_deadline_in_period=True)
        case _ if event.type in CONCLUDING_EVENTS:
            # A conclusion ends an open consultation or fee wait on its day but leaves a correction wait open, so a
            # case closed for want of a correction keeps no due date.
            ended = state
            for wait in state.waits:
                if wait.note is not DayNote.CORRECTION:
                    ended = _close(ended, wait, event.on)
            return replace(ended, disposition=CONCLUDES_AS.get(event.type, event.disposition), concluded_on=event.on)
    return state


def _replay(received: date, events: Sequence[CaseEvent], calendar: WorkingCalendar) -> _Timeline:
    deemed = calendar.next_working_day(received)  # Art. 31 as the courts count it
    initial = _Timeline(
        deemed_receipt=deemed,
        start=deemed,
        notice_due=correction_notice_due(received, calendar),
        statutory_days=statutory_reply_days(received),
    )
    return reduce(lambda state, item: _step(state, item, calendar), enumerate(events), initial)


def _merged(pauses: Iterable[_Pause]) -> list[_Pause]:
    """The pauses as disjoint runs in date order: several consultations may be out at once (Art. 32-34), and a day
    is not counted when any of them covers it."""
    runs: list[_Pause] = []
    for pause in sorted(pauses, key=lambda p: p.first):
        if runs and pause.first <= runs[-1].last + timedelta(days=1):
            runs[-1] = replace(runs[-1], last=max(runs[-1].last, pause.last))
        else:
            runs.append(pause)
    return runs


def _count_forward(calendar: WorkingCalendar, start: date, days: int, pauses: Iterable[_Pause]) -> date:
    """The `days`-th working day after `start` outside every pause (Art. 33 ¶3: consultation time is not counted).

    Walks the pauses, not the days: each pause only moves the count past it, so the cost is O(pauses · log n)."""
    cursor, remaining = start, days
    for pause in _merged(pauses):
        if pause.last <= cursor:
            continue
        available = (
            calendar.working_days_between(cursor, pause.first - timedelta(days=1)) if pause.first > cursor else 0
        )
        if available >= remaining:
            break
        cursor, remaining = pause.last, remaining - available
    return calendar.add_working_days(cursor, remaining)


def _period_end(state: _Timeline, days: int, calendar: WorkingCalendar, uncounted: Iterable[_Pause]) -> date:
    """The last day of the current period of ``days`` working days (the agency's or the statute's), its extension
    and the ``uncounted`` days added."""
    if state.agency_deadline_in_period and state.agency_deadline is not None:
        return state.agency_deadline  # Art. 35 replaces both
    end = _count_forward(calendar, state.start, days + state.extension_days, uncounted)
    if state.agency_deadline is not None:  # set before a restart: it may lengthen the fresh period, never shorten it
        return max(end, state.agency_deadline)
    return end


def _due_dates(state: _Timeline, policy: DeadlinePolicy, calendar: WorkingCalendar) -> tuple[date | None, date | None]:
    """(agency, statutory). None while awaiting a correction (Art. 30 restarts the clock when it arrives) or while
    a letter's delivery is not recorded (its lapse, and so the pause's end, is unknown)."""
    if state.awaiting_correction or state.undelivered:
        return None, None
    uncounted = state.uncounted()
    return (
        _period_end(state, policy.reply_days, calendar, uncounted),
        _period_end(state, state.statutory_days, calendar, uncounted),
    )


def open_waits(
    received: date, events: Sequence[CaseEvent], policy: DeadlinePolicy, calendar: WorkingCalendar
) -> tuple[Wait, ...]:
    """The waits open after `events`: what an answer, a payment or a delivery record may refer to."""
    del policy  # the waits do not depend on it; the parameter keeps the signature of `project`
    state = _replay(received, events, calendar)
    return () if state.concluded_on is not None else state.waits


def project(
    received: date, events: Sequence[CaseEvent], policy: DeadlinePolicy, calendar: WorkingCalendar
) -> Projection:
    """The case's status and deadlines after `events` (in recorded order), for the legal receipt date `received`."""
    state = _replay(received, events, calendar)
    due, statutory_due = _due_dates(state, policy, calendar)
    concluded = state.concluded_on is not None
    waits = () if concluded else state.waits
    status = CaseStatus.CONCLUDED if concluded else CaseStatus.OPEN
    for note, waiting in _STATUS_OF_WAIT.items():
        if status is CaseStatus.OPEN and any(w.note is note for w in waits):
            status = waiting
    pending_until = min((w.lapse for w in waits if w.lapse is not None), default=None)
    computed = [
        d
        for d in (due, statutory_due, pending_until, state.notice_due, state.start, state.agency_deadline)
        if d is not None
    ]
    return Projection(
        status=status,
        start=state.start,
        due_date=due,
        statutory_due_date=statutory_due,
        correction_notice_due=state.notice_due,
        paused=bool(waits),
        pending_until=pending_until,
        provisional=calendar.spans_unloaded(received, max(computed)),
        disposition=state.disposition,
        concluded_on=state.concluded_on,
        calendar_version=calendar.version,
        correction_notice_late=state.correction_notice_late,
        undelivered_since=min((w.first for w in waits if not w.delivered), default=None),
        statutory_breached_on=state.statutory_breached_on,
    )


# The day-by-day explanation ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExplanationStep:
    on: date
    kind: DayKind
    counted: bool
    count: int  # working days counted up to and including this day
    note: DayNote | None  # why it was skipped, or what a counted day belongs to
    agency_due: bool  # the agency's deadline falls on this day
    statutory_due: bool  # the statutory deadline falls on this day
    provisional: bool  # the day's year has no imported arrangement: counted as Monday-Friday, to be recomputed


@dataclass(frozen=True)
class Explanation:
    """Every day from the legal receipt to the later of the two deadlines, counted or skipped and why: what a clerk
    shows an applicant who disputes a deadline. Only dates, ints, bools and enums, so it serialises as it is."""

    received: date
    start: date
    reply_days: int  # the agency's period
    statutory_days: int  # the statute's period (Art. 33 ¶2; 15 before 2019-05-15)
    extension_days: int  # of the current period
    due_date: date | None  # the agency's deadline
    statutory_due_date: date | None
    agency_deadline: date | None  # set under Art. 35
    statutory_breached_on: date | None  # a statutory deadline passed before a late correction notice
    provisional: bool  # some day of the count lies in a year whose arrangement is not imported
    truncated: bool  # the steps stop at EXPLANATION_HORIZON_DAYS after receipt, before the day they would end on
    steps: tuple[ExplanationStep, ...]


EXPLANATION_HORIZON_DAYS = 4 * 366
"""The most days an explanation lists. The longest timeline the rules allow today is well inside it (a correction
period and an Art. 35 deadline of at most a year each, ``lifecycle.REASONABLE_HORIZON_DAYS``, consultations and a
fee's wait between); a case stored before those bounds (a correction period to 9999-12-31) is explained up to it, not
over 8,000 years at every reading of its page."""


def explain(
    received: date, events: Sequence[CaseEvent], policy: DeadlinePolicy, calendar: WorkingCalendar
) -> Explanation:
    """Every day from `received` to the later deadline; while a correction is awaited, to its reply-by day, and
    while a letter's delivery is unrecorded, to the last known day (the pause's end is not known yet). At most
    ``EXPLANATION_HORIZON_DAYS`` days (then ``truncated``)."""
    state = _replay(received, events, calendar)
    due, statutory_due = _due_dates(state, policy, calendar)
    known = [d for d in (due, statutory_due) if d is not None]
    waits_end = [w.lapse or w.first for w in state.waits]
    last = max(known) if known else max([state.start, *waits_end])
    end = min(last, received + timedelta(days=EXPLANATION_HORIZON_DAYS))
    statutory_days = state.statutory_days
    uncounted = state.uncounted(until=end)
    steps: list[ExplanationStep] = []
    count = 0
    day = received
    while day <= end:
        kind = calendar.kind(day)
        note = _skipped_because(state, uncounted, day, kind)
        counted = note is None
        if counted:
            count += 1
            note = _counted_as(count, policy.reply_days, statutory_days, state.extension_days)
        steps.append(
            ExplanationStep(
                on=day,
                kind=kind,
                counted=counted,
                count=count,
                note=note,
                agency_due=day == due,
                statutory_due=day == statutory_due,
                provisional=not calendar.is_loaded(day.year),
            )
        )
        day += timedelta(days=1)
    return Explanation(
        received=received,
        start=state.start,
        reply_days=policy.reply_days,
        statutory_days=statutory_days,
        extension_days=state.extension_days,
        due_date=due,
        statutory_due_date=statutory_due,
        agency_deadline=state.agency_deadline,
        statutory_breached_on=state.statutory_breached_on,
        provisional=any(step.provisional for step in steps),
        truncated=end < last,
        steps=tuple(steps),
    )


def _skipped_because(state: _Timeline, uncounted: Sequence[_Pause], day: date, kind: DayKind) -> DayNote | None:
    if day < state.deemed_receipt:  # received on a non-working day, deemed received on the next working day
        return _NON_WORKING_NOTE[kind]
    if day == state.deemed_receipt:
        return DayNote.RECEIPT_DAY
    if day <= state.start:
        return DayNote.RESTART
    for pause in uncounted:
        if pause.first <= day <= pause.last:
            return pause.note
    return None if kind.is_working else _NON_WORKING_NOTE[kind]


def _counted_as(count: int, reply_days: int, statutory_days: int, extension_days: int) -> DayNote | None:
    if count <= reply_days:
        return None
    if count <= reply_days + extension_days:
        return DayNote.EXTENSION
    if count <= statutory_days + extension_days:
        return DayNote.STATUTORY
    return DayNote.AGENCY_DEADLINE
