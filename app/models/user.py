from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
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
    is_active: Mapped[bool] = mapped_column(default=True)
    is_system_admin: Mapped[bool] = mapped_column(default=False)
    """Holds the system permissions (the national calendar); set only on the server (``gongkai user system-admin``)."""
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Set by an administrator's reset: the temporary password must be replaced at the next sign-in."""
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


class LoginThrottle(Base):
    """Refused and pending sign-ins counted per key: an address (``address:…``), an account tried from one address
    (``pair:…``) or an account from everywhere (``account:…``), for unknown user names alike (the answer must not
    tell them apart). Updated by single conditional statements in a unit of work of its own (``app.auth.service``),
    so that parallel guesses cannot all slip under a limit; rows whose window has passed are pruned."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int]
    window_start: Mapped[datetime] = mapped_column(index=True)
    next_at: Mapped[datetime | None]
    """For an account over its limit: the earliest time of its next attempt (slowed down, not locked)."""
