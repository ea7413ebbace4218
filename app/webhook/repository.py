"""Every query on webhook subscriptions, outbox events and deliveries."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.models import WebhookDelivery, WebhookSubscription
from app.webhook.events import EventType

_ACTIVE = select(WebhookSubscription.id, WebhookSubscription.event_types).where(
    WebhookSubscription.agency_id == bindparam("agency_id"), WebhookSubscription.active.is_(True)
)
"""Built once: on every write's path. Two columns, not the mapped object, which would join its agency."""


def subscribers(session: Session, agency_id: int, event_type: EventType) -> list[int]:
    """The ids of an agency's active subscriptions to ``event_type`` (an agency has a handful: the type is matched
    here)."""
    rows = session.execute(_ACTIVE, {"agency_id": agency_id})
    return [subscription_id for subscription_id, types in rows if event_type.value in types]


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
