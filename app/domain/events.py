"""The vocabulary of a case's timeline: its events, its statuses and which events conclude it.

Both the clock (``app.domain.clock``, which replays the events into due dates) and the lifecycle
(``app.domain.lifecycle``, which decides which event may follow which) speak it, so it lives here, below both: the
lifecycle imports the clock, the clock imports only this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.codes import Disposition


class EventType(StrEnum):
    RECEIVED = "received"
    CORRECTION_REQUESTED = "correction_requested"  # Art. 30: until = the day the applicant must supply it by
    CORRECTION_RECEIVED = "correction_received"  # Art. 30: the reply clock restarts from this day
    CORRECTION_LAPSED = "correction_lapsed"  # Art. 30: concludes as other.correction_lapsed
    CONSULTATION_STARTED = "consultation_started"  # Art. 32-34: one letter; the clock pauses from the day it goes out
    CONSULTATION_ENDED = "consultation_ended"  # ref = the letter answered (or given up after its lapse)
    EXTENSION_GRANTED = "extension_granted"  # Art. 33: days = working days added; notice_on = day applicant was told
    FEE_NOTICE_SENT = "fee_notice_sent"  # 国办函〔2020〕109号 第七条; delivered_on = the applicant's receipt, if known
    FEE_PAID = "fee_paid"
    FEE_LAPSED = "fee_lapsed"  # concludes as other.fee_unpaid
    DELIVERY_RECORDED = "delivery_recorded"  # 送达: ref = the fee notice or consultation letter, delivered_on
    REASONS_REQUESTED = "reasons_requested"  # Art. 35, first step: the agency asks the applicant for reasons
    AGENCY_DEADLINE_SET = "agency_deadline_set"  # Art. 35, second step: until = the reasonable later deadline
    EXCESSIVE_REFUSED = "excessive_refused"  # Art. 35, second step: 不予处理, concludes as not_processed.excessive
    WITHDRAWN = "withdrawn"  # concludes as other.other
    CONCLUDED = "concluded"  # disposition; on = reply date
    REVIEW_FILED = "review_filed"  # administrative review or lawsuit after conclusion
    REVIEW_DECIDED = "review_decided"
    DEADLINES_RECOMPUTED = "deadlines_recomputed"  # system: a calendar, policy or rule change moved the dates


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
    EventType.DELIVERY_RECORDED: "登记送达日期",
    EventType.REASONS_REQUESTED: "要求申请人说明理由（第三十五条）",
    EventType.AGENCY_DEADLINE_SET: "确定延迟答复的合理期限（第三十五条）",
    EventType.EXCESSIVE_REFUSED: "申请理由不合理，不予处理（第三十五条）",
    EventType.WITHDRAWN: "申请人撤回申请",
    EventType.CONCLUDED: "办结答复",
    EventType.REVIEW_FILED: "申请人提起复议或诉讼",
    EventType.REVIEW_DECIDED: "复议或诉讼结果",
    EventType.DEADLINES_RECOMPUTED: "期限重新计算（节假日安排、本机关期限政策或计算规则调整）",
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
    """One fact of the timeline. ``seq`` is its number in the timeline (1 = the receipt); ``ref`` names, by that
    number, the letter an answer or a delivery belongs to. Without ``seq`` an event is numbered by its position."""

    type: EventType
    on: date
    days: int | None = None
    until: date | None = None
    notice_on: date | None = None
    disposition: Disposition | None = None
    delivered_on: date | None = None
    ref: int | None = None
    seq: int | None = None
    justified: bool = False  # a correction after its period: the applicant's legitimate reason is recorded (Art. 30)


CONCLUDES_AS: dict[EventType, Disposition] = {
    EventType.CORRECTION_LAPSED: Disposition.OTHER_CORRECTION_LAPSED,  # Art. 30
    EventType.FEE_LAPSED: Disposition.OTHER_FEE_UNPAID,  # 国办函〔2020〕109号
    EventType.EXCESSIVE_REFUSED: Disposition.NOT_PROCESSED_EXCESSIVE,  # Art. 35
    EventType.WITHDRAWN: Disposition.OTHER_OTHER,
}
"""Events that conclude a case with a fixed disposition; CONCLUDED carries its own."""

CONCLUDING_EVENTS = frozenset({EventType.CONCLUDED, *CONCLUDES_AS})

UNCONCLUDED = frozenset(set(CaseStatus) - {CaseStatus.CONCLUDED})
CLOCK_RUNNING = frozenset({CaseStatus.OPEN, CaseStatus.IN_CONSULTATION, CaseStatus.AWAITING_FEE})
"""Statuses with a due date that can pass: not concluded, and not stopped for a correction (Art. 30)."""
