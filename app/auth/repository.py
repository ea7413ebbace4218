from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.models import ApiToken, AppUser, FailedLogin, UserSession


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash)).one_or_none()


def tokens_of(session: Session, agency_ids: Collection[int]) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.agency_id.in_(agency_ids)).order_by(ApiToken.id)))


def user_by_username(session: Session, username: str) -> AppUser | None:
    return session.scalars(select(AppUser).where(AppUser.username == username)).one_or_none()


def count_failed_login(session: Session, user_id: int) -> int:
    """Add one failed attempt in the database itself, so that concurrent guesses cannot overwrite each other's count."""
    return session.execute(
        update(AppUser)
        .where(AppUser.id == user_id)
        .values(failed_attempts=AppUser.failed_attempts + 1)
        .returning(AppUser.failed_attempts)
        .execution_options(synchronize_session="fetch")
    ).scalar_one()


def session_by_hash(session: Session, session_hash: str) -> UserSession | None:
    return session.scalars(select(UserSession).where(UserSession.session_hash == session_hash)).one_or_none()


def end_sessions(session: Session, user_id: int) -> None:
    for row in session.scalars(select(UserSession).where(UserSession.user_id == user_id)):
        session.delete(row)


def failed_logins_since(session: Session, client: str, since: datetime) -> int:
    stmt = select(func.count()).select_from(FailedLogin).where(FailedLogin.client == client, FailedLogin.at >= since)
    return session.scalar(stmt) or 0


def record_failed_login(session: Session, client: str, at: datetime, prune_before: datetime) -> None:
    session.execute(delete(FailedLogin).where(FailedLogin.at < prune_before))
    session.add(FailedLogin(client=client[:64], at=at))
    session.flush()
