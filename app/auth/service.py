"""Who is calling: bearer tokens for systems, passwords and session cookies for people. Services flush, never commit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from app.agency import repository as agencies
from app.agency.repository import get_agency
from app.audit import service as audit
from app.auth import repository
from app.auth.principal import Principal
from app.clock import utcnow
from app.domain.errors import NotFound, WrongState
from app.domain.roles import Permission, Role
from app.models import Agency, ApiToken, AppUser, UserSession

TOKEN_PREFIX = "gk_"

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
"""After ``MAX_FAILED_LOGINS`` consecutive failures the account is locked for ``LOCKOUT`` (登录失败处理, GB/T
22239-2019 等级保护 8.1.4.1 a): enough to stop password guessing, short enough not to need an administrator."""

MAX_FAILED_PER_CLIENT = 20
CLIENT_WINDOW = timedelta(minutes=10)
"""At most ``MAX_FAILED_PER_CLIENT`` refused sign-ins from one address within ``CLIENT_WINDOW``: the lock-out stops
guessing one account's password, this stops trying one password on many accounts."""

TOKEN_GRACE = timedelta(hours=24)
"""How long a rotated token keeps working, so that the systems using it can switch to the new one."""

_hasher = PasswordHasher()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """Verified against for unknown users, so that the answer takes as long as for a wrong password."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _principal(
    session: Session,
    actor: str,
    memberships: dict[int, Role],
    user_id: int | None = None,
    session_id: int | None = None,
) -> Principal:
    return Principal(
        actor=actor,
        memberships=memberships,
        descendants=agencies.descendants(session, memberships),
        user_id=user_id,
        session_id=session_id,
    )


# --- service tokens -------------------------------------------------------------------------------------------------


def create_token(
    session: Session,
    agency: Agency,
    role: Role,
    name: str,
    expires_at: datetime | None = None,
    created_by: str | None = None,
) -> tuple[ApiToken, str]:
    """A new bearer token. The plain token is returned once and never stored."""
    return _new_token(session, agency.id, role, name, expires_at, created_by)


def _new_token(
    session: Session, agency_id: int, role: Role, name: str, expires_at: datetime | None, created_by: str | None
) -> tuple[ApiToken, str]:
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        agency_id=agency_id,
        role=role.value,
        name=name,
        token_hash=hash_token(plain),
        created_at=utcnow(),
        expires_at=expires_at,
        created_by=created_by,
    )
    session.add(token)
    _audit_token(session, token, "token.create", None, created_by or "system")
    return token, plain


def _token_state(token: ApiToken) -> dict[str, Any]:
    return audit.snapshot(token, exclude=("token_hash", "last_used_at"))


def _audit_token(session: Session, token: ApiToken, action: str, before: dict[str, Any] | None, actor: str) -> None:
    session.flush()
    audit.record(
        session,
        agency=agencies.by_id(session, token.agency_id),
        actor=actor,
        action=action,
        entity="api_token",
        entity_id=token.id,
        before=before,
        after=_token_state(token),
    )


def _token_valid(token: ApiToken, now: datetime) -> bool:
    return not (
        token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or (token.grace_until is not None and token.grace_until <= now)
    )


def authenticate_token(session: Session, plain: str) -> Principal | None:
    """The principal behind a bearer token, or None if it is unknown, revoked, expired or rotated past its grace."""
    token = repository.token_by_hash(session, hash_token(plain))
    now = utcnow()
    if token is None or not _token_valid(token, now):
        return None
    token.last_used_at = now
    return _principal(session, f"token:{token.name}#{token.id}", {token.agency_id: Role(token.role)})


def _managed_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    missing = NotFound("token_not_found", f"令牌 #{token_id} 不存在或不在您的权限范围内。")
    token = session.get(ApiToken, token_id)
    if token is None:
        raise missing
    principal.check(Permission.TOKEN_MANAGE, token.agency_id, missing)
    return token


def issue_token(
    session: Session, principal: Principal, agency_code: str, role: Role, name: str, expires_days: int | None
) -> tuple[ApiToken, str]:
    agency = get_agency(session, agency_code)
    principal.check(
        Permission.TOKEN_MANAGE, agency.id, NotFound("agency_not_found", f"机关代码「{agency_code}」不存在。")
    )
    expires = utcnow() + timedelta(days=expires_days) if expires_days else None
    return create_token(session, agency, role, name, expires, principal.actor)


def managed_tokens(session: Session, principal: Principal) -> list[ApiToken]:
    principal.require_anywhere(Permission.TOKEN_MANAGE)
    return repository.tokens_of(session, principal.agency_ids(Permission.TOKEN_MANAGE))


def rotate_token(session: Session, principal: Principal, token_id: int) -> tuple[ApiToken, str]:
    """A new token with the same agency, role, name and expiry; the old one keeps working for ``TOKEN_GRACE``."""
    old = _managed_token(session, principal, token_id)
    now = utcnow()
    if not _token_valid(old, now) or old.grace_until is not None:
        raise WrongState("token_not_rotatable", f"令牌 #{token_id} 已失效或已轮换过，不能再轮换。")
    new, plain = _new_token(session, old.agency_id, Role(old.role), old.name, old.expires_at, principal.actor)
    new.rotated_from_id = old.id
    before = _token_state(old)
    old.grace_until = now + TOKEN_GRACE
    _audit_token(session, old, "token.rotate", before, principal.actor)
    return new, plain


def revoke_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    token = _managed_token(session, principal, token_id)
    if token.revoked_at is None:
        before = _token_state(token)
        token.revoked_at = utcnow()
        _audit_token(session, token, "token.revoke", before, principal.actor)
    return token


# --- people: passwords and browser sessions -------------------------------------------------------------------------


class Refusal(StrEnum):
    FAILED = "login_failed"
    LOCKED = "account_locked"
    THROTTLED = "too_many_logins"


@dataclass(frozen=True)
class SessionIdentity:
    principal: Principal
    csrf_token: str


@dataclass(frozen=True)
class SignIn:
    cookie: str
    """The session id for the cookie; only its hash is stored."""
    identity: SessionIdentity


def _check_password(session: Session, username: str, password: str, now: datetime) -> Refusal | None:
    user = repository.user_by_username(session, username)
    if user is None or not user.is_active:
        _verify_password(_dummy_hash(), password)
        return Refusal.FAILED
    if user.locked_until is not None and user.locked_until > now:
        return Refusal.LOCKED
    if _verify_password(user.password_hash, password):
        return None
    if repository.count_failed_login(session, user.id) < MAX_FAILED_LOGINS:
        return Refusal.FAILED
    before = user_state(user)
    user.failed_attempts = 0
    user.locked_until = now + LOCKOUT
    audit_user(session, user, "user.locked", before, "system:login")
    return Refusal.LOCKED


def user_state(user: AppUser) -> dict[str, Any]:
    """What the audit trail keeps of an account: never the password hash."""
    roles = {str(m.agency_id): m.role for m in user.memberships}
    return {**audit.snapshot(user, exclude=("password_hash",)), "memberships": roles}


def audit_user(session: Session, user: AppUser, action: str, before: dict[str, Any] | None, actor: str) -> None:
    """One record in the chain of every agency the account belonged to before or belongs to after the change, so
    each agency's auditors see every change to its people."""
    session.flush()
    after = user_state(user)
    involved = set(after["memberships"]) | set(before["memberships"] if before else ())
    for agency_id in sorted(int(a) for a in involved):
        audit.record(
            session,
            agency=agencies.by_id(session, agency_id),
            actor=actor,
            action=action,
            entity="user",
            entity_id=user.id,
            before=before,
            after=after,
        )


