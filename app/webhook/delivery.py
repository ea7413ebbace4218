"""Sending due deliveries, outside any request (``gongkai webhooks deliver``).

Retry policy: a delivery is attempted as soon as its event is committed; after the n-th failed attempt (no answer
within ``TIMEOUT_SECONDS``, or a status other than 2xx) it waits ``BASE_DELAY · 2^(n-1)``, at most ``MAX_DELAY``
(1, 2, 4 … minutes, then every 6 hours), and after ``MAX_ATTEMPTS`` failures it is marked ``failed`` (about 45
hours after the first attempt). Delivery is at least once: a receiver that answered too late may see an event again,
and deduplicates by ``X-Gongkai-Event-Id``.

No database transaction is open while a receiver is waited on (design mistake 7): ``deliver_due`` claims a batch
in one short unit of work (due rows, locked with ``SKIP LOCKED`` on PostgreSQL, are leased for ``LEASE``: moved out
of the due window so that no other worker takes them), commits, sends each with no transaction open, and records
each outcome in its own short unit of work. A worker that dies mid-batch leaves its unsent deliveries leased: they
are due again when the lease ends, and sent then (at least once).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from app import keys
from app.clock import utcnow
from app.db import transaction
from app.models import WebhookDelivery
from app.settings import Settings
from app.webhook import repository
from app.webhook.destination import PinnedTransport
from app.webhook.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, sign

MAX_ATTEMPTS = 16
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)
TIMEOUT_SECONDS = 5.0
"""The whole of one attempt, from connecting to the answer's last byte (:func:`_send`); each read and write is bounded
by it too. httpx's own time-outs bound each read only: a receiver that answered a byte every 3 s held one attempt for
11 minutes, past the lease, and another worker sent the event again."""
BATCH = 100
LEASE = timedelta(minutes=10)
"""How long a claimed batch is withheld from other workers: longer than sending ``BATCH`` deliveries can take
(``BATCH × TIMEOUT_SECONDS`` ≈ 8 minutes if every receiver times out). A worker records an outcome only while the
lease is its own (:func:`_record`)."""


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


@dataclass(frozen=True)
class Outgoing:
    """One claimed delivery, everything needed to send it: no database access while sending."""

    delivery_id: int
    lease: datetime
    """The ``next_attempt_at`` the claim set: the delivery is still this worker's while it holds it."""
    url: str
    secret: str
    event_id: str
    event_type: str
    body: bytes


def _claim(session: Session, now: datetime, limit: int) -> list[Outgoing]:
    ring = keys.of(session)
    claimed = []
    for delivery in repository.due(session, now, limit):
        delivery.next_attempt_at = now + LEASE
        claimed.append(
            Outgoing(
                delivery.id,
                delivery.next_attempt_at,
                delivery.subscription.url,
                ring.decrypt(delivery.subscription.secret),
                str(delivery.event_id),
                delivery.event.type,
                body_of(delivery),
            )
        )
    session.flush()
    return claimed


def _send(client: httpx.Client, outgoing: Outgoing) -> tuple[int | None, str | None]:
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(outgoing.secret, int(utcnow().timestamp()), outgoing.body),
        EVENT_ID_HEADER: outgoing.event_id,
        EVENT_TYPE_HEADER: outgoing.event_type,
    }
    deadline = time.monotonic() + TIMEOUT_SECONDS
    try:
        with client.stream("POST", outgoing.url, content=outgoing.body, headers=headers) as response:
            for _ in response.iter_raw():  # the answer is read to its end (not kept), within the attempt's time
                if time.monotonic() > deadline:
                    return None, f"TimeoutError: no complete answer within {TIMEOUT_SECONDS:g} s"
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return response.status_code, None if response.is_success else f"HTTP {response.status_code}"


def _record(session: Session, outgoing: Outgoing, status_code: int | None, error: str | None, now: datetime) -> str:
    """Record one attempt's outcome; returns the delivery's new status. Nothing is recorded if the lease has passed
    to another worker meanwhile (its attempt is the one on record)."""
    delivery = session.get_one(WebhookDelivery, outgoing.delivery_id)
    if delivery.status != "pending" or delivery.next_attempt_at != outgoing.lease:
        return "leased"
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error
    if error is None:
        delivery.status = "delivered"
        delivery.delivered_at = utcnow()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    session.flush()
    return delivery.status


def deliver_due(
    factory: sessionmaker[Session], client: httpx.Client, now: datetime, limit: int = BATCH
) -> DeliveryStats:
    """Attempt every delivery due at ``now`` (up to ``limit``): claim them, send them with no transaction open,
    record each outcome in its own unit of work (the worker's loop, like a command, owns its units of work)."""
    stats = DeliveryStats()
    with transaction(factory) as session:
        claimed = _claim(session, now, limit)
    for outgoing in claimed:
        status_code, error = _send(client, outgoing)
        with transaction(factory) as session:
            status = _record(session, outgoing, status_code, error, now)
        if status == "delivered":
            stats.delivered += 1
        elif status == "failed":
            stats.failed += 1
        elif status == "pending":
            stats.retrying += 1
    return stats


def http_client(settings: Settings) -> httpx.Client:
    """The deliveries' client: every request's destination checked after a fresh lookup and connected to as
    checked (``app.webhook.destination``); no redirects, no proxy from the environment."""
    transport = PinnedTransport(settings.webhook_allow_host_list)
    return httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False, transport=transport)


PUBLIC_ERROR = "未能送达：连接失败、超时或目标地址不允许（详情见服务器日志）。"


def public_error(error: str | None, status_code: int | None) -> str | None:
    """What the API shows of a failed attempt: the receiver's HTTP status, or one generic message, so that the log
    does not tell a closed port from an open one (the detail stays in the database for the operator)."""
    if error is None:
        return None
    return f"HTTP {status_code}" if status_code is not None else PUBLIC_ERROR
