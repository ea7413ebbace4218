"""An agency's letter settings (``LetterProfile``): read with defaults, changed by its administrators, audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.agency.repository import get_agency
from app.audit import service as audit
from app.auth.principal import Principal
from app.clock import utcnow
from app.document import repository
from app.domain.casefile import DEFAULT_RECEIPT_OVERDUE_DAYS
from app.domain.errors import NotFound
from app.domain.letters import (
    AgencyLevel,
    LetterKind,
    check_distinct_patterns,
    check_number_pattern,
    number_pattern,
)
from app.domain.roles import Permission
from app.models import Agency, LetterProfile


@dataclass(frozen=True)
class Profile:
    """The settings a letter is made with; an agency that never set them gets these defaults (no review body: a
    letter with a remedy clause is then refused until one is set, rather than naming a guessed body)."""

    level: AgencyLevel
    review_body: str
    court: str | None
    number_prefix: str
    number_patterns: dict[str, str] = field(default_factory=dict)
    address: str | None = None
    phone: str | None = None
    payment_instructions: str | None = None
    receipt_overdue_days: int = DEFAULT_RECEIPT_OVERDUE_DAYS

    def pattern(self, kind: LetterKind) -> str:
        return number_pattern(kind, self.number_patterns)


def profile_of(session: Session, agency: Agency) -> Profile:
    row = repository.profile(session, agency.id)
    if row is None:
        return Profile(AgencyLevel.DEPARTMENT, "", None, agency.name)
    return Profile(
        AgencyLevel(row.level),
        row.review_body,
        row.court,
        row.number_prefix,
        dict(row.number_patterns),
        row.address,
        row.phone,
        row.payment_instructions,
        row.receipt_overdue_days,
    )


def _agency(session: Session, principal: Principal, code: str, permission: Permission) -> Agency:
    agency = get_agency(session, code)
    principal.check(permission, agency.id, NotFound("agency_not_found", f"机关代码「{code}」不存在。"))
    return agency


def read(session: Session, principal: Principal, code: str) -> Profile:
    return profile_of(session, _agency(session, principal, code, Permission.CASE_READ))


def change(session: Session, principal: Principal, code: str, values: dict[str, Any]) -> Profile:
    agency = _agency(session, principal, code, Permission.AGENCY_MANAGE)
    patterns: dict[str, str] = values.get("number_patterns", {})
    for pattern in patterns.values():
        check_number_pattern(pattern)
    check_distinct_patterns({kind: number_pattern(kind, patterns) for kind in LetterKind})
    row = repository.profile(session, agency.id) or LetterProfile(agency_id=agency.id)
    with audit.changing(
        session,
        row,
        agency=agency,
        actor=principal.actor,
        action="letter_profile.change",
        entity="letter_profile",
        entity_id=agency.id,
    ):
        for name, value in values.items():
            setattr(row, name, value.value if isinstance(value, AgencyLevel) else value)
        row.updated_by, row.updated_at = principal.actor, utcnow()
    return profile_of(session, agency)
