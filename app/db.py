"""Engine and session factory. Built by ``create_app()`` or a CLI command from settings, never at import."""

from __future__ import annotations

import logging
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from app import keys
from app.settings import Settings

log = logging.getLogger("gongkai")

READ_ONLY = "gongkai_read_only"
"""Execution option of the engine behind read-only units of work (``transaction(..., read_only=True)``)."""
NO_WAIT = "gongkai_no_wait"
"""Execution option of the units of work that do bookkeeping after a request's commit (``after_commit``): they take
SQLite's write lock only if it is free at once, and are skipped otherwise, so that a GET never waits for writers."""


class Busy(Exception):
    """A unit of work did not get its turn (a write lock, a connection, a request slot) within ``busy_timeout``:
    the service is overloaded right now, answered with 503 and ``Retry-After``."""


_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _writer_lock(database: str) -> threading.Lock:
    """One lock per SQLite file in this process: its writers queue here, in order, and take the file's own write
    lock without waiting for it."""
    with _writer_locks_guard:
        return _writer_locks.setdefault(database, threading.Lock())


class _SQLiteConnection(sqlite3.Connection):
    """A pysqlite connection that holds its process's writer lock from ``BEGIN IMMEDIATE`` to commit or rollback.

    SQLite has one writer. Left to ``busy_timeout``, waiting writers poll the file lock with sleeps growing to
    100 ms, so under a burst the lock sits free while every waiter sleeps, and requests time out in a crowd. Queued
    on a lock in the process instead, the next writer starts the moment the last one commits; ``busy_timeout`` still
    arbitrates between processes (the CLI, a second server)."""

    writer: threading.Lock | None = None
    holds_writer = False

    def take_writer(self, timeout: float) -> None:
        if self.writer is None or self.holds_writer:
            return
        if not self.writer.acquire(timeout=timeout):
            raise Busy(f"no write lock within {timeout} s")
        self.holds_writer = True

    def release_writer(self) -> None:
        if self.holds_writer:
            self.holds_writer = False
            assert self.writer is not None
            self.writer.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_writer()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_writer()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions (the driver would defer BEGIN to the first write).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # busy_timeout comes from the driver's ``timeout`` (settings.busy_timeout)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin(dbapi_connection: sqlite3.Connection, statement: str) -> None:
    """``statement`` straight on the driver's connection: SQLAlchemy's execution of a statement (its context, events
    and result) cost ~5 % of a creation's CPU for a BEGIN that has no parameters and no result. A failure is raised
    as SQLAlchemy would raise it (``OperationalError`` around the driver's), for ``unavailable`` to read."""
    try:
        dbapi_connection.execute(statement)
    except sqlite3.Error as exc:
        raise OperationalError(statement, None, exc) from exc


def _begin_at_once(dbapi_connection: sqlite3.Connection, timeout: float) -> None:
    """``BEGIN IMMEDIATE`` without waiting for another process's writer (``busy_timeout`` 0 for it alone)."""
    _begin(dbapi_connection, "PRAGMA busy_timeout = 0")
    try:
        _begin(dbapi_connection, "BEGIN IMMEDIATE")
    finally:
        _begin(dbapi_connection, f"PRAGMA busy_timeout = {round(timeout * 1000)}")


