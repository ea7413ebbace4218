"""Reading the audit trail (``audit.read``: auditors and admins, within their agencies and, for parent agencies,
their sub-agencies). There is no endpoint that changes or deletes a record."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from app.audit import reading, repository
from app.audit.schemas import AuditPage, AuditRecordRead
from app.auth.dependencies import PrincipalDep
from app.auth.principal import Principal
from app.case import service as case_service
from app.deps import SessionDep, SettingsDep, UnitRoute
from app.domain.roles import Permission
from app.errors import ApiError
from app.inputs import RowId
from app.models import AuditRecord
from app.settings import Settings

router = APIRouter(route_class=UnitRoute, tags=["audit"])

PageQuery = Annotated[int, Query(ge=1)]
PageSizeQuery = Annotated[int | None, Query(ge=1)]


def _page_size(settings: Settings, page_size: int | None) -> int:
    size = page_size or settings.default_page_size
    if size > settings.max_page_size:
        raise ApiError(422, "page_size_too_large", f"每页最多 {settings.max_page_size} 条。")
    return size


def _read(row: AuditRecord, principal: Principal) -> AuditRecordRead:
    return AuditRecordRead.model_validate(reading.seen_by(row, principal).model_dump(exclude={"agency_id"}))


def _page(session: SessionDep, principal: Principal, f: repository.AuditFilter, page: int, size: int) -> AuditPage:
    rows, total = repository.page(session, f, (page - 1) * size, size)
    items = [_read(row, principal) for row in rows]
    return AuditPage(items=items, total=total, page=page, page_size=size)


@router.get("/cases/{case_id}/audit")
def case_audit(
    case_id: RowId,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    page: PageQuery = 1,
    page_size: PageSizeQuery = None,
) -> AuditPage:
    """Every change to one case, oldest first, with its state before and after."""
    case = case_service.get_case(session, principal, case_id, Permission.AUDIT_READ)
    f = repository.AuditFilter(
        agency_ids=[case.agency_id], include_global=False, entity_type="case", entity_id=str(case.id)
    )
    return _page(session, principal, f, page, _page_size(settings, page_size))


@router.get("/audit")
def list_audit(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    agency: Annotated[str | None, Query(description="Agency code; `global` for the calendar")] = None,
    actor: str | None = None,
    action: Annotated[str | None, Query(description="An action, or a prefix such as `case.step`")] = None,
    since: Annotated[datetime | None, Query(description="From this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="Before this time (exclusive)")] = None,
    page: PageQuery = 1,
    page_size: PageSizeQuery = None,
) -> AuditPage:
    """The audit trail of your agencies (and the global chain: calendar imports), oldest first."""
    f = reading.readable_filter(session, principal, agency, actor=actor, action=action, since=since, until=until)
    return _page(session, principal, f, page, _page_size(settings, page_size))
