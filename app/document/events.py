"""The ``document.created`` webhook: a letter generated or a file added to a case (never its content, nor, for a
personal document, its file name or its title: ``HIDDEN_TITLE``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.domain.privacy import HIDDEN_TITLE
from app.models import CaseDocument, DisclosureCase
from app.webhook.events import EventType
from app.webhook.outbox import emit


def document_payload(case: DisclosureCase, document: CaseDocument) -> dict[str, Any]:
    return {
        "document_id": document.id,
        "case_id": case.id,
        "case_number": case.number,
        "external_ref": case.external_ref,
        "agency": case.agency.code,
        "kind": document.kind,
        "origin": document.origin,
        "title": HIDDEN_TITLE if document.personal else document.title,
        "number": document.number,
        "letter_date": document.letter_date.isoformat() if document.letter_date else None,
        "media_type": document.media_type,
        "size": document.size,
        "sha256": document.sha256,
        "personal": document.personal,
        "content_url": f"/api/v1/documents/{document.id}/content",
    }


def emit_document(session: Session, case: DisclosureCase, document: CaseDocument) -> None:
    emit(session, case.agency_id, EventType.DOCUMENT_CREATED, document_payload(case, document))
