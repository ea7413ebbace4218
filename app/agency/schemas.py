from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.case.service import DateChange
from app.inputs import LINE, Input, Line

ReplyDays = Annotated[int, Field(ge=1, le=20, strict=True, description="The agency's reply period in working days")]


class Policy(Input):
    """An agency's deadline commitments (within 条例 Art. 33: at most 20 working days, extension at most 20). A PUT
    replaces both: ``reply_days`` must be given (an empty body is refused, not read as the defaults); an omitted
    ``extension_limit`` is the statutory one."""

    reply_days: ReplyDays
    extension_limit: int | None = Field(
        None, ge=0, le=20, strict=True, description="Longest extension; null = the statutory one"
    )


class AgencyCreate(Policy):
    reply_days: ReplyDays = 15
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
