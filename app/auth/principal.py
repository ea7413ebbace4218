from __future__ import annotations

from dataclasses import dataclass

from app.domain.roles import READ_DOWN, READ_PERMISSIONS, Permission, Role, allows


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user or a service token, with a role in each agency it belongs to.

    ``descendants`` maps each of those agencies to its sub-agencies, for the read-down rule of parent auditors/admins.
    """

    actor: str
    memberships: dict[int, Role]
    descendants: dict[int, frozenset[int]]

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
