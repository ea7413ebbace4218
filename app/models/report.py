"""The annual report's own records: the hand-entered 主动公开 table, published snapshots and the changes forced
through after publication; and the indexes the report's counting queries need (``app.report.repository``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.case import CaseEvent, CaseReview, DisclosureCase


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


class AnnualReportText(Base):
    """The agency's own passages of its annual report for one year (``annual_document.TEXT_FIELDS`` key → text):
    what only people know (the work done, problems, improvements). Locked once the year is published."""

    __tablename__ = "annual_report_text"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int]
    texts: Mapped[dict[str, Any]]
    updated_by: Mapped[str] = mapped_column(String(200))
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
CASE_FAULT = f"({CONCLUDED_BEFORE_RECEIVED}) OR ({DISPOSITION_MISMATCH})"
REVIEW_DECIDED_BEFORE_FILED = "decided_on < filed_on"
REVIEW_DECIDED_WITHOUT_DATE = "outcome <> 'pending' AND decided_on IS NULL"
REVIEW_FAULT = f"({REVIEW_DECIDED_BEFORE_FILED}) OR ({REVIEW_DECIDED_WITHOUT_DATE})"
"""The data faults (``app.domain.report_integrity.DataFault``) as SQL. ``CASE_FAULT`` and ``REVIEW_FAULT`` are the
predicates of partial indexes that hold only faulty rows (normally none): the queries repeat them verbatim, and with no
other sargable term beside the agency, so that both planners probe the (normally empty) index instead of scanning the
agency's cases. The parts say which fault a row has.

Why not CHECK constraints: the application already refuses such records (events dated before receipt, a conclusion
without a disposition, a decision before filing), but rows written outside it (legacy data loaded by SQL, manual fixes)
must be reported with the cases at fault rather than block a migration or an import."""

REPORT_INDEXES = (
    # 三 and the carry-over rows are counted from index-only range scans over concluded_on (open cases: NULL).
    Index(
        "ix_disclosure_case_report_concluded",
        DisclosureCase.agency_id,
        DisclosureCase.concluded_on,
        DisclosureCase.received_date,
        DisclosureCase.applicant_type,
        DisclosureCase.disposition,
    ),
    # The faulty cases only (normally none, so its width costs nothing), covering for the counting query's last slice
    # and for the fault listing: offered a covering index or an index-only scan elsewhere, the planners (PostgreSQL
    # after VACUUM, SQLite without statistics) would otherwise rather read every case of the agency.
    Index(
        "ix_disclosure_case_report_fault",
        DisclosureCase.agency_id,
        DisclosureCase.concluded_on,
        DisclosureCase.received_date,
        DisclosureCase.applicant_type,
        DisclosureCase.disposition,
        DisclosureCase.id,
        DisclosureCase.number,
        sqlite_where=text(CASE_FAULT),
        postgresql_where=text(CASE_FAULT),
    ),
    Index(
        "ix_case_review_report_fault",
        CaseReview.case_id,
        CaseReview.filed_on,
        CaseReview.outcome,
        CaseReview.decided_on,
        sqlite_where=text(REVIEW_FAULT),
        postgresql_where=text(REVIEW_FAULT),
    ),
    # The reviews table: one index-only range over (agency, filed_on) per agency, without reading the cases (the
    # review's agency is copied from its case when filed).
    Index(
        "ix_case_review_report",
        CaseReview.agency_id,
        CaseReview.filed_on,
        CaseReview.kind,
        CaseReview.outcome,
        CaseReview.decided_on,
    ),
    # Fee events' cases' agency, index-only by id (the table's rows are wide: a primary-key lookup reads the heap).
    Index("ix_disclosure_case_report_agency", DisclosureCase.id, DisclosureCase.agency_id),
    Index("ix_case_event_type_on", CaseEvent.type, CaseEvent.on),
)