def _sqlite_begin_with(timeout: float) -> Callable[[Any], None]:
    def begin(connection: Any) -> None:
        """SQLite has one writer. A unit of work that may write takes the write lock when it starts, so that
        concurrent requests queue instead of failing when a read-then-write transaction finds a newer snapshot; a
        read-only one (``READ_ONLY``) reads its WAL snapshot next to the writer and takes no lock; bookkeeping
        (``NO_WAIT``) takes the lock only if it is free now, in this process and in others."""
        dbapi_connection = connection.connection.dbapi_connection
        options = connection.get_execution_options()
        if options.get(READ_ONLY):
            _begin(dbapi_connection, "BEGIN")
            return
        no_wait = options.get(NO_WAIT, False)
        dbapi_connection.take_writer(0 if no_wait else timeout)
        try:
            if no_wait:
                _begin_at_once(dbapi_connection, timeout)
            else:
                _begin(dbapi_connection, "BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.release_writer()
            raise

    return begin


def _postgresql_connect_args(settings: Settings) -> dict[str, Any]:
    """libpq's ``connect_timeout`` bounds the wait for an unreachable server and ``statement_timeout`` the wait for
    one statement (lock waits included), so that a request gets its 503 in bounded time instead of hanging;
    ``lock_timeout`` (``busy_timeout``) the wait for a row lock (a case number counter, an audit chain head), so
    that a burst queued on one gets 503 in seconds, not after the statement time-out. A value written in the URL's
    query string wins over the setting."""
    query = make_url(settings.database_url).query
    args: dict[str, Any] = {}
    if "connect_timeout" not in query:
        args["connect_timeout"] = settings.db_connect_timeout
    if "options" not in query:
        options = [f"-c lock_timeout={round(settings.busy_timeout * 1000)}"]
        if settings.db_statement_timeout:
            options.append(f"-c statement_timeout={round(settings.db_statement_timeout * 1000)}")
        args["options"] = " ".join(options)
    return args


def make_engine(settings: Settings) -> Engine:
    """The engine with the production pool: ``db_pool_size`` connections (one per request slot, see
    ``app.concurrency``) plus as many again for the short after-commit units of work, each waited for at most
    ``busy_timeout``."""
    pool = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_size,
        "pool_timeout": settings.busy_timeout,
    }
    if settings.is_sqlite:
        database = make_url(settings.database_url).database
        in_memory = database in (None, "", ":memory:")  # a connection per thread (SingletonThreadPool): no pool
        connect_args = {"check_same_thread": False, "timeout": settings.busy_timeout, "factory": _SQLiteConnection}
        engine = create_engine(
            settings.database_url, echo=settings.sql_echo, connect_args=connect_args, **({} if in_memory else pool)
        )
        lock = None if in_memory else _writer_lock(str(Path(str(database)).resolve()))

        def connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.writer = lock
            _sqlite_pragmas(dbapi_connection, record)

        event.listen(engine, "connect", connect)
        event.listen(engine, "begin", _sqlite_begin_with(settings.busy_timeout))
    else:
        # pool_pre_ping: a connection the server dropped (restart, failover) is replaced at checkout, so the service
        # resumes by itself when the database is back.
        engine = create_engine(
            settings.database_url,
            echo=settings.sql_echo,
            pool_pre_ping=True,
            connect_args=_postgresql_connect_args(settings),
            **pool,
        )
    _read_only[engine] = engine.execution_options(**{READ_ONLY: True})
    return engine


_read_only: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


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
_CONFLICT = Outage("deadlock", _BUSY.detail, 1)
"""Told as busy, and logged apart: a deadlock is a defect of the lock order (docs/operations.md) to look into."""
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
    "40P01": _CONFLICT,  # deadlock_detected: PostgreSQL rolled this transaction back so that the other one goes on
    "40001": _CONFLICT,  # serialization_failure
    "53100": _FULL,  # disk_full
    "53": _BUSY,  # insufficient resources: out of memory, too many connections
    "25006": _READ_ONLY,  # read_only_sql_transaction: a standby, or default_transaction_read_only
    "58": _IO,  # system error: I/O error
}


def unavailable(exc: BaseException) -> Outage | None:
    """The outage an exception from the database driver reports, or None when it is not one (a bug, bad input).

    SQLite says why in its result code; PostgreSQL in its SQLSTATE, and a connection that fails before the server
    answers has none (refused, reset, timed out, server gone)."""
    if isinstance(exc, Busy | PoolTimeout):
        return _BUSY  # no request slot, SQLite write lock or pooled connection within busy_timeout (overload)
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


