"""Sending due deliveries, outside any request (``gongkai webhooks deliver``).

Retry policy: a delivery is attempted as soon as its event is committed; after the n-th failed attempt (no answer
within ``TIMEOUT_SECONDS``, or a status other than 2xx) it waits ``BASE_DELAY · 2^(n-1)``, at most ``MAX_DELAY``
(1, 2, 4 … minutes, then every 6 hours), and after ``MAX_ATTEMPTS`` failures it is marked ``failed`` (about 45
hours after the first attempt). Delivery is at least once: a receiver that answered too late may see an event again,
and deduplicates by ``X-Gongkai-Event-Id``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models import WebhookDelivery
from app.webhook import repository
from app.webhook.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, sign

MAX_ATTEMPTS = 16
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)
TIMEOUT_SECONDS = 5.0
BATCH = 100


OUTAGE_MAX_WAIT = 60.0
"""Seconds, at most, between the worker's attempts to reach a database that is down."""


def outage_backoff(outages: int, interval: float) -> float:
    """The worker's wait after the ``outages``-th consecutive failure to reach the database: twice the poll
    interval each time, at most ``OUTAGE_MAX_WAIT``. Deliveries are not touched: their own schedule resumes."""
    return float(min(interval * 2 ** (outages - 1), OUTAGE_MAX_WAIT))


def backoff(failures: int) -> timedelta:
    """The wait after the ``failures``-th failed attempt."""
    delay: timedelta = BASE_DELAY * 2 ** (failures - 1)
    return min(delay, MAX_DELAY)


@dataclass
class DeliveryStats:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


def body_of(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    envelope = {
        "id": str(event.id),
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def _send(client: httpx.Client, delivery: WebhookDelivery) -> tuple[int | None, str | None]:
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(delivery.subscription.secret, int(utcnow().timestamp()), body),
        EVENT_ID_HEADER: str(delivery.event_id),
        EVENT_TYPE_HEADER: delivery.event.type,
    }
    try:
        response = client.post(delivery.subscription.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return response.status_code, None if response.is_success else f"HTTP {response.status_code}"


def deliver_due(session: Session, client: httpx.Client, now: datetime, limit: int = BATCH) -> DeliveryStats:
    """Attempt every delivery due at ``now`` (up to ``limit``) and record the outcome; the caller commits."""
    stats = DeliveryStats()
    for delivery in repository.due(session, now, limit):
        status_code, error = _send(client, delivery)
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error
        if error is None:
            delivery.status = "delivered"
            delivery.delivered_at = utcnow()
            stats.delivered += 1
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = "failed"
            stats.failed += 1
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            stats.retrying += 1
    session.flush()
    return stats


def http_client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
