"""The transactional outbox: an event is a row written in the same transaction as the change it reports, fanned out
to one delivery per matching subscription. Nothing is sent here; ``app.webhook.delivery`` sends later, so a slow
or failing endpoint never delays or fails a clerk's request, and a rolled-back change sends nothing."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from app.webhook import repository
from app.webhook.events import EventType


def emit(
    session: Session,
    agency_id: int,
    event_type: EventType,
    payload: dict[str, Any],
    subscribers: list[WebhookSubscription] | None = None,
    *,
    flush: bool = True,
) -> OutboxEvent:
    """Write the event and its deliveries. ``subscribers``: the agency's, looked up by the caller before it took its
    locks (``repository.subscribers``); ``flush=False``: the caller's next statement flushes them."""
    now = utcnow()
    event = OutboxEvent(id=uuid.uuid4(), agency_id=agency_id, type=event_type.value, payload=payload, created_at=now)
    session.add(event)
    if subscribers is None:
        subscribers = repository.subscribers(session, agency_id, event_type)
    session.add_all(
        WebhookDelivery(event=event, subscription=subscription, status="pending", attempts=0, next_attempt_at=now)
        for subscription in subscribers
    )
    if flush:
        session.flush()
    return event
