from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditRecordRead(BaseModel):
    chain: str
    seq: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    prev_hash: str
    hash: str


class SeenRecord(AuditRecordRead):
    """An audit record as one reader may see it (``app.audit.reading.seen_by``), with its agency for the web page; a
    copy, the stored record (which the chain's MACs cover) is never changed."""

    agency_id: int | None


class AuditPage(BaseModel):
    items: list[AuditRecordRead]
    total: int
    page: int
    page_size: int
