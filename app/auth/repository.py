from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Row, bindparam, case, delete, or_, select, update
from sqlalchemy.orm import Session

from app.db import dialect_insert, reading
from app.models import ApiToken, AppUser, LoginThrottle, UserSession

# The lookups of every authenticated request, built once: a statement built per call costs about as much again as
# running it (its construction and its cache key, ~40 µs; ``bench/README.md``, fifth pass).
_TOKEN_BY_HASH = select(
    ApiToken.id,
    ApiToken.agency_id,
    ApiToken.role,
    ApiToken.name,
    ApiToken.expires_at,
    ApiToken.revoked_at,
    ApiToken.grace_until,
    ApiToken.last_used_at,
).where(ApiToken.token_hash == bindparam("token_hash"))
TokenRow = Row[int, int, str, str, datetime | None, datetime | None, datetime | None, datetime | None]
"""``_TOKEN_BY_HASH``'s columns: id, agency_id, role, name, expires_at, revoked_at, grace_until, last_used_at."""
_SESSION_BY_HASH = select(UserSession).where(UserSession.session_hash == bindparam("session_hash"))


def token_by_hash(session: Session, token_hash: str) -> TokenRow | None:
    """The token's columns that authentication reads, as a plain row (``reading``): the first statement of every
    call of an OA system, where a mapped ``ApiToken`` cost 120 µs against 45 µs."""
    return reading(session).execute(_TOKEN_BY_HASH, {"token_hash": token_hash}).one_or_none()


def mark_token_used(session: Session, token_id: int, at: datetime, resolution: timedelta) -> None:
    """Record a use of the token unless one within ``resolution`` of ``at`` is recorded already (by a concurrent
    request of the same caller, say)."""
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= at - resolution),
        )
        .values(last_used_at=at)
    )


def extend_session(session: Session, session_id: int, until: datetime) -> None:
    """Move a browser session's expiry to ``until``, never backwards."""
    session.execute(
        update(UserSession).where(UserSession.id == session_id, UserSession.expires_at < until).values(expires_at=until)
    )


def tokens_of(session: Session, agency_ids: Collection[int]) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.agency_id.in_(agency_ids)).order_by(ApiToken.id)))


def user_by_username(session: Session, username: str) -> AppUser | None:
    return session.scalars(select(AppUser).where(AppUser.username == username)).one_or_none()


def users_by_username(session: Session, usernames: Collection[str]) -> list[AppUser]:
    if not usernames:
        return []
    return list(session.scalars(select(AppUser).where(AppUser.username.in_(usernames))))


def session_by_hash(session: Session, session_hash: str) -> UserSession | None:
    return session.scalars(_SESSION_BY_HASH, {"session_hash": session_hash}).one_or_none()


def end_sessions(session: Session, user_id: int, keep: int | None = None) -> None:
    """Sign the user out everywhere (but in session ``keep``)."""
    for row in session.scalars(select(UserSession).where(UserSession.user_id == user_id)):
        if row.id != keep:
            session.delete(row)


def count_attempt(session: Session, key: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
    """Count one attempt under ``key`` in a window of ``window`` that starts afresh once it has passed, in one
    statement (insert or update, returning the new count), so that parallel attempts each see their own count."""
    table = LoginThrottle.__table__
    stale = table.c.window_start <= now - window
    stmt = (
        dialect_insert(session)(table)
        .values(key=key, failures=1, window_start=now, next_at=None)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": case((stale, 1), else_=table.c.failures + 1),
                "window_start": case((stale, now), else_=table.c.window_start),
            },
        )
        .returning(table.c.failures, table.c.window_start)
    )
    failures, start = session.execute(stmt).one()
    return failures, start


def take_turn(session: Session, key: str, now: datetime, interval: timedelta) -> bool:
    """Whether an attempt under ``key`` may go now: at most one per ``interval``, decided by one conditional UPDATE
    (of parallel attempts exactly one gets the turn)."""
    stmt = (
        update(LoginThrottle)
        .where(LoginThrottle.key == key, or_(LoginThrottle.next_at.is_(None), LoginThrottle.next_at <= now))
        .values(next_at=now + interval)
        .returning(LoginThrottle.key)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).first() is not None


def uncount(session: Session, keys: Collection[str]) -> None:
    """Take back one attempt counted under each of ``keys`` (it was not a failure), in one statement."""
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key.in_(keys), LoginThrottle.failures > 0)
        .values(failures=LoginThrottle.failures - 1)
        .execution_options(synchronize_session=False)
    )


def forget(session: Session, keys: Collection[str], prefix: str | None = None) -> None:
    """Clear the counts under ``keys`` (and every key starting with ``prefix``)."""
    condition: ColumnElement[bool] = LoginThrottle.key.in_(keys)
    if prefix is not None:
        condition = or_(condition, LoginThrottle.key.startswith(prefix, autoescape=True))
    session.execute(delete(LoginThrottle).where(condition).execution_options(synchronize_session=False))


def prune_throttle(session: Session, before: datetime) -> None:
    """Drop counts whose window started before ``before`` and that hold no slow-down any more."""
    session.execute(
        delete(LoginThrottle)
        .where(
            LoginThrottle.window_start < before,
            or_(LoginThrottle.next_at.is_(None), LoginThrottle.next_at < before),
        )
        .execution_options(synchronize_session=False)
    )
