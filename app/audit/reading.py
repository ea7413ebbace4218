"""Reading the audit trail within a principal's reach (``audit.read``: auditors and administrators, their agencies
and, for parent agencies, the sub-agencies; and the global chain of calendar imports). The API's ``GET /audit`` and
the web client's 审计记录 page both go through here."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.agency import repository as agencies
from app.audit import service
from app.audit.repository import AuditFilter
from app.audit.schemas import SeenRecord
from app.audit.service import GLOBAL_CHAIN, Break
from app.auth.principal import Principal
from app.domain.errors import Forbidden, InvalidInput, NotFound
from app.domain.privacy import mask_document
from app.domain.roles import Permission
from app.models import AuditRecord

GLOBAL = "global"
"""The agency filter that selects the global chain (calendar imports)."""


def seen_by(record: AuditRecord, principal: Principal) -> SeenRecord:
    """``record`` with personal numbers and personal file names masked unless the reader holds
    ``case.read_personal`` in the record's agency: every reader of the trail (API, web page) goes through here."""
    seen = SeenRecord.model_validate(record, from_attributes=True)
    if record.agency_id is not None and principal.can(Permission.CASE_READ_PERSONAL, record.agency_id):
        return seen
    return seen.model_copy(update={"before": mask_document(seen.before), "after": mask_document(seen.after)})


def _scope(principal: Principal) -> frozenset[int]:
    scope = principal.agency_ids(Permission.AUDIT_READ)
    if not scope:
        raise Forbidden("forbidden", "只有审计员或管理员可以查看审计记录。")
    return scope


def readable_filter(
    session: Session,
    principal: Principal,
    agency: str | None,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditFilter:
    """The records the principal may read, narrowed to one agency (its code, or ``global``) and the filters."""
    scope = _scope(principal)
    agency_ids: frozenset[int] = scope
    if agency == GLOBAL:
        agency_ids = frozenset()
    elif agency is not None:
        row = agencies.by_code(session, agency)
        if row is None or row.id not in scope:
            raise NotFound("agency_not_found", f"机关代码「{agency}」不存在或不在您的审计权限范围内。")
        agency_ids = frozenset({row.id})
    for name, value in (("since", since), ("until", until)):
        if value is None:
            continue
        if value.tzinfo is None:
            raise InvalidInput("naive_datetime", f"{name} 须带时区，例如 2026-11-27T08:00:00+08:00。")
        try:
            value.astimezone(UTC)  # what the query binds: 0001-01-01T00:00+08:00 is before year 1 in UTC
        except OverflowError:
            detail = f"{name} 超出可查询的时间范围（公元 1 年至 9999 年）。"
            raise InvalidInput("datetime_out_of_range", detail) from None
    return AuditFilter(
        agency_ids=agency_ids,
        include_global=agency in (None, GLOBAL),
        actor=actor,
        action=action,
        since=since,
        until=until,
    )


def verify_readable(session: Session, principal: Principal) -> tuple[list[str], list[Break]]:
    """Verify the hash chains the principal may read (its agencies' and the global one)."""
    codes = [a.code for agency_id in sorted(_scope(principal)) if (a := agencies.by_id(session, agency_id)) is not None]
    names: list[str] = []
    breaks: list[Break] = []
    for chain in [*codes, GLOBAL_CHAIN]:
        checked, broken = service.verify(session, chain)
        names += checked
        breaks += broken
    return names, breaks
