"""API shapes of templates, letter settings, letters, the case file and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.domain.casefile import DEFAULT_RECEIPT_OVERDUE_DAYS
from app.domain.letters import AgencyLevel, LetterKind

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptLine = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=300)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class LetterProfileBody(Strict):
    level: AgencyLevel = Field(
        description="Where the agency sits; fixes its review body in law (行政复议法 2023 Art. 24–28)"
    )
    review_body: Line = Field(description="The review body named in the remedy clause, e.g. 「某市人民政府」")
    court: OptLine = Field(None, description="The court named for 行政诉讼; empty: 「有管辖权的人民法院」")
    number_prefix: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        description="机关代字 of the 文号, e.g. 「某自然资信公开」"
    )
    number_patterns: dict[str, Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=dict,
        description="Per letter kind (or `*` for all) the 文号 pattern with {prefix}, {year}, {seq}; default "
        "`{prefix}〔{year}〕{seq}号`",
    )
    address: OptLine = None
    phone: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=50)] = None
    payment_instructions: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=2000)] = Field(
        None, description="How fees are paid (printed on the 收费通知书)"
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
        allowed = {k.value for k in LetterKind} | {"*"}
        unknown = set(value) - allowed
        if unknown:
            raise ValueError(f"unknown letter kinds: {', '.join(sorted(unknown))}")
        return value


class LetterProfileRead(LetterProfileBody):
    model_config = ConfigDict(extra="ignore")
    review_body: str
