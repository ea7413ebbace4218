from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.roles import Role
from app.models.base import Base, enum_check


class AppUser(Base):
    """A person who signs in to the web client. Only an argon2 hash of the password is stored."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.agency_id"
    )


class Membership(Base):
    """A user's role in one agency."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "agency_id"),
        CheckConstraint(enum_check("role", Role), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[AppUser] = relationship(back_populates="memberships")


class UserSession(Base):
    """A signed-in browser. The cookie holds a random id; only its SHA-256 is stored. The CSRF token is tied to it."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    user: Mapped[AppUser] = relationship()


class FailedLogin(Base):
    """A refused sign-in from one client address: counted to slow down guessing across many accounts (the
    per-account lock-out stops guessing one password). Rows older than the counting window are pruned."""

    __tablename__ = "failed_login"
    __table_args__ = (Index("ix_failed_login_client_at", "client", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
