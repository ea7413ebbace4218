from __future__ import annotations

from fastapi import APIRouter

from app.auth.dependencies import PrincipalDep
from app.deps import SessionDep, TodayDep, UnitRoute
from app.domain.roles import Permission
from app.errors import ApiError
from app.holiday import service
from app.holiday.schemas import Day, ImportRead, NoticeIn, YearRead

router = APIRouter(route_class=UnitRoute, prefix="/calendar", tags=["calendar"])


@router.get("/{year}")
def get_calendar_year(year: int, session: SessionDep, _principal: PrincipalDep) -> YearRead:
    """A year's holidays and make-up working days, with the notice they come from."""
    row, days = service.get_year(session, year)
    return YearRead(
        year=row.year,
        source=row.source,
        version=row.version,
        imported_at=row.imported_at,
        imported_by=row.imported_by,
        days=[Day(date=d.day, kind=d.kind, name=d.name) for d in days],
    )


@router.put("/{year}")
def import_calendar_year(
    year: int, body: NoticeIn, session: SessionDep, principal: PrincipalDep, today: TodayDep
) -> ImportRead:
    """Load or correct a year's arrangement. Open cases are recomputed; those whose dates move are listed."""
    principal.require_system(Permission.CALENDAR_MANAGE)
    if body.year != year:
        raise ApiError(422, "calendar_year_mismatch", f"地址中的年份 {year} 与内容中的 {body.year} 不一致。")
    notice = service.parse_json(body.model_dump_json())
    result = service.import_year(session, notice, principal.actor, today)
    return ImportRead(
        year=result.year, version=result.version, replaced=result.replaced, changed_cases=result.changed_cases
    )
