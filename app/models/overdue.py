from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class OverdueRun(Base):
    """One production of the nightly overdue report. The unique key (as_of, scope, due_within) is the claim that
    makes a second run for the same day, or a second server's cron, deliver nothing (see ``app.overdue.service``)."""

    __tablename__ = "overdue_run"
    __table_args__ = (
        UniqueConstraint("as_of", "scope", "due_within"),
        CheckConstraint("status IN ('running', 'delivered', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date]
    scope: Mapped[str] = mapped_column(String(32))
    """An agency code, or ``*`` for every agency."""
    due_within: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    item_count: Mapped[int] = mapped_column(default=0)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(String(500))
    started_by: Mapped[str] = mapped_column(String(200))
