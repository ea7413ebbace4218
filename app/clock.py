"""The one place that reads the wall clock. Rules never call it: they receive ``today`` as a parameter."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def today(tz: ZoneInfo) -> date:
    """Today in the agencies' time zone: a legal date, not the server's UTC date."""
    return datetime.now(tz).date()
