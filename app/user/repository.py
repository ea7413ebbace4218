"""Queries on user accounts as members of an agency (the handlers a case can be given to)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import AppUser, Membership


def members(session: Session, agency_id: int, roles: Collection[str]) -> list[AppUser]:
    """The active users holding one of ``roles`` in the agency, by display name."""
    return list(
        session.scalars(
            select(AppUser)
            .join(Membership, Membership.user_id == AppUser.id)
            .where(Membership.agency_id == agency_id, Membership.role.in_(roles), AppUser.is_active.is_(True))
            .order_by(AppUser.display_name, AppUser.username)
        )
    )


def members_named(session: Session, agency_id: int, roles: Collection[str], name: str) -> list[AppUser]:
    """The active members of the agency whose username or display name is ``name``."""
    return list(
        session.scalars(
            select(AppUser)
            .join(Membership, Membership.user_id == AppUser.id)
            .where(
                Membership.agency_id == agency_id,
                Membership.role.in_(roles),
                AppUser.is_active.is_(True),
                or_(AppUser.username == name, AppUser.display_name == name),
            )
        )
    )
