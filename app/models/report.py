"""The annual report's own records: the hand-entered 主动公开 table, published snapshots and the changes forced
through after publication; and the indexes the report's counting queries need (``app.report.repository``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.case import CaseEvent, DisclosureCase


class ActiveDisclosure(Base):
    """「主动公开政府信息情况」 of one agency and year, as entered (validated by
    ``statistics.validate_active_disclosure``; amounts kept as decimal strings)."""

    __tablename__ = "active_disclosure"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int]
    format: Mapped[str] = mapped_column(String(4))
    values: Mapped[dict[str, Any]]
    entered_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class ReportSnapshot(Base):
    """An agency's annual report as published: the JSON contract frozen. Its existence locks the year's cells."""

    __tablename__ = "report_snapshot"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int]
    format: Mapped[str] = mapped_column(String(4))
    content: Mapped[dict[str, Any]]
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime]

    changes: Mapped[list[ReportSnapshotChange]] = relationship(
        back_populates="snapshot", order_by="ReportSnapshotChange.id", cascade="all, delete-orphan"
    )


class ReportSnapshotChange(Base):
    """A change to a case that alters a published cell, forced through by an administrator with a reason."""

    __tablename__ = "report_snapshot_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("report_snapshot.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disclosure_case.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(48))
    reason: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]

    snapshot: Mapped[ReportSnapshot] = relationship(back_populates="changes")


CONCLUDED_BEFORE_RECEIVED = "concluded_on < received_date"
DISPOSITION_MISMATCH = "(concluded_on IS NULL) <> (disposition IS NULL)"
"""The data faults on cases (``app.domain.report_integrity.DataFault``), as partial-index predicates: the queries
repeat them verbatim, so that both databases find the (normally empty) faults without scanning."""

REPORT_INDEXES = (
    # 三 and the carry-over rows are counted from one index-only range scan over concluded_on.
    Index(
        "ix_disclosure_case_report_concluded",
        DisclosureCase.agency_id,
        DisclosureCase.concluded_on,
        DisclosureCase.received_date,
        DisclosureCase.applicant_type,
        DisclosureCase.disposition,
    ),
    Index(
        "ix_disclosure_case_concluded_before_received",
        DisclosureCase.agency_id,
        DisclosureCase.received_date,
        sqlite_where=text(CONCLUDED_BEFORE_RECEIVED),
        postgresql_where=text(CONCLUDED_BEFORE_RECEIVED),
    ),
    Index(
        "ix_disclosure_case_disposition_mismatch",
        DisclosureCase.agency_id,
        DisclosureCase.received_date,
        sqlite_where=text(DISPOSITION_MISMATCH),
        postgresql_where=text(DISPOSITION_MISMATCH),
    ),
    Index("ix_case_event_type_on", CaseEvent.type, CaseEvent.on),
)
