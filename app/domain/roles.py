"""Roles and the permission table: the one place that says who may do what.

A role is held in an agency; a permission is checked against the agency that owns the object (see ``app/auth``).
Parent-agency auditors and admins may read their sub-agencies for consolidated reporting (``READ_DOWN``).
"""

from __future__ import annotations

from enum import StrEnum

from app.domain.lifecycle import EventType


class Role(StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"
    INTEGRATION = "integration"


class Permission(StrEnum):
    CASE_READ = "case.read"
    CASE_READ_PERSONAL = "case.read_personal"  # unmasked identity-document and phone numbers
    CASE_CREATE = "case.create"
    CASE_STEP = "case.step"  # correction, consultation, fee, Art. 35 reasons, withdrawal, review records
    CASE_EXTEND = "case.extend"  # approve an extension (head of the disclosure office, Art. 33 ¶2)
    CASE_CONCLUDE = "case.conclude"
    REPORT_READ = "report.read"
    REPORT_PUBLISH = "report.publish"
    AUDIT_READ = "audit.read"
    CALENDAR_MANAGE = "calendar.manage"
    AGENCY_MANAGE = "agency.manage"
    TOKEN_MANAGE = "token.manage"
    USER_MANAGE = "user.manage"  # accounts and their roles in the agency


_CLERK = {
    Permission.CASE_READ,
    Permission.CASE_READ_PERSONAL,
    Permission.CASE_CREATE,
    Permission.CASE_STEP,
    Permission.REPORT_READ,
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset(_CLERK),
    Role.SUPERVISOR: frozenset(_CLERK | {Permission.CASE_EXTEND, Permission.CASE_CONCLUDE}),
    Role.AUDITOR: frozenset({Permission.CASE_READ, Permission.REPORT_READ, Permission.AUDIT_READ}),
    Role.ADMIN: frozenset(Permission),
    Role.INTEGRATION: frozenset(
        {
            Permission.CASE_READ,
            Permission.CASE_READ_PERSONAL,
            Permission.CASE_CREATE,
            Permission.CASE_STEP,
            Permission.CASE_EXTEND,
            Permission.CASE_CONCLUDE,
        }
    ),
}

READ_DOWN: frozenset[Role] = frozenset({Role.AUDITOR, Role.ADMIN})
"""Roles whose read permissions reach the agency's sub-agencies (consolidated reporting)."""

READ_PERMISSIONS: frozenset[Permission] = frozenset(
    {Permission.CASE_READ, Permission.REPORT_READ, Permission.AUDIT_READ}
)


SUPERVISED_STEPS: dict[EventType, Permission] = {
    EventType.EXTENSION_GRANTED: Permission.CASE_EXTEND,  # approved by the head of the disclosure office, Art. 33 ¶2
    EventType.CONCLUDED: Permission.CASE_CONCLUDE,
}
"""Procedural steps that need more than ``case.step``."""


def step_permission(event: EventType) -> Permission:
    return SUPERVISED_STEPS.get(event, Permission.CASE_STEP)


def allows(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


def permission_table() -> str:
    """The permission table as Markdown, for ``docs/auth.md`` (a test keeps the two equal)."""
    roles = list(Role)
    lines = [
        "| permission | " + " | ".join(role.value for role in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for permission in Permission:
        marks = " | ".join("✓" if allows(role, permission) else "" for role in roles)
        lines.append(f"| `{permission.value}` | {marks} |")
    return "\n".join(lines) + "\n"
