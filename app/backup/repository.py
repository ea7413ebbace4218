"""Every query of backup and restore: row counts, audit chain sizes and heads, the schema revision."""

from __future__ import annotations

from sqlalchemy import Connection, MetaData, column, func, inspect, select, table

from app.models import AuditChainHead, AuditRecord, Base

VERSION_TABLE = "alembic_version"


def table_names(connection: Connection) -> list[str]:
    """The tables that exist in the database (Alembic's own included)."""
    return sorted(inspect(connection).get_table_names())


def counts(connection: Connection) -> dict[str, int]:
    """Rows per application table that exists (any table a later release adds is counted too)."""
    present = set(table_names(connection))
    return {
        t.name: int(connection.scalar(select(func.count()).select_from(table(t.name))) or 0)
        for t in Base.metadata.sorted_tables
        if t.name in present
    }


def chains(connection: Connection) -> dict[str, dict[str, object]]:
    """Each audit chain's record count and head (sequence number and hash)."""
    grouped = connection.execute(select(AuditRecord.chain, func.count()).group_by(AuditRecord.chain))
    sizes: dict[str, int] = {row[0]: row[1] for row in grouped}
    heads = connection.execute(select(AuditChainHead.chain, AuditChainHead.seq, AuditChainHead.hash)).all()
    return {
        chain: {"records": int(sizes.get(chain, 0)), "head_seq": int(seq), "head_hash": head_hash}
        for chain, seq, head_hash in sorted(heads)
    }


def revision(connection: Connection) -> str | None:
    if VERSION_TABLE not in table_names(connection):
        return None
    return connection.scalar(select(column("version_num")).select_from(table(VERSION_TABLE)))


def drop_everything(connection: Connection) -> None:
    """Every table of the target, ours or not, before a forced restore."""
    metadata = MetaData()
    metadata.reflect(connection)
    metadata.drop_all(connection)
