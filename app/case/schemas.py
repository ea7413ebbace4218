"""API shapes of a case. The service takes these as its input; the rules behind them live in ``app.domain``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.domain.codes import (
    ApplicantType,
    Channel,
    ConsultationParty,
    DeliveryMethod,
    RequestForm,
    ReviewKind,
    ReviewOutcome,
    parse_disposition,
)
from app.domain.lifecycle import CaseEvent, CaseStatus, EventType
from app.inputs import LINE, LINES

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), LINE]
OptText = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=300), LINE]
Note = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=2000), LINES]

MAX_FEE_YUAN = 1_000_000
"""A fee above a million yuan is a typing error (the fees of 国办函〔2020〕109号 are counted per piece and page): the
bound keeps every total within the database's integers."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Applicant(Strict):
    type: ApplicantType
    name: Text200
    id_type: OptText = Field(None, description="证件类型, e.g. 居民身份证, 统一社会信用代码")
    id_number: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=64), LINE] = None
    phone: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=50), LINE] = None
    email: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=200), LINE] = None
    address: OptText = None


class ReceiptFactsIn(Strict):
    """The facts that fix the legal receipt date (条例 Art. 31); which one counts depends on the channel."""

    submitted_on: date | None = Field(None, description="in_person: the day of submission")
    signed_on: date | None = Field(None, description="post: the day the agency signed for it")
    confirmed_on: date | None = Field(
        None, description="letter, online, email, fax: the day receipt was confirmed with the applicant"
    )


class RequestIn(Strict):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10000), LINES]
    form: RequestForm | None = None
    delivery: DeliveryMethod | None = None


class CaseCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "agency": "nrb",
                    "external_ref": "OA-2026-000123",
                    "applicant": {"type": "natural_person", "name": "张三", "phone": "13800000000"},
                    "channel": "online",
                    "receipt": {"confirmed_on": "2026-03-02"},
                    "request": {
                        "description": "2025年某地块土地征收批复文件",
                        "form": "electronic",
                        "delivery": "email",
                    },
                }
            ]
        },
    )

    agency: Annotated[str, StringConstraints(min_length=1, max_length=32), LINE]
    external_ref: Annotated[
        str | None, StringConstraints(strip_whitespace=True, min_length=1, max_length=128), LINE
    ] = None
    applicant: Applicant
    channel: Channel
    receipt: ReceiptFactsIn
    request: RequestIn
    handler: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=100), LINE] = None


class CodeLabel(BaseModel):
    code: str
    label: str


class Deadline(BaseModel):
    start: date = Field(description="The (deemed) receipt or restart day; counting starts the working day after")
    due_date: date | None = Field(description="The agency's deadline (its commitment, default 15 working days)")
    statutory_due_date: date | None = Field(description="The statutory deadline (条例 Art. 33: 20 working days)")
    correction_notice_due: date | None = Field(
        description="Last day to send a correction notice (条例 Art. 30: 7 working days; none before 2019-05-15)"
    )
    correction_notice_late: bool = Field(
        False, description="The correction notice went out after the 7 working days: a procedural defect (Art. 30)"
    )
    undelivered_since: date | None = Field(
        None, description="The earliest open fee notice or consultation letter whose delivery is not recorded"
    )
    working_days_left: int | None = Field(description="Working days to the agency deadline; negative when overdue")
    paused: bool
    pending_until: date | None = Field(
        description="When the first open wait (correction, consultation, fee) lapses; none until its letter's "
        "delivery is recorded"
    )
    overdue: bool
    statutory_overdue: bool = Field(
        description="Past the statutory deadline: a breach of the regulation (until the case is concluded)"
    )
    statutory_breached_on: date | None = Field(
        None,
        description="A statutory deadline that had passed when a late correction notice was sent (条例 Art. 30, 33): "
        "the restart does not undo the breach",
    )
    provisional: bool = Field(description="Some date falls in a year whose holiday arrangement is not yet imported")
    calendar_version: int
    as_of: date


class EventRead(BaseModel):
    seq: int
    type: str
    label: str
    on: date
    data: dict[str, Any]
    actor: str
    recorded_at: datetime


class ReviewRead(BaseModel):
    id: int
    kind: ReviewKind
    filed_on: date
    outcome: ReviewOutcome
    decided_on: date | None


class ApplicantRead(BaseModel):
    type: ApplicantType
    type_label: str
    name: str
    id_type: str | None
    id_number: str | None
    phone: str | None
    email: str | None
    address: str | None