def reading(session: Session) -> Connection:
    """The session's connection, for a read of plain columns built once: after the flush the session would make
    before a statement of its own (autoflush), but without its ORM handling, which a statement of columns does not
    need (~55 µs a statement here; ``bench/README.md``, sixth pass). For the reads on every request's path."""
    if session.autoflush:
        session.flush()
    return session.connection()


def several_writers(session: Session) -> bool:
    """Whether other processes write beside this one (PostgreSQL), so that a rule must take a lock; SQLite has one
    writer at a time (``BEGIN IMMEDIATE``)."""
    return session.get_bind().dialect.name == "postgresql"


def dialect_insert(session: Session) -> Any:
    """The ``insert`` of the session's dialect, which has ``on_conflict_do_nothing``/``on_conflict_do_update``."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def insert_or_ignore(session: Session, table: Any, **values: Any) -> None:
    """``INSERT … ON CONFLICT DO NOTHING`` in the session's dialect: creates a counter or head row if it is missing."""
    session.execute(dialect_insert(session)(table).values(**values).on_conflict_do_nothing())


@contextmanager
def unique(session: Session, taken: Exception) -> Iterator[None]:
    """Write a row whose key was just checked to be free, in a savepoint: if another transaction took the key in the
    meantime (two requests at once; PostgreSQL makes the second wait at the index, then refuses it), the caller's
    refusal ``taken`` is raised, as the check would have, not a bare conflict of the database."""
    try:
        with session.begin_nested():
            yield
    except IntegrityError:
        raise taken from None


AFTER_COMMIT = "gongkai_after_commit"


def after_commit(session: Session, work: Callable[[Session], None]) -> None:
    """Run ``work`` in its own short unit of work once the session's transaction has committed (not at all if it
    rolls back): bookkeeping that must not hold a lock for the rest of the request, such as a token's last use
    (design mistake 6). Best effort: a failure is logged, never the caller's."""
    session.info.setdefault(AFTER_COMMIT, []).append(work)


def _run_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: the transaction goes on
    works: list[Callable[[Session], None]] = session.info.pop(AFTER_COMMIT, [])
    if not works:
        return
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    writer = bind.execution_options(**{READ_ONLY: False, NO_WAIT: True})
    for work in works:
        try:
            with Session(writer, info={keys.SESSION_INFO_KEY: keys.of(session)}) as short, short.begin():
                work(short)
        except Exception as exc:
            if unavailable(exc) is _BUSY:
                log.info("after-commit work skipped: the database is busy (it is done by a later request)")
            else:
                log.warning("after-commit work failed", exc_info=True)


def _forget_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is None:
        session.info.pop(AFTER_COMMIT, None)


def make_session_factory(engine: Engine, keyring: keys.Keyring = keys.DEVELOPMENT) -> sessionmaker[Session]:
    """Sessions of ``engine``, carrying the server's keys (``app.keys.of``) for the audit chain and secrets."""
    factory = sessionmaker(engine, expire_on_commit=False, info={keys.SESSION_INFO_KEY: keyring})
    event.listen(factory, "after_commit", _run_after_commit)
    event.listen(factory, "after_rollback", _forget_after_commit)
    return factory


def begin_unit(factory: sessionmaker[Session], *, read_only: bool = False) -> Session:
    """The session of a new unit of work; no I/O until its first statement. ``read_only``: a unit of work that only
    reads (an HTTP GET); on SQLite it then reads its snapshot beside the writer instead of queueing for the write
    lock (a write in it still works, taking the lock then)."""
    engine = factory.kw["bind"]
    return factory(bind=_read_only.get(engine, engine)) if read_only else factory()


def end_unit(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) a unit of work of :func:`begin_unit` and give its connection back; a commit that fails
    is rolled back."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def transaction(factory: sessionmaker[Session], *, read_only: bool = False) -> Iterator[Session]:
    """One unit of work: commit when the block ends normally, roll back on any error (``read_only``: see
    :func:`begin_unit`)."""
    session = begin_unit(factory, read_only=read_only)
    try:
        yield session
    except BaseException:
        end_unit(session, commit=False)
        raise
    end_unit(session, commit=True)
