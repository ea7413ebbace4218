from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.auth.service import MAX_TOKEN_DAYS
from app.domain.roles import Role
from app.inputs import LINE, Input


class LoginIn(Input):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), LINE]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class MembershipRead(BaseModel):
    agency: str
    agency_name: str
    role: Role


class UserRead(BaseModel):
    id: int
    username: str
    display_name: str
    is_active: bool
    system_admin: bool = Field(description="A system administrator: may change what every agency shares (the calendar)")
    created_at: datetime
    memberships: list[MembershipRead]


class MeRead(BaseModel):
    actor: str = Field(description="How your actions are recorded, e.g. `user:zhangsan` or `token:oa-prod#3`")
    user: UserRead | None = Field(description="The signed-in user; null for a bearer token")
    memberships: list[MembershipRead]
    csrf_token: str | None = Field(
        description="Send it as `X-CSRF-Token` on every POST/PUT/PATCH/DELETE made with the session cookie"
    )


class TokenCreate(Input):
    agency: Annotated[str, StringConstraints(min_length=1, max_length=32), LINE]
    role: Role
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), LINE] = Field(
        examples=["oa-prod"]
    )
    expires_days: int | None = Field(
        None, ge=1, le=MAX_TOKEN_DAYS, strict=True, description="Days until it expires (default: never)"
    )


class TokenRead(BaseModel):
    id: int
    agency: str
    role: Role
    name: str
    created_at: datetime
    created_by: str | None
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    rotated_from_id: int | None
    grace_until: datetime | None = Field(description="After a rotation: when this token stops working")


class TokenIssued(TokenRead):
    token: str = Field(description="The bearer token. Shown only this once; only its hash is stored.")
