"""Every query on webhook subscriptions, outbox events and deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from app.db import reading
from app.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from app.webhook.events import EventType

# Built once, on every write's path (``app.auth.repository``). The subscriptions as two columns, not mapped objects,
# which would join their agency; the outbox as plain INSERTs, not the ORM's unit of work (``add_event``).
_ACTIVE = select(WebhookSubscription.id, WebhookSubscription.event_types).where(
    WebhookSubscription.agency_id == bindparam("agency_id"), WebhookSubscription.active.is_(True)
)
_INSERT_EVENT = insert(cast(Table, OutboxEvent.__table__))
_INSERT_DELIVERY = insert(cast(Table, WebhookDelivery.__table__))


def subscribers(session: Session, agency_id: int, event_type: EventType) -> list[int]:
    """The ids of an agency's active subscriptions to ``event_type`` (an agency has a handful: the type is matched
    here)."""
    rows = reading(session).execute(_ACTIVE, {"agency_id": agency_id})
    return [subscription_id for subscription_id, types in rows if event_type.value in types]


def add_events(
    session: Session, event_type: EventType, events: list[tuple[int, dict[str, Any], list[int]]], at: datetime
) -> list[uuid.UUID]:
    """Insert outbox events, each ``(agency id, payload, subscription ids)``, and one pending delivery per
    subscription, on the session's connection; the events' ids. Plain INSERTs (one statement for all the events,
    one for all the deliveries), like the audit record's: the rows are never read back in the request, and flushing
    them as objects cost a creation about a tenth of its CPU (issue #9). Neither refers to anything the session may
    hold unflushed (an event names its agency, a delivery its event and subscription)."""
    ids = [uuid.uuid4() for _ in events]
    connection = session.connection()
    rows = [
        {"id": event_id, "agency_id": agency_id, "type": event_type.value, "payload": payload, "created_at": at}
        for event_id, (agency_id, payload, _) in zip(ids, events, strict=True)
    ]
    connection.execute(_INSERT_EVENT, rows)
    deliveries = [
        {"event_id": event_id, "subscription_id": s, "status": "pending", "attempts": 0, "next_attempt_at": at}
        for event_id, (_, _, subscribers) in zip(ids, events, strict=True)
        for s in subscribers
    ]
    if deliveries:
        connection.execute(_INSERT_DELIVERY, deliveries)
    return ids


def subscriptions(session: Session, agency_ids: Collection[int]) -> list[WebhookSubscription]:
    return list(
        session.scalars(
            select(WebhookSubscription)
            .where(WebhookSubscription.agency_id.in_(agency_ids), WebhookSubscription.active.is_(True))
            .order_by(WebhookSubscription.id)
        )
    )


def all_subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def subscription(session: Session, subscription_id: int, agency_ids: Collection[int]) -> WebhookSubscription | None:
    return session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.id == subscription_id, WebhookSubscription.agency_id.in_(agency_ids)
        )
    ).one_or_none()


def deliveries(session: Session, subscription_id: int, status: str | None, limit: int) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return list(session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(limit)))


def abandon_pending(session: Session, subscription_id: int, reason: str) -> None:
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.status == "pending")
        .values(status="failed", last_error=reason)
    )


def due(session: Session, now: datetime, limit: int) -> list[WebhookDelivery]:
    """Pending deliveries whose time has come, locked for this worker. ``SKIP LOCKED`` (PostgreSQL) lets a second
    worker take other rows instead of waiting for, and then re-sending, these; SQLite has one writer at a time."""
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
    )
