from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.domain.roles import Role
from app.inputs import LINE, Input


class MembershipIn(Input):
    agency: Annotated[str, StringConstraints(min_length=1, max_length=32), LINE]
    role: Role


class RoleIn(Input):
    role: Role


class UserCreate(Input):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), LINE] = Field(
        examples=["zhangsan"]
    )
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), LINE] = Field(
        examples=["张三"]
    )
    password: Annotated[str, StringConstraints(max_length=200)] = Field(
        description="At least 10 characters of at least two kinds (letters, digits, others), without the username"
    )
    memberships: list[MembershipIn] = Field(min_length=1, description="The user's role in each agency")


class PasswordChange(Input):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    new_password: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="At least 10 characters of at least two kinds (letters, digits, others), without the username"
    )


class PasswordReset(BaseModel):
    user_id: int
    username: str
    temporary_password: str = Field(
        description="Shown only this once; the user must replace it at the next sign-in (`must_change_password`)"
    )
