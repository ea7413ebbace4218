from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.case.service import DateChange
from app.inputs import LINE, Line


class Policy(BaseModel):
    """An agency's deadline commitments (within 条例 Art. 33: at most 20 working days, extension at most 20)."""

    reply_days: int = Field(15, ge=1, le=20, description="The agency's reply period in working days")
    extension_limit: int | None = Field(None, ge=0, le=20, description="Longest extension; null = the statutory one")


class AgencyCreate(Policy):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), LINE]
    parent: Line = Field(description="The parent agency's code: an administrator creates agencies under their own")


class AgencyRead(Policy):
    code: str
    name: str
    parent: str | None


class PolicyChange(BaseModel):
    agency: AgencyRead
    changed_cases: list[DateChange]
