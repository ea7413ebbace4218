"""API shapes of templates, letter settings, letters, the case file and deliveries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.domain.casefile import DEFAULT_RECEIPT_OVERDUE_DAYS, Carrier, ServiceMethod
from app.domain.letters import AgencyLevel, Fact, LetterKind
from app.inputs import LINE, LINES, Input

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), LINE]
OptLine = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=300), LINE]


class TemplateKindRead(BaseModel):
    kind: str
    label: str
    variables: dict[str, str] = Field(description="Every variable a template of this kind may use, and what it holds")


class TemplateRead(BaseModel):
    kind: str
    label: str
    custom: bool = Field(description="The agency's own template (else the default shipped with gongkai)")
    filename: str
    sha256: str
    uploaded_by: str | None
    uploaded_at: datetime | None


class LetterProfileBody(Input):
    level: AgencyLevel = Field(
        description="Where the agency sits; fixes its review body in law (行政复议法 2023 Art. 24–28)"
    )
    review_body: Name = Field(description="The review body named in the remedy clause, e.g. 「某市人民政府」")
    court: OptLine = Field(None, description="The court named for 行政诉讼; empty: 「有管辖权的人民法院」")
    number_prefix: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), LINE] = Field(
        description="机关代字 of the 文号, e.g. 「某自然资信公开」"
    )
    number_patterns: dict[str, Annotated[str, StringConstraints(min_length=1, max_length=100), LINE]] = Field(
        default_factory=dict,
        description="Per letter kind the 文号 pattern with {prefix}, {year}, {seq}; default "
        "`{prefix}复〔{year}〕{seq}号` with the kind's own 代字 (收 补 延 征 征告 费 理 迟 复); two kinds may not "
        "share a pattern",
    )
    address: OptLine = None
    phone: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=50), LINE] = None
    payment_instructions: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=2000), LINES] = (
        Field(None, description="How fees are paid (printed on the 收费通知书)")
    )
    receipt_overdue_days: int = Field(
        DEFAULT_RECEIPT_OVERDUE_DAYS,
        ge=1,
        le=60,
        description="Working days after which an unconfirmed delivery is listed",
    )

    @field_validator("number_patterns")
    @classmethod
    def _kinds(cls, value: dict[str, str]) -> dict[str, str]:
        allowed = {k.value for k in LetterKind}
        unknown = set(value) - allowed
        if unknown:
            raise ValueError(f"未知的文书种类：{'、'.join(sorted(unknown))}。")
        return value


class LetterProfileRead(LetterProfileBody):
    model_config = ConfigDict(extra="ignore")
    review_body: str


FactText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), LINES]


class LetterCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "correction_notice"},
                {"kind": "reply", "facts": {"reasons": "该信息涉及第三方商业秘密，第三方不同意公开。"}},
                {"kind": "reply", "facts": {"how_provided": "电子邮件发送至申请人预留邮箱，附件1份"}},
            ]
        },
    )

    kind: LetterKind
    facts: dict[Fact, FactText] = Field(
        default_factory=dict,
        description="What a decision letter states beyond the case record (where published, how provided, what was "
        "redacted and why, the search made, the competent agency, the earlier reply's number, reasons); a reply "
        "refuses to be generated without the facts its disposition needs (422 `letter_facts_missing`)",
    )
    reasons_until: date | None = Field(None, description="reasons_notice: the day by which to state reasons (Art. 35)")
    step: int | None = Field(
        None,
        ge=1,
        description="The timeline seq of the step the letter reports (e.g. one of several consultations); default: "
        "the latest step of its kind",
    )


class DeliveryCreate(Input):
    method: ServiceMethod
    sent_on: date = Field(description="The day it was handed over (direct, electronic) or posted (交邮之日)")
    received_on: date | None = Field(None, description="The day the recipient received or signed for it")
    carrier: Carrier | None = Field(None, description="post: china_post or ems (国办公开办函〔2016〕235号)")
    consent: bool = Field(False, description="electronic: the applicant consented to electronic delivery")
    tracking_number: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=64), LINE] = None
    proof_document_id: int | None = Field(None, description="An uploaded file of this case: 送达回证, EMS record, log")
    note: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=2000), LINES] = None


class ReceiptCreate(Input):
    received_on: date


class DeliveryRead(BaseModel):
    id: int
    method: ServiceMethod
    carrier: Carrier | None
    consent: bool
    sent_on: date
    received_on: date | None
    tracking_number: str | None
    proof_document_id: int | None
    note: str | None
    recorded_by: str
    recorded_at: datetime


class DocumentRead(BaseModel):
    id: int
    case_id: int
    kind: str
    kind_label: str
    origin: str = Field(description="`generated` (a letter) or `uploaded`")
    title: str
    filename: str = Field(description="Hidden for a personal document unless you hold case.read_personal")
    media_type: str
    size: int
    sha256: str
    personal: bool
    pdf: bool = Field(description="A PDF rendering is available (`GET /documents/{id}/content?format=pdf`)")
    number: str | None = Field(description="The letter's 文号")
    letter_date: date | None
    addressee: str | None
    disposition: str | None
    remedy: str | None = Field(description="The remedy clause printed in the letter, if any")
    template_sha256: str | None
    step_seq: int | None = Field(description="A letter: the timeline seq of the step it reports")
    created_by: str
    created_at: datetime
    content_url: str
    deliveries: list[DeliveryRead]


class UnreceivedRead(BaseModel):
    document_id: int | None = Field(
        description="The generated letter; null for a step whose letter was typed elsewhere"
    )
    case_id: int
    case_number: str
    agency: str
    kind: str
    title: str
    number: str | None
    letter_date: date
    step_seq: int | None = Field(description="The timeline step the letter reports")
    sent: bool = Field(description="False: no delivery recorded at all (counted from the letter's date)")
    since: date
    record_by: date = Field(description="The day by which the receipt should have been recorded")
    working_days: int = Field(description="Working days since it was sent")


class TimelineEntryRead(BaseModel):
    """A step of the case, or a document of its file, in the order they happened."""

    type: Literal["step", "document"]
    on: date = Field(description="A step's legal date; a letter's date; an upload's day (agency time zone)")
    label: str
    actor: str
    recorded_at: datetime
    seq: int | None = Field(description="step: its timeline number")
    event_type: str | None = Field(description="step: its type, as in `GET /cases/{id}`")
    data: dict[str, Any] | None = Field(description="step: its recorded facts")
    document_id: int | None = Field(description="document: its id (`GET /documents/{id}`)")
    kind: str | None = Field(description="document: its kind")
    origin: str | None = Field(description="document: `generated` or `uploaded`")
    number: str | None = Field(description="document: a letter's 文号")
    step_seq: int | None = Field(description="document: the step a letter reports")
    filename: str | None = Field(description="document: hidden for a personal file without case.read_personal")
    content_url: str | None
