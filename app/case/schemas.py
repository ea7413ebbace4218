"""API shapes of a case. The service takes these as its input; the rules behind them live in ``app.domain``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

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

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptText = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=300)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Applicant(Strict):
    type: ApplicantType
    name: Text200
    id_type: OptText = Field(None, description="证件类型, e.g. 居民身份证, 统一社会信用代码")
    id_number: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=64)] = None
    phone: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=50)] = None
    email: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=200)] = None
    address: OptText = None


class ReceiptFactsIn(Strict):
    """The facts that fix the legal receipt date (条例 Art. 31); which one counts depends on the channel."""

    submitted_on: date | None = Field(None, description="in_person: the day of submission")
    signed_on: date | None = Field(None, description="post: the day the agency signed for it")
    confirmed_on: date | None = Field(
        None, description="letter, online, email, fax: the day receipt was confirmed with the applicant"
    )


class RequestIn(Strict):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10000)]
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

    agency: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    external_ref: Annotated[str | None, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)] = None
    applicant: Applicant
    channel: Channel
    receipt: ReceiptFactsIn
    request: RequestIn
    handler: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=100)] = None


class CodeLabel(BaseModel):
    code: str
    label: str


class Deadline(BaseModel):
    start: date = Field(description="The (deemed) receipt or restart day; counting starts the working day after")
    due_date: date | None = Field(description="The agency's deadline (its commitment, default 15 working days)")
    statutory_due_date: date | None = Field(description="The statutory deadline (条例 Art. 33: 20 working days)")
    correction_notice_due: date = Field(
        description="Last day to send a correction notice (条例 Art. 30: 7 working days)"
    )
    working_days_left: int | None = Field(description="Working days to the agency deadline; negative when overdue")
    paused: bool
    pending_until: date | None = Field(description="When the open wait (correction, consultation, fee) lapses")
    overdue: bool
    statutory_overdue: bool = Field(description="Past the statutory deadline: a breach of the regulation")
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
    handler: str | None
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
    total: int
    page: int
    page_size: int


# --- procedural steps: one body per endpoint ------------------------------------------------------------------------


class Step(Strict):
    on: date = Field(
        description="The legal date of the step (in the agency's time zone); not before receipt, not future"
    )
    note: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=2000)] = None

    def to_event(self, event_type: EventType) -> tuple[CaseEvent, dict[str, Any]]:
        """The fact the rules judge, and the rest of the body kept on the timeline as it was given."""
        fields = self.model_dump(exclude_none=True)
        on = fields.pop("on")
        clock = {key: fields.pop(key) for key in CLOCK_FIELDS if key in fields}
        return CaseEvent(type=event_type, on=on, **clock), fields


CLOCK_FIELDS = ("days", "until", "notice_on")


class CorrectionRequest(Step):
    until: date = Field(description="The date by which the applicant must supply the correction (a reasonable period)")
    items: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)] = Field(
        description="Everything that must be corrected, listed once (条例 Art. 30)"
    )


class ConsultationStart(Step):
    party: ConsultationParty
    addressee: Text200


class ExtensionGrant(Step):
    days: int = Field(ge=1, le=20, description="Working days added (at most 20, 条例 Art. 33 ¶2)")
    approver: Text200 = Field(description="The head of the disclosure office who approved it")
    notice_on: date = Field(description="The day the applicant was notified; must be before the deadline")
    reason: OptText = None


class FeeNotice(Step):
    amount: int = Field(ge=1, description="Amount in yuan (国办函〔2020〕109号)")
    basis: Annotated[str | None, StringConstraints(max_length=200)] = None


class FeePayment(Step):
    amount: int = Field(ge=0)


class ReasonsRequest(Step):
    until: date = Field(description="The agency's own later deadline (条例 Art. 35)")


class Conclusion(Step):
    disposition: str = Field(
        description="A disposition code from GET /meta/codes, e.g. `withheld.third_party_rights`",
        examples=["disclosed", "withheld.third_party_rights"],
    )
    delivery: DeliveryMethod | None = None
    document_number: Annotated[str | None, StringConstraints(max_length=100)] = Field(
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
    note: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=2000)] = None


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
    EventType.CORRECTION_RECEIVED: StepKind("correction", Step, "收到补正材料：答复期限重新计算 (Art. 30)"),
    EventType.CORRECTION_LAPSED: StepKind("correction-lapse", Step, "逾期不补正：按 other.correction_lapsed 办结"),
    EventType.CONSULTATION_STARTED: StepKind(
        "consultation", ConsultationStart, "发出征求意见书：期限暂停 (Art. 32–34)"
    ),
    EventType.CONSULTATION_ENDED: StepKind("consultation-reply", Step, "收到意见或征求期满：期限恢复 (Art. 32–34)"),
    EventType.EXTENSION_GRANTED: StepKind("extension", ExtensionGrant, "延期答复 (Art. 33 ¶2)"),
    EventType.FEE_NOTICE_SENT: StepKind("fee-notice", FeeNotice, "发出收费通知 (国办函〔2020〕109号)"),
    EventType.FEE_PAID: StepKind("fee-payment", FeePayment, "申请人缴费"),
    EventType.FEE_LAPSED: StepKind("fee-lapse", Step, "逾期未缴费：按 other.fee_unpaid 办结"),
    EventType.REASONS_REQUESTED: StepKind("reasons-request", ReasonsRequest, "要求说明理由并另定期限 (Art. 35)"),
    EventType.WITHDRAWN: StepKind("withdrawal", Step, "申请人撤回申请：按 other.other 办结"),
    EventType.CONCLUDED: StepKind("conclusion", Conclusion, "作出答复并办结 (Art. 36–39)"),
}
"""The steps a clerk or an outside system records, each with its own endpoint ``POST /cases/{id}/<path>``."""
