"""ORM rows to API shapes for users, memberships and tokens."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.agency import repository as agencies
from app.auth.schemas import MembershipRead, TokenRead, UserRead
from app.domain.roles import Role
from app.models import ApiToken, AppUser


def membership_views(session: Session, memberships: dict[int, Role]) -> list[MembershipRead]:
    views = []
    for agency_id, role in sorted(memberships.items()):
        agency = agencies.by_id(session, agency_id)
        if agency is not None:
            views.append(MembershipRead(agency=agency.code, agency_name=agency.name, role=role))
    return views


def user_view(session: Session, user: AppUser, visible: frozenset[int] | None = None) -> UserRead:
    """A user with the memberships in ``visible`` agencies (all when None)."""
    memberships = {m.agency_id: Role(m.role) for m in user.memberships if visible is None or m.agency_id in visible}
    return UserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        is_active=user.is_active,
        system_admin=user.is_system_admin,
        created_at=user.created_at,
        memberships=membership_views(session, memberships),
    )


def token_view(session: Session, token: ApiToken) -> TokenRead:
    agency = agencies.by_id(session, token.agency_id)
    return TokenRead(
        id=token.id,
        agency=agency.code if agency else "",
        role=Role(token.role),
        name=token.name,
        created_at=token.created_at,
        created_by=token.created_by,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
        rotated_from_id=token.rotated_from_id,
        grace_until=token.grace_until,
    )
