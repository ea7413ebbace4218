from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from app.domain.errors import DomainError, Forbidden
from app.domain.roles import READ_DOWN, READ_PERMISSIONS, Permission, Role, allows, system_allows


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user or a service token, with a role in each agency it belongs to.

    ``descendants`` maps those of its agencies where it reads down (``READ_DOWN``: auditors, admins) to their
    sub-agencies.
    ``user_id`` and ``session_id`` are set for a user signed in with the session cookie; ``system_admin`` for a
    system administrator (see ``app.domain.roles``), who alone holds the system permissions.
    """

    actor: str
    memberships: dict[int, Role]
    descendants: dict[int, frozenset[int]]
    user_id: int | None = None
    session_id: int | None = None
    system_admin: bool = False

    @cached_property
    def grant(self) -> str:
        """A fingerprint of everything this principal may do (its roles, its sub-agencies, the system flag): equal
        for two requests exactly when they were allowed the same. ``app.idempotency`` replays a stored answer only
        under the grant it was made under, so a demoted user cannot replay what only their old role could see."""
        roles = sorted((agency_id, role.value) for agency_id, role in self.memberships.items())
        below = sorted((agency_id, sorted(ids)) for agency_id, ids in self.descendants.items())
        return hashlib.sha256(repr((roles, below, self.system_admin)).encode()).hexdigest()

    def agency_ids(self, permission: Permission) -> frozenset[int]:
        """The agencies in which this principal holds ``permission``."""
        ids: set[int] = set()
        for agency_id, role in self.memberships.items():
            if not allows(role, permission):
                continue
            ids.add(agency_id)
            if role in READ_DOWN and permission in READ_PERMISSIONS:
                ids |= self.descendants.get(agency_id, frozenset())
        return frozenset(ids)

    def can(self, permission: Permission, agency_id: int) -> bool:
        return agency_id in self.agency_ids(permission)

    def can_anywhere(self, permission: Permission) -> bool:
        return bool(self.agency_ids(permission))

    @property
    def scope(self) -> frozenset[int]:
        """The agencies this principal sees: its own and, for read-down roles, their sub-agencies. Objects of any
        other agency do not exist for it (404), so that existence does not leak between agencies."""
        return self.agency_ids(Permission.CASE_READ)

    def check(self, permission: Permission, agency_id: int, missing: DomainError) -> None:
        """Raise ``missing`` (a NotFound) outside the scope, ``Forbidden`` inside it without ``permission``."""
        if agency_id not in self.scope:
            raise missing
        if not self.can(permission, agency_id):
            raise Forbidden("forbidden", "您的角色无权进行此项操作。")

    def require_system(self, permission: Permission) -> None:
        """For what every agency shares (the national calendar): only the system administrator."""
        if not (self.system_admin and system_allows(permission)):
            raise Forbidden("forbidden", "只有系统管理员可以进行此项操作（各机关管理员无此权限）。")

    def require_anywhere(self, permission: Permission) -> None:
        """For lists and agency-less resources: the permission must be held in at least one agency."""
        if not self.can_anywhere(permission):
            raise Forbidden("forbidden", "您的角色无权进行此项操作。")