class CaseSummary(BaseModel):
    id: int
    number: str
    agency: str
    external_ref: str | None
    applicant_type: ApplicantType
    applicant_name: str
    channel: Channel
    received_date: date
    status: CaseStatus
    disposition: CodeLabel | None
    concluded_on: date | None
    handler: str | None = Field(description="The handler's name (an account's display name, or a name kept as text)")
    handler_username: str | None = Field(description="The handler's user account, when the case is assigned to one")
    deadline: Deadline


class CaseRead(CaseSummary):
    applicant: ApplicantRead
    receipt: ReceiptFactsIn
    request: RequestIn
    timeline: list[EventRead]
    reviews: list[ReviewRead]
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int | None = Field(description="Matching cases, counted up to 1,000; null on a page asked for with `cursor`")
    total_exact: bool = Field(description="False when there are more than `total` matching cases")
    page: int
    page_size: int
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


# --- procedural steps: one body per endpoint ------------------------------------------------------------------------


class Step(Strict):
    on: date = Field(
        description="The legal date of the step (in the agency's time zone); not before receipt, not future"
    )
    note: Note = None

    REF_FIELD: ClassVar[str | None] = None
    """The body field naming, by its timeline number, the letter the step refers to (the event's ``ref``)."""

    def to_event(self, event_type: EventType) -> tuple[CaseEvent, dict[str, Any]]:
        """The fact the rules judge, and the rest of the body kept on the timeline as it was given."""
        fields = self.model_dump(exclude_none=True)
        on = fields.pop("on")
        clock = {key: fields.pop(key) for key in CLOCK_FIELDS if key in fields}
        if self.REF_FIELD is not None and self.REF_FIELD in fields:
            clock["ref"] = fields.pop(self.REF_FIELD)
        return CaseEvent(type=event_type, on=on, **clock), fields


CLOCK_FIELDS = ("days", "until", "notice_on", "delivered_on")
DELIVERED_ON = Field(
    None,
    description="The day the other party received it (post receipt, signed 送达回证, or electronic confirmation); "
    "the period it has counts from the day after. Leave empty and record it later with POST /cases/{id}/delivery.",
)


class CorrectionRequest(Step):
    until: date = Field(description="The date by which the applicant must supply the correction (a reasonable period)")
    items: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), LINES] = Field(
        description="Everything that must be corrected, listed once (条例 Art. 30)"
    )


class CorrectionReceipt(Step):
    late_reason: Annotated[
        str | None, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), LINES
    ] = Field(
        None,
        description="The applicant's legitimate reason (正当理由) when the correction arrives after its period: "
        "required then (条例 Art. 30: without one the application is deemed abandoned)",
    )

    def to_event(self, event_type: EventType) -> tuple[CaseEvent, dict[str, Any]]:
        event, data = super().to_event(event_type)
        return replace(event, justified=self.late_reason is not None), data


class ConsultationStart(Step):
    """One letter to one third party or co-producing agency (条例 Art. 32, 34); several may be out at once."""

    party: ConsultationParty
    addressee: Text200
    delivered_on: date | None = DELIVERED_ON


class ConsultationReply(Step):
    """The answer to one consultation letter, or the end of waiting for it after its 15 working days."""

    REF_FIELD: ClassVar[str | None] = "consultation"
    consultation: int | None = Field(
        None, ge=1, description="The timeline number (seq) of the consultation letter; needed when several are open"
    )


class Delivery(Step):
    """The other party's receipt of a fee notice or consultation letter, recorded when the proof comes back; ``on``
    is the day it is recorded (the proof's return), ``delivered_on`` the day of receipt."""

    REF_FIELD: ClassVar[str | None] = "letter"
    delivered_on: date = Field(description="The day the applicant or consulted party received the letter")
    letter: int | None = Field(
        None, ge=1, description="The timeline number (seq) of the fee notice or letter; needed when several await it"
    )


class ExtensionGrant(Step):
    days: int = Field(ge=1, le=20, description="Working days added (at most 20, 条例 Art. 33 ¶2)")
    approver: Text200 = Field(description="The head of the disclosure office who approved it")
    notice_on: date = Field(description="The day the applicant was notified; must be before the deadline")
    reason: Note = None


class FeeNotice(Step):
    """Sent within the statutory reply period (国办函〔2020〕109号 第七条); the clock pauses from this day."""

    amount: int = Field(ge=1, le=MAX_FEE_YUAN, description="Amount in yuan (国办函〔2020〕109号)")
    basis: Annotated[str | None, StringConstraints(max_length=200), LINE] = None
    delivered_on: date | None = DELIVERED_ON


