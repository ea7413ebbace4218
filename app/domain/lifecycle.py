"""The case lifecycle: the events a case's timeline is made of, and which event may follow which.

The timeline is append-only; `check_event` is the gate every new event passes, so that `clock.project` only ever
replays admitted histories. Dates are facts (the day a letter went out), not the day a clerk typed them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TypeVar

from app.domain.calendar import WorkingCalendar
from app.domain.clock import DayNote, DeadlinePolicy, Projection, Wait, open_waits, project
from app.domain.codes import DISPOSITION_SHORT_LABELS, Disposition, ReviewOutcome
from app.domain.errors import InvalidInput, WrongState
from app.domain.events import (
    CASE_STATUS_LABELS,
    CLOCK_RUNNING,
    CONCLUDES_AS,
    CONCLUDING_EVENTS,
    EVENT_TYPE_LABELS,
    UNCONCLUDED,
    CaseEvent,
    CaseStatus,
    EventType,
)

__all__ = [
    "CASE_STATUS_LABELS",
    "CLOCK_RUNNING",
    "CONCLUDES_AS",
    "CONCLUDING_EVENTS",
    "EVENT_TYPE_LABELS",
    "LAPSE_STEPS",
    "CaseEvent",
    "CaseStatus",
    "EventType",
    "allowed_events",
    "check_event",
    "check_review_decision",
]

_T = TypeVar("_T")

REASONABLE_HORIZON_DAYS = 366
"""The longest period the regulation's *reasonable* periods may run: an Art. 35 deadline at most one year after the
statutory deadline it replaces, an Art. 30 correction period at most one year after the notice. Neither article
names a bound; our reading is that a period of more than a year cannot be reasonable for one application (it would
also leave the applicant without a reply for the whole annual report cycle), and a date such as 9999-12-31 is a
typing error, not a decision (stored, it also made every reading of the case's deadline walk 8,000 years). An office
that truly needs longer concludes and tells the applicant instead."""


def within_reasonable_period(start: date, until: date) -> bool:
    """Whether ``until`` is after ``start`` and at most ``REASONABLE_HORIZON_DAYS`` later."""
    return start < until <= start + timedelta(days=REASONABLE_HORIZON_DAYS)


_WAITING = frozenset({CaseStatus.IN_CONSULTATION, CaseStatus.AWAITING_FEE})
_ALLOWED: dict[EventType, frozenset[CaseStatus]] = {
    EventType.CORRECTION_REQUESTED: frozenset({CaseStatus.OPEN}),
    EventType.CORRECTION_RECEIVED: frozenset({CaseStatus.AWAITING_CORRECTION}),
    EventType.CORRECTION_LAPSED: frozenset({CaseStatus.AWAITING_CORRECTION}),
    EventType.CONSULTATION_STARTED: frozenset({CaseStatus.OPEN, CaseStatus.IN_CONSULTATION}),  # one letter per party
    EventType.CONSULTATION_ENDED: frozenset({CaseStatus.IN_CONSULTATION}),
    EventType.EXTENSION_GRANTED: CLOCK_RUNNING,
    EventType.FEE_NOTICE_SENT: frozenset({CaseStatus.OPEN}),
    EventType.FEE_PAID: frozenset({CaseStatus.AWAITING_FEE}),
    EventType.FEE_LAPSED: frozenset({CaseStatus.AWAITING_FEE}),
    EventType.DELIVERY_RECORDED: _WAITING,
    EventType.REASONS_REQUESTED: CLOCK_RUNNING,
    EventType.AGENCY_DEADLINE_SET: CLOCK_RUNNING,
    EventType.EXCESSIVE_REFUSED: UNCONCLUDED,
    EventType.WITHDRAWN: UNCONCLUDED,
    EventType.CONCLUDED: UNCONCLUDED,
    EventType.REVIEW_FILED: frozenset({CaseStatus.CONCLUDED}),
    EventType.REVIEW_DECIDED: frozenset({CaseStatus.CONCLUDED}),
}
"""The statuses each event may be recorded in; RECEIVED and DEADLINES_RECOMPUTED are checked apart."""


def allowed_events(status: CaseStatus) -> frozenset[EventType]:
    """The events that may be recorded on a case in ``status``, before each event's own rules are checked (what a
    client offers the clerk; ``check_event`` still decides)."""
    return frozenset(event for event, statuses in _ALLOWED.items() if status in statuses)


_NOT_IN: dict[CaseStatus, tuple[str, str]] = {
    CaseStatus.AWAITING_CORRECTION: ("not_awaiting_correction", "该申请当前不在等待补正"),
    CaseStatus.IN_CONSULTATION: ("no_open_consultation", "该申请当前没有进行中的征求意见"),
    CaseStatus.AWAITING_FEE: ("not_awaiting_fee", "该申请当前不在等待缴费"),
}
_BUSY: dict[CaseStatus, tuple[str, str]] = {
    CaseStatus.AWAITING_CORRECTION: ("awaiting_correction", "该申请正在等待补正，请先登记补正结果"),
    CaseStatus.IN_CONSULTATION: ("consultation_in_progress", "征求意见尚未结束，请先登记意见答复"),
    CaseStatus.AWAITING_FEE: ("awaiting_fee", "该申请正在等待缴费，请先登记缴费结果"),
}
_NO_LETTER_OUT = ("no_letter_out", "该申请当前没有已发出、尚待答复或缴费的征求意见书或收费通知")
_FIELD_LABELS: dict[str, str] = {
    "until": "截止日期",
    "days": "延长的工作日数",
    "notice_on": "告知申请人的日期",
    "disposition": "办理结果",
    "delivered_on": "对方收到（送达）的日期",
}


def check_event(
    received: date,
    history: Sequence[CaseEvent],
    new: CaseEvent,
    policy: DeadlinePolicy,
    calendar: WorkingCalendar,
    today: date,
) -> None:
    """Raise WrongState or InvalidInput when `new` may not follow `history`; change nothing."""
    _check_dates(received, history, new, today)
    if new.type is EventType.DEADLINES_RECOMPUTED:
        return
    if new.type is EventType.RECEIVED:
        if any(e.type is EventType.RECEIVED for e in history):
            raise WrongState("already_received", "该申请已登记收到，不能重复登记。")
        return
    state = project(received, history, policy, calendar)
    if state.status not in _ALLOWED[new.type]:
        raise _state_error(state.status, _ALLOWED[new.type], new.type)
    waits = open_waits(received, history, policy, calendar)
    _check_rules(received, history, new, policy, state, waits)


def _check_dates(received: date, history: Sequence[CaseEvent], new: CaseEvent, today: date) -> None:
    """Facts happen between receipt and today, and are recorded in the order they happened. A calendar import is
    a system note, not a fact of the case: it neither sets nor obeys that order, so a backdated fact still fits.
    A delivery date is a fact about a letter already recorded, so it may lie before later events; its own order is
    checked against its letter."""
    for day in (new.on, new.notice_on, new.delivered_on):
        if day is not None and day < received:
            raise InvalidInput("event_before_receipt", f"日期{day}早于申请的法定收到日期{received}。")
        if day is not None and day > today:
            raise InvalidInput("event_in_future", f"日期{day}晚于今天（{today}），不能登记尚未发生的事项。")
    if new.type is EventType.DEADLINES_RECOMPUTED:
        return
    latest = max((e.on for e in history if e.type is not EventType.DEADLINES_RECOMPUTED), default=received)
    if new.on < latest:
        raise InvalidInput("event_out_of_order", f"日期{new.on}早于已登记的最后一项（{latest}），请按发生顺序登记。")


def _state_error(status: CaseStatus, allowed: frozenset[CaseStatus], event: EventType) -> WrongState:
    label = EVENT_TYPE_LABELS[event]
    if status is CaseStatus.CONCLUDED:
        if event in CONCLUDING_EVENTS:
            return WrongState("already_concluded", "该申请已办结，不能再次办结。")
        return WrongState("case_concluded", f"该申请已办结，不能再登记「{label}」。")
    if allowed == {CaseStatus.CONCLUDED}:
        return WrongState("not_concluded", f"该申请尚未办结，不能登记「{label}」。")
    if CaseStatus.OPEN in allowed:
        code, reason = _BUSY[status]
    elif len(allowed) == 1:
        (required,) = allowed
        code, reason = _NOT_IN[required]
    else:
        code, reason = _NO_LETTER_OUT
    return WrongState(code, f"{reason}，不能登记「{label}」。")


def _required(value: _T | None, field: str, event: EventType) -> _T:
    if value is None:
        raise InvalidInput(f"{field}_required", f"登记「{EVENT_TYPE_LABELS[event]}」须填写{_FIELD_LABELS[field]}。")
    return value


def _current_period(history: Sequence[CaseEvent]) -> Sequence[CaseEvent]:
    """The events since the last restart (Art. 30): an extension or an Art. 35 deadline belongs to its period."""
    restarts = [i for i, e in enumerate(history) if e.type is EventType.CORRECTION_RECEIVED]
    return history[restarts[-1] + 1 :] if restarts else history


def _letter(waits: Sequence[Wait], new: CaseEvent, notes: frozenset[DayNote], what: str) -> Wait:
    """The open letter an answer, payment or delivery refers to: by its timeline number (``ref``), or the only one
    open when no number is given."""
    candidates = [w for w in waits if w.note in notes]
    if new.ref is not None:
        found = next((w for w in candidates if w.key == new.ref), None)
        if found is None:
            numbers = "、".join(str(w.key) for w in candidates) or "无"
            raise InvalidInput("letter_not_open", f"时间线第{new.ref}项不是尚待处理的{what}（可选：{numbers}）。")
        return found
    if len(candidates) > 1:
        numbers = "、".join(str(w.key) for w in candidates)
        raise InvalidInput("letter_ref_required", f"同时有多份{what}尚待处理，请注明是时间线第几项（{numbers}）。")
    if not candidates:
        raise WrongState(*_NO_LETTER_OUT)
    return candidates[0]


def _check_rules(
    received: date,
    history: Sequence[CaseEvent],
    new: CaseEvent,
    policy: DeadlinePolicy,
    state: Projection,
    waits: Sequence[Wait],
) -> None:
    """The rules of each event beyond its status; `state` is the projection before `new`, `waits` its open waits."""

    def happened(event: EventType, events: Sequence[CaseEvent] = history) -> bool:
        return any(e.type is event for e in events)

    period = _current_period(history)
    match new.type:
        case EventType.CORRECTION_REQUESTED:
            # Art. 30: once, listing everything, with a reasonable period. A notice sent after the 7 working days
            # is a fact all the same: it is recorded and the case carries the defect (clock.Projection).
            until = _required(new.until, "until", new.type)
            if happened(EventType.CORRECTION_REQUESTED):
                raise WrongState(
                    "correction_already_requested",
                    "补正只能要求一次，且应一次性告知需要补正的全部内容（条例第三十条）。",
                )
            if not within_reasonable_period(new.on, until):
                raise InvalidInput(
                    "correction_period_invalid",
                    f"补正期限应晚于告知补正的日期（{new.on}），且为合理期限：不超过一年（条例第三十条）。",
                )
        case EventType.CORRECTION_RECEIVED if state.pending_until is not None and new.on > state.pending_until:
            # Art. 30: "申请人无正当理由逾期不补正的，视为放弃申请". A correction after its period restarts the clock
            # only with the applicant's reason recorded; without one the application ends as lapsed.
            if not new.justified:
                raise InvalidInput(
                    "correction_late_without_reason",
                    f"补正期限至{state.pending_until}（含当日），申请人逾期补正的，须登记其正当理由才能继续办理；"
                    "无正当理由逾期不补正的，视为放弃申请，按「逾期未补正」办结（条例第三十条）。",
                )
        case EventType.CORRECTION_LAPSED if state.pending_until is not None and new.on <= state.pending_until:
            # Art. 30: the applicant has the whole of the last day; the lapse is recorded after it.
            raise InvalidInput(
                "correction_period_not_over",
                f"补正期限至{state.pending_until}（含当日），期满后才能按逾期未补正办结（条例第三十条）。",
            )
        case EventType.CONSULTATION_STARTED | EventType.FEE_NOTICE_SENT:
            if new.type is EventType.FEE_NOTICE_SENT:
                _check_fee_notice(new, state)
            if new.delivered_on is not None and new.delivered_on < new.on:
                raise InvalidInput("delivered_before_sent", f"送达日期{new.delivered_on}早于发出日期{new.on}。")
        case EventType.CONSULTATION_ENDED:
            _letter(waits, new, frozenset({DayNote.CONSULTATION}), "征求意见书")
        case EventType.DELIVERY_RECORDED:
            delivered_on = _required(new.delivered_on, "delivered_on", new.type)
            undelivered = [w for w in waits if not w.delivered]
            letter = _letter(undelivered, new, frozenset({DayNote.CONSULTATION, DayNote.FEE}), "未登记送达的文书")
            if delivered_on < letter.first:
                raise InvalidInput(
                    "delivered_before_sent", f"送达日期{delivered_on}早于该文书的发出日期{letter.first}。"
                )
            if delivered_on > new.on:
                raise InvalidInput("delivered_after_record", f"送达日期{delivered_on}晚于登记日期{new.on}。")
        case EventType.EXTENSION_GRANTED:
            _check_extension(received, new, policy, state, period)
        case EventType.FEE_PAID if state.pending_until is not None and new.on > state.pending_until:
            raise InvalidInput(
                "fee_paid_too_late",
                f"缴费期限已于{state.pending_until}届满，应登记逾期未缴费（国办函〔2020〕109号第七条）。",
            )
        case EventType.FEE_LAPSED:
            if state.pending_until is None:
                raise WrongState(
                    "fee_delivery_not_recorded",
                    "收费通知的送达日期尚未登记，缴费期限无从起算，不能按逾期未缴费办结（国办函〔2020〕109号第七条）。",
                )
            if new.on <= state.pending_until:
                raise InvalidInput(
                    "fee_period_not_over",
                    f"缴费期限至{state.pending_until}（含当日），期满后才能按逾期未缴费办结（国办函〔2020〕109号第七条）。",
                )
        case EventType.REASONS_REQUESTED if happened(EventType.REASONS_REQUESTED):
            raise WrongState("reasons_already_requested", "已要求申请人说明理由（条例第三十五条），不能重复登记。")
        case EventType.AGENCY_DEADLINE_SET:
            _check_agency_deadline(new, state, history, period)
        case EventType.EXCESSIVE_REFUSED:
            _check_reasons_requested(history, new.type)
        case EventType.CONCLUDED:
            disposition = _required(new.disposition, "disposition", new.type)
            if disposition is Disposition.NOT_PROCESSED_EXCESSIVE:
                _check_reasons_requested(history, new.type)
            elif (step := LAPSE_STEPS.get(disposition)) is not None:
                # Art. 30 and 109号 第七条 end an application only once the applicant's period has run out; the
                # lapse's own step checks that (and that the period was ever given), a bare conclusion cannot.
                raise WrongState(
                    "disposition_needs_lapse_step",
                    f"「{DISPOSITION_SHORT_LABELS[disposition]}」须通过「{EVENT_TYPE_LABELS[step]}」步骤办结："
                    f"该步骤核对是否已告知申请人、期限是否已届满（{_LAPSE_BASIS[step]}）。",
                )
            elif disposition is Disposition.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION and not happened(
                EventType.CORRECTION_RECEIVED
            ):
                raise WrongState(
                    "correction_not_received",
                    "「补正后申请内容仍不明确」须先登记收到补正；未按期补正的，按「逾期未补正」办结（条例第三十条）。",
                )
        case EventType.REVIEW_DECIDED:
            filed = sum(e.type is EventType.REVIEW_FILED for e in history)
            decided = sum(e.type is EventType.REVIEW_DECIDED for e in history)
            if decided >= filed:
                raise WrongState("no_open_review", "该申请没有尚未审结的复议或诉讼。")


def _check_fee_notice(new: CaseEvent, state: Projection) -> None:
    """109号 第七条: the notice goes out within the reply period the statute sets, not the agency's shorter promise."""
    if state.statutory_due_date is not None and new.on > state.statutory_due_date:
        raise InvalidInput(
            "fee_notice_too_late",
            f"收费通知应在法定答复期限（{state.statutory_due_date}）内发出（国办函〔2020〕109号第七条）。",
        )