def _user_principal(session: Session, user: AppUser, session_id: int) -> Principal:
    memberships = {m.agency_id: Role(m.role) for m in user.memberships}
    return _principal(session, f"user:{user.username}", memberships, user.id, session_id)


def login(session: Session, username: str, password: str, idle: timedelta, client: str) -> SignIn | Refusal:
    """Check a password and open a session. A refusal is returned, not raised: the failed attempt must be saved.

    An unknown or deactivated user gets the same answer as a wrong password, after the same work. ``client`` is the
    caller's address, for the per-address limit."""
    now = utcnow()
    if repository.failed_logins_since(session, client, now - CLIENT_WINDOW) >= MAX_FAILED_PER_CLIENT:
        return Refusal.THROTTLED
    refusal = _check_password(session, username, password, now)
    if refusal is not None:
        repository.record_failed_login(session, client, now, prune_before=now - CLIENT_WINDOW)
        return refusal
    user = repository.user_by_username(session, username)
    assert user is not None
    user.failed_attempts = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id, session_hash=hash_token(cookie), csrf_token=csrf, created_at=now, expires_at=now + idle
    )
    session.add(row)
    session.flush()
    return SignIn(cookie, SessionIdentity(_user_principal(session, user, row.id), csrf))


def authenticate_session(session: Session, cookie: str, idle: timedelta) -> SessionIdentity | None:
    """The user behind a session cookie, or None if the session is unknown, idle too long or the user deactivated.
    Each use extends the session by ``idle``."""
    row = repository.session_by_hash(session, hash_token(cookie))
    now = utcnow()
    if row is None or row.expires_at <= now or not row.user.is_active:
        return None
    row.expires_at = now + idle
    return SessionIdentity(_user_principal(session, row.user, row.id), row.csrf_token)


def csrf_matches(identity: SessionIdentity, token: str | None) -> bool:
    """Whether ``token`` is the session's CSRF token (constant-time): the API's ``X-CSRF-Token`` header and the web
    pages' ``csrf_token`` form field are both checked here."""
    return hmac.compare_digest((token or "").encode(), identity.csrf_token.encode())


def logout(session: Session, principal: Principal) -> None:
    """End the caller's browser session (a bearer token has none to end)."""
    if principal.session_id is not None:
        row = session.get(UserSession, principal.session_id)
        if row is not None:
            session.delete(row)
            session.flush()


def current_user(session: Session, principal: Principal) -> tuple[AppUser, str] | None:
    """The signed-in user and the session's CSRF token, or None for a bearer token."""
    if principal.session_id is None:
        return None
    row = session.get(UserSession, principal.session_id)
    return None if row is None else (row.user, row.csrf_token)
