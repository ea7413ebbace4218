"""Every query on the audit trail and its chain heads."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Select, Table, bindparam, func, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from app.db import insert_or_ignore
from app.models import AuditChainHead, AuditRecord

GENESIS = "0" * 64
"""The ``prev_hash`` of the first record of every chain."""
PLAIN = {"synchronize_session": False}
"""Head rows are written by statement, never loaded as objects: no ORM bookkeeping of the session's objects."""


_HEAD_TABLE = cast(Table, AuditChainHead.__table__)
_HEADS = _HEAD_TABLE.c
_ADVANCE = (
    update(_HEAD_TABLE)
    .where(_HEADS.chain == bindparam("head_chain"))
    .values(seq=_HEADS.seq + bindparam("head_count"))
    .returning(_HEADS.seq, _HEADS.hash)
)
_SET_HASH = update(_HEAD_TABLE).where(_HEADS.chain == bindparam("head_chain")).values(hash=bindparam("head_hash"))
_INSERT = insert(cast(Table, AuditRecord.__table__))
_RECORD_COLUMNS = tuple(attr.key for attr in inspect(AuditRecord).column_attrs if attr.key != "id")


def advance_head(session: Session, chain: str, count: int = 1) -> tuple[int, str]:
    """Reserve the next ``count`` sequence numbers of ``chain`` and return the first with the hash it must link to
    (the chain's head; each further record links to the one before it). The UPDATE holds
    the head row's lock until the transaction ends, so a concurrent writer of the same chain waits and then links to
    this record instead of forking the chain. The head row is created with the chain's first record.

    The head statements are Core statements built once (run on the session's connection, after flushing it): they are
    on every write's path, and the head row is never loaded as an object."""
    session.flush()
    connection = session.connection()
    reserve = {"head_chain": chain, "head_count": count}
    head = connection.execute(_ADVANCE, reserve).one_or_none()
    if head is None:
        insert_or_ignore(session, AuditChainHead, chain=chain, seq=0, hash=GENESIS)
        head = connection.execute(_ADVANCE, reserve).one()
    last, prev_hash = head
    return last - count + 1, prev_hash


def append(session: Session, records: list[AuditRecord]) -> None:
    """Insert records of one chain reserved with ``advance_head``, in their order, and make the last the chain's
    head. One plain INSERT, not the ORM's unit of work: the head is locked from ``advance_head`` to the commit, and
    every writer of the chain waits."""
    session.connection().execute(_INSERT, [{key: getattr(r, key) for key in _RECORD_COLUMNS} for r in records])
    set_head_hash(session, records[-1].chain, records[-1].hash)


def set_head_hash(session: Session, chain: str, hash_: str) -> None:
    session.connection().execute(_SET_HASH, {"head_chain": chain, "head_hash": hash_})


def heads(session: Session, chain: str | None) -> dict[str, AuditChainHead]:
    stmt = select(AuditChainHead)
    if chain is not None:
        stmt = stmt.where(AuditChainHead.chain == chain)
    return {head.chain: head for head in session.scalars(stmt)}


def chains(session: Session, chain: str | None) -> set[str]:
    stmt = select(AuditRecord.chain).distinct()
    if chain is not None:
        stmt = stmt.where(AuditRecord.chain == chain)
    return set(session.scalars(stmt))


def chain_rows(session: Session, chain: str) -> Iterator[AuditRecord]:
    """The records of one chain in order, streamed (a chain grows without bound)."""
    stmt = select(AuditRecord).where(AuditRecord.chain == chain).order_by(AuditRecord.seq)
    yield from session.scalars(stmt.execution_options(yield_per=500))


def hash_at(session: Session, chain: str, seq: int) -> str | None:
    return session.scalar(select(AuditRecord.hash).where(AuditRecord.chain == chain, AuditRecord.seq == seq))


def unkeyed_chains(session: Session) -> set[str]:
    """Chains holding records from before the audit key (``key_id`` NULL)."""
    return set(session.scalars(select(AuditRecord.chain).where(AuditRecord.key_id.is_(None)).distinct()))


def prev_hash_at(session: Session, chain: str, seq: int) -> str | None:
    return session.scalar(select(AuditRecord.prev_hash).where(AuditRecord.chain == chain, AuditRecord.seq == seq))


@dataclass(frozen=True)
class AuditFilter:
    agency_ids: Collection[int]
    include_global: bool
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    entity_type: str | None = None
    entity_id: str | None = None


def _filtered(f: AuditFilter) -> Select[AuditRecord]:
    scope = AuditRecord.agency_id.in_(f.agency_ids)
    stmt = select(AuditRecord).where(or_(scope, AuditRecord.agency_id.is_(None)) if f.include_global else scope)
    if f.actor is not None:
        stmt = stmt.where(AuditRecord.actor == f.actor)
    if f.action is not None:
        prefix = f.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%"
        stmt = stmt.where(or_(AuditRecord.action == f.action, AuditRecord.action.like(prefix, escape="\\")))
    if f.since is not None:
        stmt = stmt.where(AuditRecord.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditRecord.at < f.until)
    if f.entity_type is not None:
        stmt = stmt.where(AuditRecord.entity_type == f.entity_type)
    if f.entity_id is not None:
        stmt = stmt.where(AuditRecord.entity_id == f.entity_id)
    return stmt


def page(session: Session, f: AuditFilter, offset: int, limit: int) -> tuple[list[AuditRecord], int]:
    stmt = _filtered(f)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(AuditRecord.at, AuditRecord.id).offset(offset).limit(limit))
    return list(rows), total