def _check_extension(
    received: date, new: CaseEvent, policy: DeadlinePolicy, state: Projection, period: Sequence[CaseEvent]
) -> None:
    """Art. 33 ¶2: once per period, approved by the head of the disclosure office, the applicant told before the
    deadline. After a correction restart (Art. 30) the period is new, and so may be its extension."""
    days = _required(new.days, "days", new.type)
    notice_on = _required(new.notice_on, "notice_on", new.type)
    if any(e.type is EventType.EXTENSION_GRANTED for e in period):
        raise WrongState("extension_already_granted", "本答复期限已延期一次，不能再延期（条例第三十三条）。")
    if any(e.type is EventType.AGENCY_DEADLINE_SET or e.until is not None for e in period if _is_art35(e)):
        raise WrongState("deadline_set_by_agency", "已按条例第三十五条另行确定答复期限，不能再延期。")
    limit = policy.max_extension_days(received)
    if limit == 0:
        raise InvalidInput("extension_not_allowed", "本机关的期限政策不允许延期答复（延期上限为0个工作日）。")
    if days < 1:
        raise InvalidInput("extension_days_invalid", "延长的工作日数应至少为1天。")
    if days > limit:
        raise InvalidInput("extension_too_long", f"延长的期限最长不得超过{limit}个工作日（条例第三十三条）。")
    if notice_on < new.on:
        raise InvalidInput("extension_notice_before_approval", "告知申请人的日期不能早于延期批准的日期。")
    if state.statutory_due_date is not None and notice_on > state.statutory_due_date:
        raise InvalidInput(
            "extension_notice_too_late",
            f"延期应在答复期限届满（{state.statutory_due_date}）前批准并告知申请人（条例第三十三条）。",
        )


