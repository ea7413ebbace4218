"""The case lifecycle: the events a case's timeline is made of, and which event may follow which.

The timeline is append-only; `check_event` is the gate every new event passes, so that `clock.project` only ever
replays admitted histories. Dates are facts (the day a letter went out), not the day a clerk typed them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from app.domain.calendar import WorkingCalendar
from app.domain.codes import Disposition, ReviewOutcome
from app.domain.errors import InvalidInput, WrongState

if TYPE_CHECKING:
    from app.domain.clock import DeadlinePolicy, Projection

_T = TypeVar("_T")


class EventType(StrEnum):
    RECEIVED = "received"
    CORRECTION_REQUESTED = "correction_requested"  # Art. 30: until = the day the applicant must supply it by
    CORRECTION_RECEIVED = "correction_received"  # Art. 30: the reply clock restarts from this day
    CORRECTION_LAPSED = "correction_lapsed"  # Art. 30: concludes as other.correction_lapsed
    CONSULTATION_STARTED = "consultation_started"  # Art. 32-34: the clock pauses from the day the letter goes out
    CONSULTATION_ENDED = "consultation_ended"  # counting resumes the day after the answer
    EXTENSION_GRANTED = "extension_granted"  # Art. 33: days = working days added; notice_on = day applicant was told
    FEE_NOTICE_SENT = "fee_notice_sent"  # 国办函〔2020〕109号
    FEE_PAID = "fee_paid"
    FEE_LAPSED = "fee_lapsed"  # concludes as other.fee_unpaid
    REASONS_REQUESTED = "reasons_requested"  # Art. 35: until = the agency's own later deadline
    WITHDRAWN = "withdrawn"  # concludes as other.other
    CONCLUDED = "concluded"  # disposition; on = reply date
    REVIEW_FILED = "review_filed"  # administrative review or lawsuit after conclusion
    REVIEW_DECIDED = "review_decided"
    DEADLINES_RECOMPUTED = "deadlines_recomputed"  # system: a calendar import or policy change moved the dates


EVENT_TYPE_LABELS: dict[EventType, str] = {
    EventType.RECEIVED: "收到申请",
    EventType.CORRECTION_REQUESTED: "告知补正",
    EventType.CORRECTION_RECEIVED: "收到补正",
    EventType.CORRECTION_LAPSED: "逾期未补正",
    EventType.CONSULTATION_STARTED: "征求意见",
    EventType.CONSULTATION_ENDED: "收到意见或征求意见结束",
    EventType.EXTENSION_GRANTED: "延期答复",
    EventType.FEE_NOTICE_SENT: "发出收费通知",
    EventType.FEE_PAID: "缴纳费用",
    EventType.FEE_LAPSED: "逾期未缴费",
    EventType.REASONS_REQUESTED: "要求说明理由并另定答复期限",
    EventType.WITHDRAWN: "申请人撤回申请",
    EventType.CONCLUDED: "办结答复",
    EventType.REVIEW_FILED: "申请人提起复议或诉讼",
    EventType.REVIEW_DECIDED: "复议或诉讼结果",
    EventType.DEADLINES_RECOMPUTED: "期限重新计算（节假日安排或本机关期限政策调整）",
}


class CaseStatus(StrEnum):
    OPEN = "open"
    AWAITING_CORRECTION = "awaiting_correction"
    IN_CONSULTATION = "in_consultation"
    AWAITING_FEE = "awaiting_fee"
    CONCLUDED = "concluded"


CASE_STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.OPEN: "办理中",
    CaseStatus.AWAITING_CORRECTION: "等待补正",
    CaseStatus.IN_CONSULTATION: "征求意见中",
    CaseStatus.AWAITING_FEE: "等待缴费",
    CaseStatus.CONCLUDED: "已办结",
}


@dataclass(frozen=True)
class CaseEvent:
    type: EventType
    on: date
    days: int | None = None
    until: date | None = None
    notice_on: date | None = None
    disposition: Disposition | None = None


CONCLUDES_AS: dict[EventType, Disposition] = {
    EventType.CORRECTION_LAPSED: Disposition.OTHER_CORRECTION_LAPSED,  # Art. 30
    EventType.FEE_LAPSED: Disposition.OTHER_FEE_UNPAID,  # 国办函〔2020〕109号
    EventType.WITHDRAWN: Disposition.OTHER_OTHER,
}
"""Events that conclude a case with a fixed disposition; CONCLUDED carries its own."""

CONCLUDING_EVENTS = frozenset({EventType.CONCLUDED, *CONCLUDES_AS})

_UNCONCLUDED = frozenset(set(CaseStatus) - {CaseStatus.CONCLUDED})
CLOCK_RUNNING = frozenset({CaseStatus.OPEN, CaseStatus.IN_CONSULTATION, CaseStatus.AWAITING_FEE})
"""Statuses with a due date that can pass: not concluded, and not stopped for a correction (Art. 30)."""
_ALLOWED: dict[EventType, frozenset[CaseStatus]] = {
    EventType.CORRECTION_REQUESTED: frozenset({CaseStatus.OPEN}),
    EventType.CORRECTION_RECEIVED: frozenset({CaseStatus.AWAITING_CORRECTION}),
    EventType.CORRECTION_LAPSED: frozenset({CaseStatus.AWAITING_CORRECTION}),
    EventType.CONSULTATION_STARTED: frozenset({CaseStatus.OPEN}),  # one after another, never overlapping
    EventType.CONSULTATION_ENDED: frozenset({CaseStatus.IN_CONSULTATION}),
    EventType.EXTENSION_GRANTED: CLOCK_RUNNING,
    EventType.FEE_NOTICE_SENT: frozenset({CaseStatus.OPEN}),
    EventType.FEE_PAID: frozenset({CaseStatus.AWAITING_FEE}),
    EventType.FEE_LAPSED: frozenset({CaseStatus.AWAITING_FEE}),
    EventType.REASONS_REQUESTED: CLOCK_RUNNING,
    EventType.WITHDRAWN: _UNCONCLUDED,
    EventType.CONCLUDED: _UNCONCLUDED,
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
_FIELD_LABELS: dict[str, str] = {
    "until": "截止日期",
    "days": "延长的工作日数",
    "notice_on": "告知申请人的日期",
    "disposition": "办理结果",
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
    # Deferred: clock replays this module's events, so importing it at the top would be circular.
    from app.domain.clock import project

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
    _check_rules(received, history, new, policy, state)


def _check_dates(received: date, history: Sequence[CaseEvent], new: CaseEvent, today: date) -> None:
    """Facts happen between receipt and today, and are recorded in the order they happened. A calendar import is
    a system note, not a fact of the case: it neither sets nor obeys that order, so a backdated fact still fits."""
    for day in (new.on, new.notice_on):
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
    else:
        (required,) = allowed
        code, reason = _NOT_IN[required]
    return WrongState(code, f"{reason}，不能登记「{label}」。")


def _required(value: _T | None, field: str, event: EventType) -> _T:
    if value is None:
        raise InvalidInput(f"{field}_required", f"登记「{EVENT_TYPE_LABELS[event]}」须填写{_FIELD_LABELS[field]}。")
    return value


def _check_rules(
    received: date, history: Sequence[CaseEvent], new: CaseEvent, policy: DeadlinePolicy, state: Projection
) -> None:
    """The rules of each event beyond its status; `state` is the projection before `new`."""

    def happened(event: EventType) -> bool:
        return any(e.type is event for e in history)

    match new.type:
        case EventType.CORRECTION_REQUESTED:
            # Art. 30: once, listing everything, within 7 working days of receipt, with a reasonable period.
            until = _required(new.until, "until", new.type)
            if happened(EventType.CORRECTION_REQUESTED):
                raise WrongState(
                    "correction_already_requested",
                    "补正只能要求一次，且应一次性告知需要补正的全部内容（条例第三十条）。",
                )
            if new.on > state.correction_notice_due:
                raise InvalidInput(
                    "correction_too_late",
                    f"补正告知应在收到申请之日起7个工作日内发出，即不晚于{state.correction_notice_due}（条例第三十条）。",
                )
            if until <= new.on:
                raise InvalidInput("correction_period_invalid", "补正期限应晚于告知补正的日期。")
        case EventType.CORRECTION_LAPSED if state.pending_until is not None and new.on <= state.pending_until:
            # Art. 30: the applicant has the whole of the last day; the lapse is recorded after it.
            raise InvalidInput(
                "correction_period_not_over",
                f"补正期限至{state.pending_until}（含当日），期满后才能按逾期未补正办结（条例第三十条）。",
            )
        case EventType.EXTENSION_GRANTED:
            # Art. 33 ¶2: once, approved by the head of the disclosure office, the applicant told before the deadline.
            days = _required(new.days, "days", new.type)
            notice_on = _required(new.notice_on, "notice_on", new.type)
            if happened(EventType.EXTENSION_GRANTED):
                raise WrongState("extension_already_granted", "延期答复只能一次（条例第三十三条）。")
            if happened(EventType.REASONS_REQUESTED):
                raise WrongState("deadline_set_by_agency", "已按条例第三十五条另行确定答复期限，不能再延期。")
            limit = policy.max_extension_days(received)
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
        case EventType.FEE_NOTICE_SENT if state.due_date is not None and new.on > state.due_date:
            raise InvalidInput(
                "fee_notice_too_late", f"收费通知应在答复期限（{state.due_date}）内发出（国办函〔2020〕109号）。"
            )
        case EventType.FEE_PAID if state.pending_until is not None and new.on > state.pending_until:
            raise InvalidInput(
                "fee_paid_too_late",
                f"缴费期限已于{state.pending_until}届满，应登记逾期未缴费（国办函〔2020〕109号）。",
            )
        case EventType.FEE_LAPSED if state.pending_until is not None and new.on <= state.pending_until:
            raise InvalidInput(
                "fee_period_not_over",
                f"缴费期限至{state.pending_until}，期满前不能按逾期未缴费办结（国办函〔2020〕109号）。",
            )
        case EventType.REASONS_REQUESTED:
            # Art. 35: the agency may ask for reasons and set its own, later, reasonable deadline.
            until = _required(new.until, "until", new.type)
            if happened(EventType.REASONS_REQUESTED):
                raise WrongState("reasons_already_requested", "已按条例第三十五条另行确定过答复期限，不能再次确定。")
            if state.due_date is not None and until <= state.due_date:
                raise InvalidInput(
                    "agency_deadline_not_later",
                    f"另行确定的答复期限应晚于当前答复期限（{state.due_date}）（条例第三十五条）。",
                )
        case EventType.CONCLUDED:
            _required(new.disposition, "disposition", new.type)
        case EventType.REVIEW_DECIDED:
            filed = sum(e.type is EventType.REVIEW_FILED for e in history)
            decided = sum(e.type is EventType.REVIEW_DECIDED for e in history)
            if decided >= filed:
                raise WrongState("no_open_review", "该申请没有尚未审结的复议或诉讼。")


def check_review_decision(filed_on: date, current: ReviewOutcome, on: date, outcome: ReviewOutcome) -> None:
    """A review or lawsuit is decided once, with a real outcome, not before it was filed: the reviews table of the
    annual report counts each by its outcome on 31 December (国办公开办函〔2021〕30号 表五)."""
    if current is not ReviewOutcome.PENDING:
        raise WrongState("review_already_decided", "该复议或诉讼已有结果，不能重复记录。")
    if outcome is ReviewOutcome.PENDING:
        raise InvalidInput("review_outcome_pending", "请记录复议或诉讼的结果（维持、纠正或其他）。")
    if on < filed_on:
        raise InvalidInput("review_decided_before_filed", "审结日期不能早于立案日期。")
