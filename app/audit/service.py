"""The audit trail: one record per change, written in the same transaction as the change, hash-chained per chain.

Chains: each agency's records form the chain named by its code; things shared by every agency (the calendar) form
the chain ``global``. Records are evidence, so ``before``/``after`` keep the real values (personal data included);
they are never written to the application log.

Canonical form (what the hash covers): the JSON object with exactly the keys ``chain, seq, agency_id, actor, at,
action, entity_type, entity_id, before, after, request_id, prev_hash``, where ``at`` is the UTC time as ISO 8601 with
microseconds and ``+00:00`` (``2026-11-27T08:00:00.000000+00:00``), serialised with keys sorted at every level,
separators ``,`` and ``:`` (no whitespace), non-ASCII characters as themselves, encoded as UTF-8.
``hash = sha256(canonical).hexdigest()``; the first record of a chain has ``prev_hash`` = 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app import context
from app.audit import repository
from app.audit.repository import GENESIS
from app.clock import utcnow
from app.models import Agency, AuditChainHead, AuditRecord

GLOBAL_CHAIN = "global"


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable in an audit record: {type(value).__name__}")


def jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """The value exactly as the database will give it back (dates as ISO strings), so that the hash recomputes."""
    if value is None:
        return None
    result: dict[str, Any] = json.loads(json.dumps(value, default=_json_default))
    return result


def snapshot(row: object, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The column values of an ORM row, as an audit ``before``/``after``."""
    skip = set(exclude)
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs if attr.key not in skip}


def canonical(record: AuditRecord) -> bytes:
    content = {
        "chain": record.chain,
        "seq": record.seq,
        "agency_id": record.agency_id,
        "actor": record.actor,
        "at": _json_default(record.at),
        "action": record.action,
        "entity_type": record.entity_type,
        "entity_id": record.entity_id,
        "before": record.before,
        "after": record.after,
        "request_id": record.request_id,
        "prev_hash": record.prev_hash,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(record: AuditRecord) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def record(
    session: Session,
    *,
    agency: Agency | None,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    request_id: str | None = None,
) -> AuditRecord:
    """Append one record to the chain of ``agency`` (``None``: the global chain). The request id defaults to the
    current unit of work's (``app.context``)."""
    chain = agency.code if agency is not None else GLOBAL_CHAIN
    seq, prev_hash = repository.advance_head(session, chain)
    row = AuditRecord(
        chain=chain,
        seq=seq,
        agency_id=agency.id if agency is not None else None,
        actor=actor,
        at=utcnow(),
        action=action,
        entity_type=entity,
        entity_id=str(entity_id),
        before=jsonable(before),
        after=jsonable(after),
        request_id=request_id if request_id is not None else context.request_id.get(),
        prev_hash=prev_hash,
    )
    row.hash = compute_hash(row)
    repository.append(session, row)
    return row


@dataclass(frozen=True)
class Break:
    """The first broken link of a chain."""

    chain: str
    seq: int
    problem: str


def _walk(session: Session, chain: str, head: AuditChainHead | None) -> Break | None:
    expected, prev = 1, GENESIS
    for row in repository.chain_rows(session, chain):
        if row.seq != expected:
            return Break(chain, expected, f"记录缺失：第 {expected}–{row.seq - 1} 条不存在（被删除）。")
        if row.prev_hash != prev:
            return Break(chain, row.seq, "prev_hash 与前一条记录的哈希不符（记录被调换顺序或插入）。")
        actual = compute_hash(row)
        if actual != row.hash:
            successor = repository.prev_hash_at(session, chain, row.seq + 1)
            if successor is None and head is not None and head.seq == row.seq:
                successor = head.hash
            if successor == actual:
                return Break(chain, row.seq, "哈希值被改动（内容与后一条的链接一致，但本条存储的哈希不符）。")
            return Break(chain, row.seq, "记录内容被改动（重新计算的哈希与存储的哈希不符）。")
        expected, prev = expected + 1, row.hash
    last = expected - 1
    if head is None:
        return Break(chain, last, "链头缺失。") if last else None
    if head.seq > last:
        return Break(chain, last + 1, f"末尾记录缺失：第 {last + 1}–{head.seq} 条不存在（被删除）。")
    if head.seq < last or head.hash != prev:
        return Break(chain, last, "链头与最后一条记录不符（链头被改动）。")
    return None


def verify(session: Session, chain: str | None = None) -> tuple[list[str], list[Break]]:
    """Walk every chain (or one), recomputing each hash. Returns the chains checked and the first break of each
    broken chain."""
    heads = repository.heads(session, chain)
    names = sorted(set(heads) | repository.chains(session, chain))
    breaks = [b for name in names if (b := _walk(session, name, heads.get(name))) is not None]
    return names, breaks