def _is_art35(event: CaseEvent) -> bool:
    return event.type in (EventType.AGENCY_DEADLINE_SET, EventType.REASONS_REQUESTED)


_LAPSE_BASIS = {EventType.CORRECTION_LAPSED: "条例第三十条", EventType.FEE_LAPSED: "国办函〔2020〕109号第七条"}
LAPSE_STEPS = {CONCLUDES_AS[step]: step for step in _LAPSE_BASIS}
"""The dispositions that say the applicant let a period lapse, each concluded only by its own step."""


def _check_reasons_requested(history: Sequence[CaseEvent], event: EventType) -> None:
    if not any(e.type is EventType.REASONS_REQUESTED for e in history):
        raise WrongState(
            "reasons_not_requested",
            f"「{EVENT_TYPE_LABELS[event]}」须先要求申请人说明理由（条例第三十五条）。",
        )


def _check_agency_deadline(
    new: CaseEvent, state: Projection, history: Sequence[CaseEvent], period: Sequence[CaseEvent]
) -> None:
    """Art. 35: after asking for reasons, an agency that cannot answer within the Art. 33 period may set a
    reasonable later deadline and tell the applicant: so only while that period runs, and only a later date than
    the statutory deadline it replaces (an earlier one would shorten the applicant's legal period)."""
    until = _required(new.until, "until", new.type)
    _check_reasons_requested(history, new.type)
    if any(e.type is EventType.AGENCY_DEADLINE_SET or e.until is not None for e in period if _is_art35(e)):
        raise WrongState("agency_deadline_already_set", "本答复期限内已按条例第三十五条另行确定过答复期限。")
    statutory = state.statutory_due_date
    if statutory is None:
        raise WrongState(
            "deadline_unknown",
            "当前法定答复期限尚不能确定（有文书的送达日期未登记），请先登记送达日期（条例第三十五条）。",
        )
    if new.on > statutory:
        raise InvalidInput(
            "art33_period_over",
            f"法定答复期限已于{statutory}届满，不能再另行确定答复期限（条例第三十三条、第三十五条）。",
        )
    if until <= statutory:
        raise InvalidInput(
            "agency_deadline_not_later",
            f"另行确定的答复期限应晚于其取代的法定答复期限（{statutory}）（条例第三十五条）。",
        )
    if not within_reasonable_period(statutory, until):
        raise InvalidInput(
            "agency_deadline_unreasonable",
            f"另行确定的答复期限应为合理期限：不能晚于法定答复期限（{statutory}）后一年（条例第三十五条）。",
        )


def check_review_decision(filed_on: date, current: ReviewOutcome, on: date, outcome: ReviewOutcome) -> None:
    """A review or lawsuit is decided once, with a real outcome, not before it was filed: the reviews table of the
    annual report counts each by its outcome on 31 December (国办公开办函〔2021〕30号 表五)."""
    if current is not ReviewOutcome.PENDING:
        raise WrongState("review_already_decided", "该复议或诉讼已有结果，不能重复记录。")
    if outcome is ReviewOutcome.PENDING:
        raise InvalidInput("review_outcome_pending", "请记录复议或诉讼的结果（维持、纠正或其他）。")
    if on < filed_on:
        raise InvalidInput("review_decided_before_filed", "审结日期不能早于立案日期。")
