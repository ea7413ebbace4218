"""Who is calling: bearer tokens for systems, passwords and session cookies for people. Services flush, never commit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache, partial
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session, sessionmaker

from app.agency import repository as agencies
from app.agency.repository import get_agency
from app.audit import service as audit
from app.auth import repository
from app.auth.principal import Principal
from app.clock import utcnow
from app.db import after_commit, transaction
from app.domain.errors import InvalidInput, NotFound, WrongState
from app.domain.roles import READ_DOWN, Permission, Role
from app.inputs import is_clean_line, name_line
from app.models import Agency, ApiToken, AppUser, UserSession

TOKEN_PREFIX = "gk_"


@dataclass(frozen=True)
class Limit:
    attempts: int
    window: timedelta


PAIR_LIMIT = Limit(5, timedelta(minutes=15))
"""One account from one address: after 5 failures that address may not try that account for the rest of the 15
minutes (登录失败处理, GB/T 22239-2019 等级保护 8.1.4.1 a). Only the guessing address is stopped: the account is not
locked, so that five anonymous guesses cannot lock anyone (an administrator included) out from everywhere.

A success takes back its own count and nothing else: failures stay counted for their window. Forgiving them on a
success (the usual "reset") would also forgive guesses made in parallel from the same address (one office NAT), so
that more than five wrong passwords could be checked in a window; a real user who mistyped needs at most the rest of
the window or an administrator's ``unlock``."""

ADDRESS_LIMIT = Limit(20, timedelta(minutes=10))
"""One address, every account: stops trying one password on many accounts."""

ACCOUNT_LIMIT = Limit(10, timedelta(minutes=15))
ACCOUNT_INTERVAL = timedelta(seconds=10)
"""One account from every address: past 10 failures in 15 minutes, the account is slowed down to one attempt per
``ACCOUNT_INTERVAL`` (at most 90 guesses an hour however many addresses guess), and no longer locked."""


