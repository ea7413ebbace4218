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


class AuditPage(BaseModel):
    items: list[AuditRecordRead]
    total: int
    page: int
    page_size: int
