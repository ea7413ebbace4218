"""The case's timeline with its file: each procedural step, and each letter generated or file added, in the order
they happened. A letter stands right after the step it reports (``step_seq``); any other document on the day it was
added. The steps stay the append-only truth the deadlines are derived from (``app.domain.clock``); documents are
listed beside them, never replayed. Each document's creation is audited (``document.generate``, ``document.upload``,
entity ``case_document``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.document import files, repository
from app.domain.lifecycle import EVENT_TYPE_LABELS, EventType
from app.models import CaseDocument, CaseEvent, DisclosureCase


@dataclass(frozen=True)
class Entry:
    on: date
    label: str
    actor: str
    recorded_at: datetime
    event: CaseEvent | None = None
    document: CaseDocument | None = None
    filename: str | None = None  # hidden for a personal document without case.read_personal


def _document_entry(principal: Principal, document: CaseDocument, tz: tzinfo) -> Entry:
    label = files.kind_label(document.kind)
    if document.number:
        label = f"{label} {document.number}"
    verb = "生成" if document.origin == "generated" else "上传"
    return Entry(
        on=document.letter_date or document.created_at.astimezone(tz).date(),
        label=f"{verb}：{label}",
        actor=document.created_by,
        recorded_at=document.created_at,
        document=document,
        filename=files.shown_name(principal, document),
    )


def merge(principal: Principal, case: DisclosureCase, documents: list[CaseDocument], tz: tzinfo) -> list[Entry]:
    """The steps and the documents in one list (see the module docstring for the order)."""
    on_step = {e.seq: e for e in case.events}
    keyed: list[tuple[tuple[date, int, int, int], Entry]] = []
    for e in case.events:
        label = EVENT_TYPE_LABELS[EventType(e.type)]
        keyed.append(((e.on, e.seq, 0, 0), Entry(e.on, label, e.actor, e.recorded_at, event=e)))
    last = max((e.seq for e in case.events), default=0)
    for d in documents:
        entry = _document_entry(principal, d, tz)
        step = on_step.get(d.step_seq) if d.step_seq is not None else None
        if step is not None:
            keyed.append(((step.on, step.seq, 1, d.id), entry))
        else:
            keyed.append(((entry.on, last + 1, 1, d.id), entry))
    return [entry for _, entry in sorted(keyed, key=lambda k: k[0])]


def case_timeline(session: Session, principal: Principal, case_id: int, tz: tzinfo) -> list[Entry]:
    case, documents = files.listing(session, principal, case_id)
    return merge(principal, case, documents, tz)


def after_steps(session: Session, principal: Principal, case: DisclosureCase, tz: tzinfo) -> dict[int, list[Entry]]:
    """The documents of the case by the step they follow in :func:`merge`'s order (the web case page lists them
    under that step)."""
    result: dict[int, list[Entry]] = {}
    seq = 0
    for entry in merge(principal, case, repository.case_documents(session, case.id), tz):
        if entry.event is not None:
            seq = entry.event.seq
        else:
            result.setdefault(seq, []).append(entry)
    return result
