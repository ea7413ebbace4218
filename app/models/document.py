"""Documents: the agencies' own templates, their letter settings, and each case's file (generated letters and
uploaded attachments) with the delivery records of its letters. File contents are kept in the database (see the
README, "The case file"), in deferred columns so that lists never read them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.domain.casefile import Carrier, ServiceMethod
from app.domain.letters import AgencyLevel
from app.models.base import Base, enum_check
from app.models.case import DisclosureCase


class DocumentTemplate(Base):
    """An agency's own template for one kind of document (a letter kind, ``annual_report``, …), replacing the
    default shipped with the code. ``kind`` is any registered kind (``app.document.registry``): no CHECK, so that a
    feature adds a kind without a migration."""

    __tablename__ = "document_template"
    __table_args__ = (UniqueConstraint("agency_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    kind: Mapped[str] = mapped_column(String(48))
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime]


class LetterProfile(Base):
    """An agency's letter settings: where it sits (which fixes its review body in law), the review body and court
    named in the remedy clause, its 文号 prefix and patterns, its contact lines, how fees are paid, and after how many
    working days an unconfirmed delivery is listed."""

    __tablename__ = "letter_profile"
    __table_args__ = (
        CheckConstraint(enum_check("level", AgencyLevel), name="level"),
        CheckConstraint("receipt_overdue_days BETWEEN 1 AND 60", name="receipt_overdue_days"),
    )

    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    level: Mapped[str] = mapped_column(String(32))
    review_body: Mapped[str] = mapped_column(String(200))
    court: Mapped[str | None] = mapped_column(String(200))
    number_prefix: Mapped[str] = mapped_column(String(100))
    number_patterns: Mapped[dict[str, Any]] = mapped_column(default=dict)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(50))
    payment_instructions: Mapped[str | None] = mapped_column(Text)
    receipt_overdue_days: Mapped[int] = mapped_column(default=10)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class LetterCounter(Base):
    """The last 文号 issued per agency, letter kind and year; locked by the issuing transaction (no gaps)."""

    __tablename__ = "letter_counter"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(48), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class CaseDocument(Base):
    """One document of a case's file: a generated letter (``origin = generated``, with its 文号 and date) or an
    uploaded attachment. Size, SHA-256 and media type are computed from the content, never taken from the client."""

    __tablename__ = "case_document"
    __table_args__ = (
        UniqueConstraint("agency_id", "number"),
        CheckConstraint("origin IN ('generated', 'uploaded')", name="origin"),
        Index("ix_case_document_case", "case_id", "id"),
        Index("ix_case_document_letters", "agency_id", "origin", "letter_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disclosure_case.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    kind: Mapped[str] = mapped_column(String(48))
    origin: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    personal: Mapped[bool] = mapped_column(default=False)
    number: Mapped[str | None] = mapped_column(String(100))
    letter_date: Mapped[date | None]
    addressee: Mapped[str | None] = mapped_column(String(200))
    disposition: Mapped[str | None] = mapped_column(String(48))
    remedy: Mapped[str | None] = mapped_column(Text)
    template_sha256: Mapped[str | None] = mapped_column(String(64))
    step_seq: Mapped[int | None]  # a letter: the ``seq`` of the timeline step it reports
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]

    case: Mapped[DisclosureCase] = relationship()
    deliveries: Mapped[list[DocumentDelivery]] = relationship(
        back_populates="document",
        order_by="DocumentDelivery.id",
        cascade="all, delete-orphan",
        foreign_keys="DocumentDelivery.document_id",
    )


class DocumentDelivery(Base):
    """How one letter was delivered (送达, 国办公开办函〔2016〕235号): the day it was handed over or posted (what counts
    for the agency's deadline) and the day the recipient received it (what counts for periods that run from
    receipt), with the tracking number and the proof kept in the case file."""

    __tablename__ = "document_delivery"
    __table_args__ = (
        CheckConstraint(enum_check("method", ServiceMethod), name="method"),
        CheckConstraint(f"carrier IS NULL OR {enum_check('carrier', Carrier)}", name="carrier"),
        Index("ix_document_delivery_unreceived", "agency_id", "received_on", "sent_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("case_document.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disclosure_case.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    method: Mapped[str] = mapped_column(String(16))
    carrier: Mapped[str | None] = mapped_column(String(16))
    consent: Mapped[bool] = mapped_column(default=False)
    sent_on: Mapped[date]
    received_on: Mapped[date | None]
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    proof_document_id: Mapped[int | None] = mapped_column(ForeignKey("case_document.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime]

    document: Mapped[CaseDocument] = relationship(back_populates="deliveries", foreign_keys=[document_id])
