from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.codes import ApplicantType, Channel, Disposition, ReviewKind, ReviewOutcome
from app.domain.lifecycle import CaseStatus, EventType
from app.models.agency import Agency
from app.models.base import Base, enum_check
from app.models.user import AppUser

LIST_INDEXES = (
    Index("ix_disclosure_case_due_id", "due_date", "id"),
    Index(
        "ix_disclosure_case_open_due_id",
        "due_date",
        "id",
        sqlite_where=text("status <> 'concluded'"),
        postgresql_where=text("status <> 'concluded'"),
    ),
    Index("ix_disclosure_case_received_id", "received_date", "id"),
    Index("ix_disclosure_case_year_seq_id", "year", "seq", "id"),
    Index("ix_disclosure_case_number_prefix", "number", postgresql_ops={"number": "text_pattern_ops"}),
    Index(
        "ix_disclosure_case_applicant_name_prefix",
        "applicant_name",
        postgresql_ops={"applicant_name": "text_pattern_ops"},
    ),
    Index(
        "ix_disclosure_case_external_ref_prefix",
        "external_ref",
        postgresql_ops={"external_ref": "text_pattern_ops"},
    ),
)


class DisclosureCase(Base):
    """One disclosure application. The facts are written once; the columns under *projection* are derived from the
    timeline by ``app.domain.clock.project`` and rewritten in the same transaction as every event (never by hand)."""

    __tablename__ = "disclosure_case"
    __table_args__ = (
        UniqueConstraint("agency_id", "number"),
        UniqueConstraint("agency_id", "external_ref"),
        CheckConstraint(enum_check("applicant_type", ApplicantType), name="applicant_type"),
        CheckConstraint(enum_check("channel", Channel), name="channel"),
        CheckConstraint(enum_check("status", CaseStatus), name="status"),
        CheckConstraint(f"disposition IS NULL OR {enum_check('disposition', Disposition)}", name="disposition"),
        # the 年度报告's receipts by channel and its timeliness figures, index-only (app.report.repository)
        Index("ix_disclosure_case_agency_received", "agency_id", "received_date", "channel"),
        Index(
            "ix_disclosure_case_agency_concluded",
            "agency_id",
            "concluded_on",
            "clock_start",
            "due_date",
            "statutory_due_date",
            "received_date",
            "disposition",
            "statutory_breached_on",
        ),
        Index("ix_disclosure_case_agency_status_due", "agency_id", "status", "due_date"),
        # the overdue report's candidate predicates (app.overdue.repository)
        Index("ix_disclosure_case_agency_status_statutory", "agency_id", "status", "statutory_due_date"),
        Index("ix_disclosure_case_agency_status_pending", "agency_id", "status", "pending_until"),
        Index("ix_disclosure_case_agency_status_notice", "agency_id", "status", "correction_notice_due"),
        Index("ix_disclosure_case_agency_undelivered", "agency_id", "undelivered_since"),
        Index("ix_disclosure_case_agency_notice_late", "agency_id", "correction_notice_late", "status"),
        Index("ix_disclosure_case_handler_status_due", "handler_user_id", "status", "due_date"),
        # the case list's orders and its keyset pages (app.case.repository.page), and its search by prefix
        *LIST_INDEXES,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(16))
    external_ref: Mapped[str | None] = mapped_column(String(128))

    applicant_type: Mapped[str] = mapped_column(String(32))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_id_type: Mapped[str | None] = mapped_column(String(50))
    applicant_id_number: Mapped[str | None] = mapped_column(String(64))
    applicant_phone: Mapped[str | None] = mapped_column(String(50))
    applicant_email: Mapped[str | None] = mapped_column(String(200))
    applicant_address: Mapped[str | None] = mapped_column(String(300))

    channel: Mapped[str] = mapped_column(String(16))
    submitted_on: Mapped[date | None]
    signed_on: Mapped[date | None]
    confirmed_on: Mapped[date | None]
    received_date: Mapped[date]

    request_description: Mapped[str] = mapped_column(Text, default="")
    request_form: Mapped[str | None] = mapped_column(String(32))
    delivery_method: Mapped[str | None] = mapped_column(String(32))
    handler: Mapped[str | None] = mapped_column(String(100))
    """The handler's name as text: an account's display name, or a name an import or the OA API gave that matches no
    account of the agency."""
    handler_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    """The handler as a user account of the case's agency (assigned and reassigned through ``assign_handler``)."""

    # projection
    clock_start: Mapped[date]
    status: Mapped[str] = mapped_column(String(24))
    disposition: Mapped[str | None] = mapped_column(String(48))
    concluded_on: Mapped[date | None]
    due_date: Mapped[date | None]
    statutory_due_date: Mapped[date | None]
    correction_notice_due: Mapped[date | None]  # none before 2019-05-15 (the 2007 条例 set no limit)
    pending_until: Mapped[date | None]
    paused: Mapped[bool] = mapped_column(default=False)
    provisional: Mapped[bool] = mapped_column(default=False)
    calendar_version: Mapped[int] = mapped_column(default=0)
    correction_notice_late: Mapped[bool] = mapped_column(default=False)  # Art. 30 procedural defect
    undelivered_since: Mapped[date | None]  # the earliest open letter whose delivery is not recorded
    statutory_breached_on: Mapped[date | None]  # a statutory deadline passed before a late correction notice

    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))

    agency: Mapped[Agency] = relationship(lazy="joined")
    handler_user: Mapped[AppUser | None] = relationship(lazy="joined")
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.seq", cascade="all, delete-orphan"
    )
    reviews: Mapped[list[CaseReview]] = relationship(
        back_populates="case", order_by="CaseReview.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """An append-only fact on a case's timeline, with who recorded it and when."""

    __tablename__ = "case_event"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        CheckConstraint(enum_check("type", EventType), name="type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disclosure_case.id", ondelete="CASCADE"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(32))
    on: Mapped[date]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime]

    case: Mapped[DisclosureCase] = relationship(back_populates="events")


class CaseReview(Base):
    """An administrative review (行政复议) or lawsuit (行政诉讼) against the handling of a case, with its outcome."""

    __tablename__ = "case_review"
    __table_args__ = (
        CheckConstraint(enum_check("kind", ReviewKind), name="kind"),
        CheckConstraint(enum_check("outcome", ReviewOutcome), name="outcome"),
        Index("ix_case_review_filed", "filed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disclosure_case.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    """The case's agency, copied when the review is filed (a case never changes agency), so that the reviews table
    is counted by agency without reading the cases (``app.report.repository``)."""
    kind: Mapped[str] = mapped_column(String(24))
    filed_on: Mapped[date]
    outcome: Mapped[str] = mapped_column(String(16))
    decided_on: Mapped[date | None]

    case: Mapped[DisclosureCase] = relationship(back_populates="reviews")
