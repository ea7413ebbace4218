"""The transactional outbox: an event is a row written in the same transaction as the change it reports, fanned out
to one delivery per matching subscription. Nothing is sent here; ``app.webhook.delivery`` sends later, so a slow
or failing endpoint never delays or fails a clerk's request, and a rolled-back change sends nothing."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.clock import utcnow
from app.webhook import repository
from app.webhook.events import EventType


def emit(
    session: Session,
    agency_id: int,
    event_type: EventType,
    payload: dict[str, Any],
    subscribers: list[int] | None = None,
) -> uuid.UUID:
    """Write the event and its deliveries; the event's id. ``subscribers``: the ids of the agency's subscriptions to
    the event, looked up by the caller before it took its locks (``repository.subscribers``)."""
    if subscribers is None:
        subscribers = repository.subscribers(session, agency_id, event_type)
    return repository.add_events(session, event_type, [(agency_id, payload, subscribers)], utcnow())[0]


def emit_all(session: Session, event_type: EventType, events: list[tuple[int, dict[str, Any]]]) -> None:
    """:func:`emit` for many events of one type, each ``(agency id, payload)``: the subscriptions looked up once per
    agency, the rows written in two statements."""
    subscribers: dict[int, list[int]] = {}
    for agency_id, _ in events:
        if agency_id not in subscribers:
            subscribers[agency_id] = repository.subscribers(session, agency_id, event_type)
    rows = [(agency_id, payload, subscribers[agency_id]) for agency_id, payload in events]
    if rows:
        repository.add_events(session, event_type, rows, utcnow())
