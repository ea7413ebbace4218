"""The audit trail: one record per change, written in the same transaction as the change, hash-chained per chain.

Chains: each agency's records form the chain named by its code; things shared by every agency (the calendar) form
the chain ``global``. Records are evidence, so ``before``/``after`` keep the real values (personal data included);
they are never written to the application log.

Canonical form (what the hash covers): the JSON object with exactly the keys ``chain, seq, agency_id, actor, at,
action, entity_type, entity_id, before, after, request_id, prev_hash``, where ``at`` is the UTC time as ISO 8601 with
microseconds and ``+00:00`` (``2026-11-27T08:00:00.000000+00:00``), serialised with keys sorted at every level,
separators ``,`` and ``:`` (no whitespace), non-ASCII characters as themselves, encoded as UTF-8.
``hash = HMAC-SHA256(k, canonical).hexdigest()`` with ``k = HMAC-SHA256(secret key, "audit chain")``, the secret
key being ``GONGKAI_SECRET_KEY`` (outside the database) whose id is kept in ``key_id`` (``app.keys``); the first record
of a chain has ``prev_hash`` = 64 zeros. Whoever can write the database but does not hold the key cannot recompute
the chain after changing a record. Only a cut tail with its head moved back needs more: anchors, the signed chain
heads kept outside the database (``gongkai audit anchor``), which ``gongkai audit verify --anchor FILE`` checks.

Chains written before the key (version 0008 and earlier: ``key_id`` NULL, ``hash = sha256(canonical)``) are verified
as they were and then sealed, every record MACed again with its links, by ``seal_unkeyed`` when the schema is
upgraded (``gongkai db upgrade`` / ``serve``): the key vouches from then on for what the plain hashes proved at that
moment. A chain found broken is left as it is, reported, and never sealed. After sealing, an unkeyed record is a
break (a downgrade to the plain hash is refused).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app import context, keys
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


R = TypeVar("R")


@contextmanager
def changing(
    session: Session,
    row: R,
    *,
    agency: Agency | None,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = None,
    exclude: Iterable[str] = (),
) -> Iterator[R]:
    """Audit what the block does to ``row``: its columns before (``None`` for a row not yet in the database, which
    is added), its columns after, as one record once the block has run (after a flush, so a new row has its id).
    ``entity_id`` defaults to the row's ``id``."""
    skip = tuple(exclude)
    before = snapshot(row, skip) if inspect(row).persistent else None
    session.add(row)
    yield row
    session.flush()
    record(
        session,
        agency=agency,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id if entity_id is not None else getattr(row, "id"),  # noqa: B009 - any mapped row
        before=before,
        after=snapshot(row, skip),
    )


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


AUDIT_PURPOSE = "audit chain"
ANCHOR_PURPOSE = "audit anchor"


def compute_hash(record: AuditRecord, ring: keys.Keyring) -> str:
    """The record's MAC under the key it names (a plain SHA-256 for a record from before the key)."""
    if record.key_id is None:
        return hashlib.sha256(canonical(record)).hexdigest()
    return ring.mac(AUDIT_PURPOSE, canonical(record), record.key_id)


@dataclass(frozen=True)
class Entry:
    """One change to record: on the chain of ``agency`` (``None``: the global chain)."""

    agency: Agency | None
    action: str
    entity: str
    entity_id: object
    before: dict[str, Any] | None
    after: dict[str, Any] | None


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
) -> None:
    """Append one record to the chain of ``agency`` (``None``: the global chain). The request id defaults to the
    current unit of work's (``app.context``)."""
    record_all(session, [Entry(agency, action, entity, entity_id, before, after)], actor=actor, request_id=request_id)


def record_all(session: Session, entries: list[Entry], *, actor: str, request_id: str | None = None) -> None:
    """Append ``entries`` to their chains, in their order: per chain, one statement reserves their numbers and one
    inserts them (a recomputation of hundreds of open cases holds its agency's lock for the time it takes). The
    chains are taken in the order of their names, as every writer of several would."""
    ring = keys.of(session)
    by_chain: dict[str, list[Entry]] = {}
    for entry in entries:
        by_chain.setdefault(entry.agency.code if entry.agency is not None else GLOBAL_CHAIN, []).append(entry)
    for chain in sorted(by_chain):
        chained = by_chain[chain]
        seq, prev_hash = repository.advance_head(session, chain, len(chained))
        rows = []
        for offset, entry in enumerate(chained):
            row = AuditRecord(
                chain=chain,
                seq=seq + offset,
                agency_id=entry.agency.id if entry.agency is not None else None,
                actor=actor,
                at=utcnow(),
                action=entry.action,
                entity_type=entry.entity,
                entity_id=str(entry.entity_id),
                before=jsonable(entry.before),
                after=jsonable(entry.after),
                request_id=request_id if request_id is not None else context.request_id.get(),
                prev_hash=prev_hash,
                key_id=ring.current,
            )
            row.hash = prev_hash = compute_hash(row, ring)
            rows.append(row)
        repository.append(session, rows)


