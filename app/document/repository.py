"""Every query on templates, letter settings, case documents and deliveries."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload, undefer

from app.clock import utcnow
from app.db import insert_or_ignore
from app.models import CaseDocument, DisclosureCase, DocumentDelivery, DocumentTemplate, LetterCounter, LetterProfile


def template(session: Session, agency_id: int, kind: str, *, content: bool = False) -> DocumentTemplate | None:
    stmt = select(DocumentTemplate).where(DocumentTemplate.agency_id == agency_id, DocumentTemplate.kind == kind)
    if content:
        stmt = stmt.options(undefer(DocumentTemplate.content))
    return session.scalars(stmt).one_or_none()


def templates(session: Session, agency_id: int) -> list[DocumentTemplate]:
    return list(
        session.scalars(
            select(DocumentTemplate).where(DocumentTemplate.agency_id == agency_id).order_by(DocumentTemplate.kind)
        )
    )


def profile(session: Session, agency_id: int) -> LetterProfile | None:
    return session.get(LetterProfile, agency_id)


def next_letter_sequence(session: Session, agency_id: int, kind: str, year: int) -> int:
    """The next 文号 sequence of an agency's kind and year, gap-free under concurrency the way case numbers are
    (``app.case.repository.next_sequence``): the counter row's lock is held until the issuing transaction ends, and
    a rolled-back letter gives its number back."""
    insert_or_ignore(session, LetterCounter, agency_id=agency_id, kind=kind, year=year, last_value=0)
    value = session.scalar(
        update(LetterCounter)
        .where(LetterCounter.agency_id == agency_id, LetterCounter.kind == kind, LetterCounter.year == year)
        .values(last_value=LetterCounter.last_value + 1)
        .returning(LetterCounter.last_value)
    )
    assert isinstance(value, int)
    return value


def add_document(session: Session, content: bytes, **fields: Any) -> CaseDocument:
    """Write one document into a case file: its size and SHA-256 computed here from ``content``, never taken from
    the caller, and the time of writing. The one place a ``case_document`` row is made."""
    document = CaseDocument(
        content=content,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        created_at=utcnow(),
        **fields,
    )
    session.add(document)
    session.flush()
    return document


def case_documents(session: Session, case_id: int) -> list[CaseDocument]:
    return list(
        session.scalars(
            select(CaseDocument)
            .where(CaseDocument.case_id == case_id)
            .options(selectinload(CaseDocument.deliveries))
            .order_by(CaseDocument.id)
        )
    )


def document(
    session: Session, document_id: int, agency_ids: Collection[int], *, content: bool = False, pdf: bool = False
) -> CaseDocument | None:
    stmt = select(CaseDocument).where(CaseDocument.id == document_id, CaseDocument.agency_id.in_(agency_ids))
    if content:
        stmt = stmt.options(undefer(CaseDocument.content))
    if pdf:
        stmt = stmt.options(undefer(CaseDocument.pdf))
    return session.scalars(stmt.options(selectinload(CaseDocument.deliveries))).one_or_none()


def case_file_size(session: Session, case_id: int) -> int:
    return int(
        session.scalar(select(func.coalesce(func.sum(CaseDocument.size), 0)).where(CaseDocument.case_id == case_id))
        or 0
    )


def blobs(session: Session, document_id: int) -> tuple[bytes, bytes | None]:
    """A document's content and PDF rendering, read as plain values (not kept on the session's objects): the
    archive reads one document at a time."""
    row = session.execute(select(CaseDocument.content, CaseDocument.pdf).where(CaseDocument.id == document_id)).one()
    return row.content, row.pdf


def delivery(session: Session, delivery_id: int, agency_ids: Collection[int]) -> DocumentDelivery | None:
    return session.scalars(
        select(DocumentDelivery).where(DocumentDelivery.id == delivery_id, DocumentDelivery.agency_id.in_(agency_ids))
    ).one_or_none()


def unreceived_letters(session: Session, agency_ids: Collection[int], sent_before: date) -> list[CaseDocument]:
    """Letters of the agencies without any recorded receipt dated before ``sent_before``, with their case and its
    timeline; the working-day rule is applied by the caller (``app.domain.casefile.receipt_overdue``)."""
    received = select(DocumentDelivery.document_id).where(DocumentDelivery.received_on.is_not(None))
    return list(
        session.scalars(
            select(CaseDocument)
            .where(
                CaseDocument.agency_id.in_(agency_ids),
                CaseDocument.origin == "generated",
                CaseDocument.letter_date < sent_before,
                CaseDocument.id.not_in(received),
            )
            .options(
                selectinload(CaseDocument.deliveries),
                selectinload(CaseDocument.case).selectinload(DisclosureCase.events),
            )
            .order_by(CaseDocument.letter_date, CaseDocument.id)
        )
    )


def undelivered_cases(session: Session, agency_ids: Collection[int], before: date) -> list[DisclosureCase]:
    """Cases with a fee notice or consultation letter out since before ``before`` whose receipt the clock does not
    have (``undelivered_since``, indexed with the agency), with their timeline."""
    return list(
        session.scalars(
            select(DisclosureCase)
            .where(DisclosureCase.agency_id.in_(agency_ids), DisclosureCase.undelivered_since < before)
            .options(selectinload(DisclosureCase.events))
            .order_by(DisclosureCase.id)
        )
    )


def letter_steps(session: Session, case_ids: Collection[int], kinds: Collection[str]) -> list[CaseDocument]:
    """The generated letters of ``kinds`` of the cases (without their contents): which steps have a letter."""
    if not case_ids:
        return []
    return list(
        session.scalars(
            select(CaseDocument).where(
                CaseDocument.case_id.in_(case_ids), CaseDocument.origin == "generated", CaseDocument.kind.in_(kinds)
            )
        )
    )


def letter_without_pdf(session: Session, document_id: int) -> bytes | None:
    """A letter's DOCX, or None when it has its PDF already (a rendering queued twice converts once)."""
    return session.scalar(
        select(CaseDocument.content).where(CaseDocument.id == document_id, CaseDocument.pdf.is_(None))
    )


def set_pdf(session: Session, document_id: int, pdf: bytes) -> None:
    session.execute(update(CaseDocument).where(CaseDocument.id == document_id).values(pdf=pdf))


def with_pdf(session: Session, document_ids: Collection[int]) -> set[int]:
    """Which of the documents have a PDF rendering (without reading it)."""
    if not document_ids:
        return set()
    return set(
        session.scalars(select(CaseDocument.id).where(CaseDocument.id.in_(document_ids), CaseDocument.pdf.is_not(None)))
    )
