from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class CalendarYear(Base):
    """One year's arrangement as published by the State Council General Office (《…部分节假日安排的通知》)."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(index=True)
    imported_at: Mapped[datetime]
    imported_by: Mapped[str] = mapped_column(String(200))


class CalendarDay(Base):
    """An exception to Monday-to-Friday: an official holiday, or a weekend day made a working day (调休上班)."""

    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'makeup_workday')", name="kind"),)

    day: Mapped[date] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_year.year", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), default="")