@dataclass(frozen=True)
class Break:
    """The first broken link of a chain."""

    chain: str
    seq: int
    problem: str


def _walk(session: Session, chain: str, head: AuditChainHead | None, unkeyed: bool = False) -> Break | None:
    """The first break of ``chain``; ``unkeyed`` accepts records from before the key (only when sealing them)."""
    ring = keys.of(session)
    expected, prev = 1, GENESIS
    for row in repository.chain_rows(session, chain):
        if row.seq != expected:
            return Break(chain, expected, f"记录缺失：第 {expected}–{row.seq - 1} 条不存在（被删除）。")
        if row.prev_hash != prev:
            return Break(chain, row.seq, "prev_hash 与前一条记录的哈希不符（记录被调换顺序或插入）。")
        if row.key_id is None and not unkeyed:
            return Break(chain, row.seq, "未加密钥的记录（只有明文哈希，任何能写数据库的人都能重算）。")
        try:
            actual = compute_hash(row, ring)
        except keys.KeyMissing:
            return Break(chain, row.seq, f"缺少密钥「{row.key_id}」，无法核验（请在 GONGKAI_OLD_SECRET_KEYS 中配置）。")
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


def verify(
    session: Session, chain: str | None = None, anchors: list[dict[str, Any]] | None = None
) -> tuple[list[str], list[Break]]:
    """Walk every chain (or one), recomputing each MAC, and check the ``anchors`` given. Returns the chains checked
    and the first break of each broken chain (and of each anchor not matched)."""
    heads = repository.heads(session, chain)
    names = sorted(set(heads) | repository.chains(session, chain))
    breaks = [b for name in names if (b := _walk(session, name, heads.get(name))) is not None]
    for entry in anchors or []:
        if chain is None or entry.get("chain") == chain:
            broken = _check_anchor(session, entry)
            if broken is not None:
                breaks.append(broken)
    return names, breaks


def _anchor_mac(ring: keys.Keyring, chain: str, seq: int, hash_: str, at: str, key_id: str | None = None) -> str:
    return ring.mac(ANCHOR_PURPOSE, f"{chain}\n{seq}\n{hash_}\n{at}".encode(), key_id)


def anchors(session: Session) -> list[dict[str, Any]]:
    """The head of every chain, signed with the key: to be kept outside the database (printed, mailed, written to
    another machine). A later ``verify`` with them detects a chain cut back or rewritten since."""
    ring = keys.of(session)
    at = utcnow().isoformat(timespec="seconds")
    return [
        {
            "chain": head.chain,
            "seq": head.seq,
            "hash": head.hash,
            "at": at,
            "key_id": ring.current,
            "mac": _anchor_mac(ring, head.chain, head.seq, head.hash, at),
        }
        for head in repository.heads(session, None).values()
    ]


def _check_anchor(session: Session, entry: dict[str, Any]) -> Break | None:
    chain, seq, hash_ = str(entry.get("chain")), entry.get("seq"), str(entry.get("hash"))
    if not isinstance(seq, int):
        return Break(chain, 0, "锚点无效：格式不对。")
    try:
        mac = _anchor_mac(keys.of(session), chain, seq, hash_, str(entry.get("at")), entry.get("key_id"))
    except keys.KeyMissing:
        mac = None
    if mac is None or mac != entry.get("mac"):
        return Break(chain, seq, "锚点无效：签名不符（锚点文件被改动，或密钥不对）。")
    if seq == 0:
        return None
    stored = repository.hash_at(session, chain, seq)
    if stored is None:
        return Break(chain, seq, f"链在锚点之后被截断：锚定的第 {seq} 条已不存在。")
    if stored != hash_:
        return Break(chain, seq, f"锚点之前的记录被改写：第 {seq} 条的哈希与锚点不符。")
    return None


def seal_unkeyed(session: Session) -> tuple[list[str], list[Break]]:
    """MAC again, under the current key, every chain that still has records from before the key, after verifying
    it as it is. Returns the chains sealed and the breaks of those left unsealed."""
    ring = keys.of(session)
    heads = repository.heads(session, None)
    sealed, broken = [], []
    for name in sorted(repository.unkeyed_chains(session)):
        problem = _walk(session, name, heads.get(name), unkeyed=True)
        if problem is not None:
            broken.append(problem)
            continue
        prev = GENESIS
        for row in repository.chain_rows(session, name):
            row.prev_hash = prev
            row.key_id = ring.current
            row.hash = prev = compute_hash(row, ring)
        repository.set_head_hash(session, name, prev)
        session.flush()
        sealed.append(name)
    return sealed, broken
