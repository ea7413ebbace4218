from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Agency(Base):
    """An administrative organ (机关). Its deadline policy is data: the law sets maxima, the agency its commitment."""

    __tablename__ = "agency"
    __table_args__ = (
        CheckConstraint("reply_days BETWEEN 1 AND 20", name="reply_days"),
        CheckConstraint("extension_limit IS NULL OR extension_limit BETWEEN 0 AND 20", name="extension_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    reply_days: Mapped[int] = mapped_column(Integer, default=15)
    extension_limit: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class CaseCounter(Base):
    """The last case number issued per agency and year; locked by the creating transaction so numbers have no gaps."""

    __tablename__ = "case_counter"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
