"""Roles and the permission table: the one place that says who may do what.

A role is held in an agency; a permission is checked against the agency that owns the object (see ``app/auth``).
Parent-agency auditors and admins may read their sub-agencies for consolidated reporting (``READ_DOWN``).

Above the agencies stands the **system administrator**: what every agency shares (the national working-day calendar,
国务院办公厅节假日安排) belongs to no agency, so no agency role may change it — not even an agency's admin, whose
change would move every other agency's deadlines. The system administrator is a flag on a person's account, granted
and revoked only on the server (``gongkai user system-admin``), never through the API; the command line itself acts
with the same power.
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
    CASE_CONCLUDE = "case.conclude"  # the reply: a conclusion, or the Art. 35 refusal (不予处理)
    CASE_ASSIGN = "case.assign"  # give a case to a handler (a clerk may only take an unassigned case)
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

SYSTEM_PERMISSIONS: frozenset[Permission] = frozenset({Permission.CALENDAR_MANAGE})
"""Permissions over what every agency shares: held by the system administrator only, never by an agency role."""

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset(_CLERK),
    Role.SUPERVISOR: frozenset(_CLERK | {Permission.CASE_EXTEND, Permission.CASE_CONCLUDE, Permission.CASE_ASSIGN}),
    Role.AUDITOR: frozenset({Permission.CASE_READ, Permission.REPORT_READ, Permission.AUDIT_READ}),
    Role.ADMIN: frozenset(Permission) - SYSTEM_PERMISSIONS,
    Role.INTEGRATION: frozenset(
        {
            Permission.CASE_READ,
            Permission.CASE_READ_PERSONAL,
            Permission.CASE_CREATE,
            Permission.CASE_STEP,
            Permission.CASE_EXTEND,
            Permission.CASE_CONCLUDE,
            Permission.CASE_ASSIGN,
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
    EventType.EXCESSIVE_REFUSED: Permission.CASE_CONCLUDE,  # a reply refusing the application (Art. 35, 不予处理)
}
"""Procedural steps that need more than ``case.step``."""


def step_permission(event: EventType) -> Permission:
    return SUPERVISED_STEPS.get(event, Permission.CASE_STEP)


def allows(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


def system_allows(permission: Permission) -> bool:
    """Whether the system administrator holds ``permission`` (it holds only the system permissions: its agency
    powers, if any, come from its roles like everyone's)."""
    return permission in SYSTEM_PERMISSIONS


def permission_table() -> str:
    """The permission table as Markdown, for ``docs/auth.md`` (a test keeps the two equal)."""
    roles = list(Role)
    lines = [
        "| permission | " + " | ".join(role.value for role in roles) + " | system admin |",
        "|---|" + "---|" * (len(roles) + 1),
    ]
    for permission in Permission:
        marks = " | ".join("✓" if allows(role, permission) else "" for role in roles)
        lines.append(f"| `{permission.value}` | {marks} | {'✓' if system_allows(permission) else ''} |")
    return "\n".join(lines) + "\n"