USE_RESOLUTION = timedelta(minutes=1)
"""A token's ``last_used_at`` and a browser session's sliding expiry move at most once a minute, each in its own
short unit of work after the request's has committed (``app.db.after_commit``): written inside every request, the
one row of an OA system's token would queue all of its calls behind each other's commits (design mistake 6)."""

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
    system_admin: bool = False,
) -> Principal:
    """The sub-agencies are read only for the roles that read down (``READ_DOWN``): a clerk's or a supervisor's
    request, most of them, reads no agency tree."""
    reading_down = [agency_id for agency_id, role in memberships.items() if role in READ_DOWN]
    return Principal(
        actor=actor,
        memberships=memberships,
        descendants=agencies.descendants(session, reading_down) if reading_down else {},
        user_id=user_id,
        session_id=session_id,
        system_admin=system_admin,
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
    """A new bearer token. The plain token is returned once and never stored. (Its name is checked here, not when a
    rotation copies it: a token named before names were checked can still be rotated.)"""
    name = name_line(name, code="token_name", label="令牌名称（用途）", max_length=100)
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


def _token_valid(token: ApiToken | repository.TokenRow, now: datetime) -> bool:
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
    if token.last_used_at is None or token.last_used_at <= now - USE_RESOLUTION:
        after_commit(session, partial(repository.mark_token_used, token_id=token.id, at=now, resolution=USE_RESOLUTION))
    return _principal(session, f"token:{token.name}#{token.id}", {token.agency_id: Role(token.role)})


def _managed_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    """The token, its row locked until the transaction ends: two rotations at once would otherwise both find it not
    yet rotated and issue two successors (PostgreSQL), and a rotation and a revocation took the row and the audit
    chain's head in opposite orders and deadlocked."""
    missing = NotFound("token_not_found", f"令牌 #{token_id} 不存在或不在您的权限范围内。")
    token = session.get(ApiToken, token_id, with_for_update=True, populate_existing=True)
    if token is None:
        raise missing
    principal.check(Permission.TOKEN_MANAGE, token.agency_id, missing)
    return token


MAX_TOKEN_DAYS = 3650
"""The longest a token may be issued for (ten years); longer is a typo, and without an end, say so (no expiry)."""


def issue_token(
    session: Session, principal: Principal, agency_code: str, role: Role, name: str, expires_days: int | None
) -> tuple[ApiToken, str]:
    agency = get_agency(session, agency_code)
    principal.check(
        Permission.TOKEN_MANAGE, agency.id, NotFound("agency_not_found", f"机关代码「{agency_code}」不存在。")
    )
    if expires_days is not None and not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise InvalidInput(
            "token_expiry_invalid", f"有效天数应为 1 至 {MAX_TOKEN_DAYS} 之间的整数，实为 {expires_days}。"
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
    THROTTLED = "too_many_logins"


@dataclass(frozen=True)
class Refused:
    reason: Refusal
    retry_after: int = 0
    """Seconds before a throttled address or account may try again."""


@dataclass(frozen=True)
class SessionIdentity:
    principal: Principal
    csrf_token: str
    must_change_password: bool = False
    """An administrator reset the password: nothing but changing it is allowed until it is changed."""


@dataclass(frozen=True)
class SignIn:
    cookie: str
    """The session id for the cookie; only its hash is stored."""
    identity: SessionIdentity


def _throttle_keys(username: str, client: str) -> tuple[str, str, str]:
    """The counters of one attempt: the address, the account from that address, the account. Keys are the name as
    typed, so that an unknown user name is counted and answered exactly like a real one."""
    name, address = username[:64], client[:64]
    return f"address:{address}", f"pair:{name}|{address}", f"account:{name}"


def _reserve(session: Session, username: str, client: str, now: datetime) -> Refused | None:
    """Count this attempt as a failure before the password is checked, each counter in one statement; refuse it if a
    limit is passed. Parallel guesses are counted one by one, so no more of them reach the password check than the
    limits allow."""
    repository.prune_throttle(session, now - max(PAIR_LIMIT.window, ADDRESS_LIMIT.window, ACCOUNT_LIMIT.window))
    address, pair, account = _throttle_keys(username, client)
    waits = []
    for key, limit in ((address, ADDRESS_LIMIT), (pair, PAIR_LIMIT)):
        failures, start = repository.count_attempt(session, key, now, limit.window)
        if failures > limit.attempts:
            waits.append(start + limit.window - now)
    failures, _ = repository.count_attempt(session, account, now, ACCOUNT_LIMIT.window)
    slowed = failures > ACCOUNT_LIMIT.attempts
    if not waits and slowed and not repository.take_turn(session, account, now, ACCOUNT_INTERVAL):
        waits.append(ACCOUNT_INTERVAL)
    if waits:
        return Refused(Refusal.THROTTLED, max(1, int(max(waits).total_seconds()) + 1))
    return None


def _check_password(session: Session, username: str, password: str) -> AppUser | None:
    user = repository.user_by_username(session, username)
    if user is None or not user.is_active:
        _verify_password(_dummy_hash(), password)
        return None
    return user if _verify_password(user.password_hash, password) else None


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
    return _principal(session, f"user:{user.username}", memberships, user.id, session_id, user.is_system_admin)


def login(
    session: Session, attempts: sessionmaker[Session], username: str, password: str, idle: timedelta, client: str
) -> SignIn | Refused:
    """Check a password and open a session; ``client`` is the caller's address.

    The attempt is counted first in a unit of work of its own (``attempts``), committed before the password is
    checked: the counters are shared rows, and holding their locks through the request would queue every sign-in
    from one address behind the slowest (design mistake 6). A success takes back its own count. An unknown or
    deactivated user gets the same answers as a wrong password, after the same work."""
    now = utcnow()
    if not is_clean_line(username):  # no account has such a name (and no counter can hold it)
        _verify_password(_dummy_hash(), password)
        return Refused(Refusal.FAILED)
    with transaction(attempts) as counting:
        refused = _reserve(counting, username, client, now)
    if refused is not None:
        return refused
    user = _check_password(session, username, password)
    if user is None:
        return Refused(Refusal.FAILED)
    repository.uncount(session, _throttle_keys(username, client))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return open_session(session, user, idle, now)


def open_session(session: Session, user: AppUser, idle: timedelta, now: datetime) -> SignIn:
    """A new browser session for ``user``: the cookie (only its hash is stored) and the CSRF token."""
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id, session_hash=hash_token(cookie), csrf_token=csrf, created_at=now, expires_at=now + idle
    )
    session.add(row)
    session.flush()
    return SignIn(cookie, SessionIdentity(_user_principal(session, user, row.id), csrf, user.must_change_password))


def clear_throttle(session: Session, username: str) -> None:
    """Lift an account's slow-down and every address's block on it (an administrator's ``unlock``)."""
    repository.forget(session, [f"account:{username}"], prefix=f"pair:{username}|")


def authenticate_session(session: Session, cookie: str, idle: timedelta) -> SessionIdentity | None:
    """The user behind a session cookie, or None if the session is unknown, idle too long or the user deactivated.
    Each use extends the session by ``idle``."""
    row = repository.session_by_hash(session, hash_token(cookie))
    now = utcnow()
    if row is None or row.expires_at <= now or not row.user.is_active:
        return None
    if row.expires_at <= now + idle - USE_RESOLUTION:
        after_commit(session, partial(repository.extend_session, session_id=row.id, until=now + idle))
    return SessionIdentity(_user_principal(session, row.user, row.id), row.csrf_token, row.user.must_change_password)


def password_matches(user: AppUser, password: str) -> bool:
    """Whether ``password`` is the user's password (for changing it: the current one must be given)."""
    return _verify_password(user.password_hash, password)


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
