"""Signatures of outbound deliveries: ``X-Gongkai-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` over
``f"{t}.{body}"`` with the subscription's secret. Receivers verify with :func:`verify` (or its equivalent, see
``docs/integration.md``): the timestamp bounds replays, the event id (``X-Gongkai-Event-Id``) deduplicates retries."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Gongkai-Signature"
EVENT_ID_HEADER = "X-Gongkai-Event-Id"
EVENT_TYPE_HEADER = "X-Gongkai-Event-Type"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` and was made within ``tolerance`` seconds of ``now``."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), f"t={timestamp},v1={parts.get('v1', '')}")
