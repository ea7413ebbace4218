from __future__ import annotations

from fastapi import APIRouter, status

from app.agency import repository, service
from app.agency.schemas import AgencyCreate, AgencyRead, Policy, PolicyChange
from app.auth.dependencies import PrincipalDep
from app.auth.principal import Principal
from app.deps import SessionDep, TodayDep, UnitRoute
from app.domain.clock import DeadlinePolicy
from app.models import Agency

router = APIRouter(route_class=UnitRoute, prefix="/agencies", tags=["agencies"])


def _read(agency: Agency, codes: dict[int, str]) -> AgencyRead:
    return AgencyRead(
        code=agency.code,
        name=agency.name,
        parent=codes.get(agency.parent_id) if agency.parent_id else None,
        reply_days=agency.reply_days,
        extension_limit=agency.extension_limit,
    )


def _managed(session: SessionDep, principal: Principal, code: str) -> Agency:
    return service.managed_agency(session, principal, code)


@router.get("")
def list_agencies(session: SessionDep, principal: PrincipalDep) -> list[AgencyRead]:
    """The agencies you can see, with their deadline policies."""
    agencies = repository.all_agencies(session)
    codes = {a.id: a.code for a in agencies}
    return [_read(a, codes) for a in agencies if a.id in principal.scope]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_agency(body: AgencyCreate, session: SessionDep, principal: PrincipalDep) -> AgencyRead:
    """Create a sub-agency under one you administer (top-level agencies: `gongkai agency create`)."""
    parent = _managed(session, principal, body.parent)
    agency = service.create_agency(
        session,
        code=body.code,
        name=body.name,
        parent_code=parent.code,
        reply_days=body.reply_days,
        extension_limit=body.extension_limit,
        actor=principal.actor,
    )
    return _read(agency, {parent.id: parent.code})


@router.put("/{code}/policy")
def change_policy(
    code: str, body: Policy, session: SessionDep, principal: PrincipalDep, today: TodayDep
) -> PolicyChange:
    """Change the agency's deadline policy; its open cases are recomputed and those whose dates move are listed."""
    agency = _managed(session, principal, code)
    policy = DeadlinePolicy(body.reply_days, body.extension_limit)
    changed = service.change_policy(session, agency, policy, principal.actor, today)
    codes = {a.id: a.code for a in repository.all_agencies(session)}
    return PolicyChange(agency=_read(agency, codes), changed_cases=changed)
