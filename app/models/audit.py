from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AuditRecord(Base):
    """One change, as evidence: who did what to which entity, its state before and after, hash-chained per ``chain``
    (an agency's code, or ``global`` for things shared by every agency such as the calendar). Append-only: nothing in
    the application updates or deletes these rows; ``gongkai audit verify`` detects anyone who does."""

    __tablename__ = "audit_record"
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_audit_record_agency_at", "agency_id", "at"),
        Index("ix_audit_record_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int]
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16))
    """The id of the secret key whose HMAC ``hash`` is; None for a record written before the chain was keyed (a plain
    SHA-256, see ``app.audit.service``)."""


class AuditChainHead(Base):
    """The last link of each chain. Appending updates this row first, so its row lock serialises writers of one chain
    (no fork); a missing tail record shows as a head that points past the last row."""

    __tablename__ = "audit_chain_head"

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