class FeePayment(Step):
    amount: int = Field(ge=0, le=MAX_FEE_YUAN)


class AgencyDeadline(Step):
    """Art. 35, second step: after asking for reasons, a reasonable later deadline, told to the applicant on ``on``;
    only while the Art. 33 period runs, and later than the statutory deadline it replaces."""

    until: date = Field(description="The later reply deadline the agency sets (条例 Art. 35)")


class Conclusion(Step):
    disposition: str = Field(
        description="A disposition code from GET /meta/codes, e.g. `withheld.third_party_rights`",
        examples=["disclosed", "withheld.third_party_rights"],
    )
    delivery: DeliveryMethod | None = None
    document_number: Annotated[str | None, StringConstraints(max_length=100), LINE] = Field(
        None, description="The reply's number, e.g. 「××公复〔2026〕12号」"
    )

    def to_event(self, event_type: EventType) -> tuple[CaseEvent, dict[str, Any]]:
        event, data = super().to_event(event_type)
        disposition = parse_disposition(data.pop("disposition"))
        return CaseEvent(type=event.type, on=event.on, disposition=disposition), data


class ReviewFiling(Strict):
    kind: ReviewKind
    filed_on: date
    outcome: ReviewOutcome = ReviewOutcome.PENDING
    note: Note = None


class ReviewDecision(Step):
    outcome: ReviewOutcome


class CalendarChangeRead(BaseModel):
    case_id: int
    number: str
    old: dict[str, date | None]
    new: dict[str, date | None]


@dataclass(frozen=True)
class StepKind:
    """One procedural step: its URL segment, the body it takes and what the clerk sees in the API docs."""

    path: str
    body: type[Step]
    summary: str


STEPS: dict[EventType, StepKind] = {
    EventType.CORRECTION_REQUESTED: StepKind("correction-request", CorrectionRequest, "发出补正告知书 (条例 Art. 30)"),
    EventType.CORRECTION_RECEIVED: StepKind(
        "correction", CorrectionReceipt, "收到补正材料：答复期限重新计算；逾期补正须登记正当理由 (Art. 30)"
    ),
    EventType.CORRECTION_LAPSED: StepKind("correction-lapse", Step, "逾期不补正：按 other.correction_lapsed 办结"),
    EventType.CONSULTATION_STARTED: StepKind(
        "consultation", ConsultationStart, "发出征求意见书：期限暂停 (Art. 32–34)"
    ),
    EventType.CONSULTATION_ENDED: StepKind(
        "consultation-reply", ConsultationReply, "收到意见或征求期满：该份征求意见结束 (Art. 32–34)"
    ),
    EventType.EXTENSION_GRANTED: StepKind("extension", ExtensionGrant, "延期答复 (Art. 33 ¶2)"),
    EventType.FEE_NOTICE_SENT: StepKind("fee-notice", FeeNotice, "发出收费通知 (国办函〔2020〕109号)"),
    EventType.FEE_PAID: StepKind("fee-payment", FeePayment, "申请人缴费"),
    EventType.FEE_LAPSED: StepKind("fee-lapse", Step, "逾期未缴费：按 other.fee_unpaid 办结"),
    EventType.DELIVERY_RECORDED: StepKind(
        "delivery", Delivery, "登记收费通知或征求意见书的送达日期 (109号 第七条, Art. 32)"
    ),
    EventType.REASONS_REQUESTED: StepKind("reasons-request", Step, "要求申请人说明理由 (Art. 35，第一步)"),
    EventType.AGENCY_DEADLINE_SET: StepKind(
        "agency-deadline", AgencyDeadline, "确定延迟答复的合理期限并告知申请人 (Art. 35，第二步)"
    ),
    EventType.EXCESSIVE_REFUSED: StepKind(
        "excessive-refusal", Step, "申请理由不合理，不予处理：按 not_processed.excessive 办结 (Art. 35，第二步)"
    ),
    EventType.WITHDRAWN: StepKind("withdrawal", Step, "申请人撤回申请：按 other.other 办结"),
    EventType.CONCLUDED: StepKind("conclusion", Conclusion, "作出答复并办结 (Art. 36–39)"),
}
"""The steps a clerk or an outside system records, each with its own endpoint ``POST /cases/{id}/<path>``."""


class HandlerAssign(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64), LINE] | None = Field(
        description="A user account of the case's agency; null to leave the case unassigned", examples=["zhangsan"]
    )
