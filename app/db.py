"""Engine and session factory. Built by ``create_app()`` or a CLI command from settings, never at import."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions (the driver would defer BEGIN to the first write).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """SQLite has one writer. Taking the write lock when the transaction starts makes concurrent requests queue
    (``busy_timeout``) instead of failing when a read-then-write transaction finds a newer snapshot."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _postgresql_connect_args(settings: Settings) -> dict[str, Any]:
    """libpq's ``connect_timeout`` bounds the wait for an unreachable server and ``statement_timeout`` the wait for
    one statement (lock waits included), so that a request gets its 503 in bounded time instead of hanging. A value
    written in the URL's query string wins over the setting."""
    query = make_url(settings.database_url).query
    args: dict[str, Any] = {}
    if "connect_timeout" not in query:
        args["connect_timeout"] = settings.db_connect_timeout
    if "options" not in query and settings.db_statement_timeout:
        args["options"] = f"-c statement_timeout={round(settings.db_statement_timeout * 1000)}"
    return args


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        engine = create_engine(
            settings.database_url, echo=settings.sql_echo, connect_args={"check_same_thread": False, "timeout": 10}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # pool_pre_ping: a connection the server dropped (restart, failover) is replaced at checkout, so the service
    # resumes by itself when the database is back.
    return create_engine(
        settings.database_url,
        echo=settings.sql_echo,
        pool_pre_ping=True,
        connect_args=_postgresql_connect_args(settings),
    )


@dataclass(frozen=True)
class Outage:
    """Why the database cannot serve right now: a condition of the installation, not of the request, that an
    operator fixes or that passes (the API answers 503 with ``Retry-After``; commands exit 1)."""

    reason: str
    detail: str
    retry_after: int


_UNREACHABLE = Outage("unreachable", "暂时无法连接数据库，请稍后重试；已保存的数据不受影响。", 5)
_TIMEOUT = Outage("timeout", "数据库响应超时（系统繁忙），本次操作未完成，请稍后重试。", 5)
_BUSY = Outage("busy", "数据库繁忙，本次操作未完成，请稍后重试。", 5)
_FULL = Outage(
    "disk_full",
    "数据库所在磁盘已满，本次操作未保存（已保存的数据不受影响）。请通知管理员清理磁盘空间后重试。",
    60,
)
_READ_ONLY = Outage(
    "read_only",
    "数据库当前为只读状态，本次操作未保存（已保存的数据不受影响）。请通知管理员检查数据库文件及其磁盘的写权限。",
    60,
)
_IO = Outage("io_error", "数据库读写磁盘出错，本次操作未保存。请通知管理员检查磁盘。", 60)
_CANT_OPEN = Outage(
    "cannot_open", "无法打开数据库文件（文件缺失、无权限或所在磁盘只读）。请通知管理员检查数据库文件。", 60
)

_SQLITE_OUTAGES = {
    5: _BUSY,  # SQLITE_BUSY: the write lock was not granted within busy_timeout
    6: _BUSY,  # SQLITE_LOCKED
    7: _BUSY,  # SQLITE_NOMEM
    8: _READ_ONLY,  # SQLITE_READONLY
    10: _IO,  # SQLITE_IOERR
    13: _FULL,  # SQLITE_FULL
    14: _CANT_OPEN,  # SQLITE_CANTOPEN
    15: _BUSY,  # SQLITE_PROTOCOL
}
_POSTGRESQL_OUTAGES = {
    "08": _UNREACHABLE,  # connection exception
    "57P01": _UNREACHABLE,  # admin_shutdown
    "57P02": _UNREACHABLE,  # crash_shutdown
    "57P03": _UNREACHABLE,  # cannot_connect_now (starting up, shutting down, recovering)
    "57014": _TIMEOUT,  # query_canceled: statement_timeout
    "55P03": _BUSY,  # lock_not_available
    "53100": _FULL,  # disk_full
    "53": _BUSY,  # insufficient resources: out of memory, too many connections
    "25006": _READ_ONLY,  # read_only_sql_transaction: a standby, or default_transaction_read_only
    "58": _IO,  # system error: I/O error
}


def unavailable(exc: BaseException) -> Outage | None:
    """The outage an exception from the database driver reports, or None when it is not one (a bug, bad input).

    SQLite says why in its result code; PostgreSQL in its SQLSTATE, and a connection that fails before the server
    answers has none (refused, reset, timed out, server gone)."""
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        return _SQLITE_OUTAGES.get(getattr(orig, "sqlite_errorcode", 0) & 0xFF)
    if exc.connection_invalidated:
        return _UNREACHABLE
    sqlstate: str | None = getattr(orig, "sqlstate", None)
    if sqlstate is None:
        return _UNREACHABLE if isinstance(exc, OperationalError | InterfaceError) else None
    return _POSTGRESQL_OUTAGES.get(sqlstate) or _POSTGRESQL_OUTAGES.get(sqlstate[:2])


def dialect_insert(session: Session) -> Any:
    """The ``insert`` of the session's dialect, which has ``on_conflict_do_nothing``/``on_conflict_do_update``."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def insert_or_ignore(session: Session, table: Any, **values: Any) -> None:
    """``INSERT … ON CONFLICT DO NOTHING`` in the session's dialect: creates a counter or head row if it is missing."""
    session.execute(dialect_insert(session)(table).values(**values).on_conflict_do_nothing())


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block ends normally, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
