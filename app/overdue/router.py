"""``GET /reports/overdue``: the nightly report's content on demand, for the principal's agencies. Nothing is
recorded (a GET is safe): runs, their diff and their events belong to ``gongkai report overdue``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.dependencies import PrincipalDep
from app.deps import SessionDep, TodayDep, UnitRoute
from app.domain.overdue import DEFAULT_DUE_WITHIN
from app.domain.roles import Permission
from app.overdue import service
from app.overdue.schemas import OverdueReport

router = APIRouter(route_class=UnitRoute, prefix="/reports/overdue", tags=["reports"])


@router.get("", responses={404: {"description": "No such agency in your scope (problem+json)"}})
def overdue_report(
    session: SessionDep,
    principal: PrincipalDep,
    today: TodayDep,
    as_of: Annotated[date | None, Query(description="Default: today in the agencies' time zone")] = None,
    agency: Annotated[str | None, Query(max_length=32, description="One agency code (default: all yours)")] = None,
    due_within: Annotated[int, Query(ge=0, le=20)] = DEFAULT_DUE_WITHIN,
) -> OverdueReport:
    """Cases past or near a deadline: agency and statutory reply deadlines, the correction-notice window and lapsed
    waits (consultation, fee, correction). Same items as the nightly report; ``changes`` and ``run_id`` are null."""
    ids = service.readable_scope(session, principal.agency_ids(Permission.CASE_READ), agency)
    key = service.RunKey(as_of or today, agency or service.ALL_AGENCIES, due_within)
    return service.report(service.items_for(session, ids, key.as_of, key.due_within), key)
