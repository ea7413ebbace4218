from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.roles import Role
from app.models.base import Base, enum_check


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once, when created."""

    __tablename__ = "api_token"
    __table_args__ = (CheckConstraint(enum_check("role", Role), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(200))
    rotated_from_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"))
    grace_until: Mapped[datetime | None]
    """Set when the token is rotated: it keeps working until then, so that its users can switch without downtime."""
