from __future__ import annotations

import re
from datetime import date

from sqlalchemy.orm import Session

from app.agency import locks, repository
from app.audit import service as audit
from app.auth.principal import Principal
from app.case import service as cases
from app.case.service import DateChange
from app.clock import utcnow
from app.db import unique
from app.domain.clock import DeadlinePolicy
from app.domain.errors import InvalidInput, NotFound
from app.domain.roles import Permission
from app.holiday.repository import load_calendar
from app.inputs import name_line
from app.models import Agency

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


def create_agency(
    session: Session,
    *,
    code: str,
    name: str,
    parent_code: str | None = None,
    reply_days: int = 15,
    extension_limit: int | None = None,
    actor: str = "system",
) -> Agency:
    if not CODE_PATTERN.match(code):
        raise InvalidInput("agency_code_invalid", f"机关代码「{code}」无效：只能使用字母、数字、._-，最长32位。")
    name = name_line(name, code="agency_name", label="机关名称", max_length=200)
    if code.lower() == audit.GLOBAL_CHAIN:
        raise InvalidInput("agency_code_reserved", f"机关代码「{code}」保留给系统的审计链，请使用其他代码。")
    exists = InvalidInput("agency_exists", f"机关代码「{code}」已存在（不区分大小写）。")
    if repository.code_taken(session, code):
        raise exists
    parent = repository.get_agency(session, parent_code) if parent_code else None
    DeadlinePolicy(reply_days, extension_limit)  # validates it (条例 Art. 33)
    agency = Agency(code=code, created_at=utcnow())
    with audit.changing(session, agency, agency=agency, actor=actor, action="agency.create", entity="agency"):
        agency.name = name
        agency.parent_id = parent.id if parent else None
        agency.reply_days, agency.extension_limit = reply_days, extension_limit
        with unique(session, exists):
            session.flush()
    return agency


def change_policy(
    session: Session, agency: Agency, policy: DeadlinePolicy, actor: str, today: date
) -> list[DateChange]:
    """Adopt a new deadline policy. Deadlines derive from it, so every open case of the agency is recomputed in the
    same transaction and the cases whose dates move are returned (and noted in their timelines).

    Locks in the order every writer takes them (``app.agency.locks``): the agency (after the registrations and steps
    in progress; those that follow then read the new policy), then the open cases, then the audit chain's head.
    Recording the change before recomputing took the head before the cases, the opposite of a step's order, and both
    deadlocked (500)."""
    locks.lock(session, agency)
    with audit.changing(session, agency, agency=agency, actor=actor, action="agency.policy", entity="agency"):
        agency.reply_days = policy.reply_days
        agency.extension_limit = policy.extension_limit
        changes = cases.recompute_open_cases(
            session, load_calendar(session), actor, today, cause="policy", agency_id=agency.id
        )
    return changes


def managed_agency(session: Session, principal: Principal, code: str) -> Agency:
    """An agency the principal administers; one outside its scope does not exist for it (404), one inside it without
    ``agency.manage`` is a 403."""
    agency = repository.by_code(session, code)
    missing = NotFound("agency_not_found", f"机关代码「{code}」不存在。")
    if agency is None:
        raise missing
    principal.check(Permission.AGENCY_MANAGE, agency.id, missing)
    return agency


def rename_agency(session: Session, agency: Agency, name: str, actor: str) -> Agency:
    """A new official name (机构改革): reports and letters carry it from now on; the code, and so every reference,
    stays."""
    name = name_line(name, code="agency_name", label="机关名称", max_length=200)
    if name == agency.name:
        return agency
    with audit.changing(session, agency, agency=agency, actor=actor, action="agency.rename", entity="agency"):
        agency.name = name
    return agency
