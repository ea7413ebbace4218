"""The transactional outbox: an event is a row written in the same transaction as the change it reports, fanned out
to one delivery per matching subscription. Nothing is sent here; ``app.webhook.delivery`` sends later, so a slow
or failing endpoint never delays or fails a clerk's request, and a rolled-back change sends nothing."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models import OutboxEvent, WebhookDelivery
from app.webhook import repository
from app.webhook.events import EventType

_INSERT_EVENT = insert(cast(Table, OutboxEvent.__table__))
_INSERT_DELIVERY = insert(cast(Table, WebhookDelivery.__table__))


def emit(
    session: Session,
    agency_id: int,
    event_type: EventType,
    payload: dict[str, Any],
    subscribers: list[int] | None = None,
) -> uuid.UUID:
    """Write the event and its deliveries; the event's id. ``subscribers``: the ids of the agency's subscriptions to
    the event, looked up by the caller before it took its locks (``repository.subscribers``).

    Plain INSERTs on the session's connection, not the ORM's unit of work (like the audit record's): the rows are
    never read back in the request, and a flush of their objects cost a creation about a tenth of its CPU (issue #9).
    Neither row refers to anything the session may still hold unflushed (an event names its agency, a delivery its
    event and subscription)."""
    if subscribers is None:
        subscribers = repository.subscribers(session, agency_id, event_type)
    now = utcnow()
    event_id = uuid.uuid4()
    connection = session.connection()
    event = {"id": event_id, "agency_id": agency_id, "type": event_type.value, "payload": payload, "created_at": now}
    connection.execute(_INSERT_EVENT, event)
    if subscribers:
        connection.execute(
            _INSERT_DELIVERY,
            [
                {
                    "event_id": event_id,
                    "subscription_id": subscription_id,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                }
                for subscription_id in subscribers
            ],
        )
    return event_id
