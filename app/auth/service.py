from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agency import repository as agencies
from app.auth.principal import Principal
from app.clock import utcnow
from app.domain.roles import Role
from app.models import Agency, ApiToken

TOKEN_PREFIX = "gk_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, agency: Agency, role: Role, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new bearer token. The plain token is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        agency_id=agency.id,
        role=role.value,
        name=name,
        token_hash=hash_token(plain),
        created_at=utcnow(),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token, plain


def authenticate_token(session: Session, plain: str) -> Principal | None:
    """The principal behind a bearer token, or None if it is unknown, revoked or expired."""
    token = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(plain))).one_or_none()
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    token.last_used_at = now
    return Principal(
        actor=f"token:{token.name}#{token.id}",
        memberships={token.agency_id: Role(token.role)},
        descendants=agencies.descendants(session, [token.agency_id]),
    )
