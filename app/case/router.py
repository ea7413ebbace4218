"""HTTP adapter of the case register. Thin: every decision is in ``app.case.service`` and ``app.domain``.

(No ``from __future__ import annotations`` here: the step routes are built by a factory whose body type is a
closure variable, which FastAPI must see as a real class.)"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from app.auth.dependencies import PrincipalDep
from app.case import assignment, repository, service, views
from app.case.schemas import STEPS, CaseCreate, CasePage, CaseRead, HandlerAssign, ReviewDecision, ReviewFiling, Step
from app.deps import IfMatchDep, SessionDep, SettingsDep, TodayDep, UnitRoute
from app.domain.clock import Explanation
from app.domain.codes import ApplicantType
from app.domain.lifecycle import CaseStatus, EventType
from app.domain.roles import Permission
from app.errors import ApiError
from app.holiday.repository import load_calendar
from app.inputs import RowId
from app.models import DisclosureCase
from app.report.schemas import OverrideDep

router = APIRouter(route_class=UnitRoute, prefix="/cases", tags=["cases"])

CASE_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such case in your agencies (problem+json)"},
    409: {"description": "Not allowed in the case's current state (problem+json)"},
    422: {"description": "Invalid input (problem+json)"},
}


def _versioned(
    response: Response, case: DisclosureCase, session: Session, today: date, *, personal: bool = False
) -> CaseRead:
    """The full case, with its version as the ``ETag`` (strong: it changes with every write)."""
    response.headers["ETag"] = f'"{case.version}"'
    return views.full(case, load_calendar(session), today, personal=personal)


@router.post("", status_code=status.HTTP_201_CREATED, responses=CASE_ERRORS)
def create_case(
    body: CaseCreate,
    session: SessionDep,
    principal: PrincipalDep,
    today: TodayDep,
    response: Response,
    override: OverrideDep,
) -> CaseRead:
    """Register an application. The legal receipt date is derived from the channel and its facts (条例 Art. 31)."""
    case = service.open_case(session, principal, body, override, today=today)
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    return _versioned(response, case, session, today)


@router.get("")
def list_cases(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    today: TodayDep,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    applicant_type: ApplicantType | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    due_before: date | None = None,
    overdue: Annotated[bool, Query(description="Only cases past the agency deadline today")] = False,
    external_ref: str | None = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Text in number, applicant, request or reference")
    ] = None,
    sort: Annotated[str, Query(pattern="^-?(due_date|received_date|number)$")] = "due_date",
    cursor: Annotated[
        str | None, Query(max_length=400, description="The `next_cursor` of the page before (keyset paging)")
    ] = None,
    page: Annotated[
        int, Query(ge=1, description="Page number (offset paging; slower on deep pages: prefer `cursor`)")
    ] = 1,
    page_size: Annotated[int | None, Query(ge=1)] = None,
) -> CasePage:
    """Cases in your agencies, sorted by the agency deadline (soonest first) unless ``sort`` says otherwise.
    ``q`` finds cases whose number, applicant's name (for roles with ``case.read_personal``) or external reference
    starts with it. Page on with
    ``cursor=<next_cursor>`` (absent on the last page); ``total`` is counted on the first request only (not with a
    cursor) and up to 1,000 (``total_exact`` false beyond)."""
    size = page_size or settings.default_page_size
    if size > settings.max_page_size:
        raise ApiError(422, "page_size_too_large", f"每页最多 {settings.max_page_size} 条。")
    if cursor is not None and page != 1:
        raise ApiError(422, "cursor_with_page", "cursor 与 page 不能同时使用：按 cursor 翻页时不要再给页码。")
    readable, personal = principal.agency_ids(Permission.CASE_READ), principal.agency_ids(Permission.CASE_READ_PERSONAL)
    filters = repository.CaseFilter(
        agency_ids=readable,
        status=status_,
        applicant_type=applicant_type,
        received_from=received_from,
        received_to=received_to,
        due_before=due_before,
        overdue_as_of=today if overdue else None,
        external_ref=external_ref,
        text=q,
        text_in_names=readable <= personal,
    )
    try:
        found = repository.page(
            session, filters, sort, size, cursor=cursor, offset=(page - 1) * size, count=cursor is None
        )
    except repository.BadCursor:
        raise ApiError(422, "cursor_invalid", "翻页游标无效（已损坏或与排序方式不符），请从第一页重新开始。") from None
    calendar = load_calendar(session)
    return CasePage(
        items=[views.summary(case, calendar, today, personal=case.agency_id in personal) for case in found.rows],
        total=found.total,
        total_exact=found.total_exact,
        page=page,
        page_size=size,
        next_cursor=found.next_cursor,
    )


@router.get("/{case_id}", responses=CASE_ERRORS)
def get_case(
    case_id: RowId, session: SessionDep, principal: PrincipalDep, today: TodayDep, response: Response
) -> CaseRead:
    """The case with its timeline. ``ETag`` is its version: send it back as ``If-Match`` on the next step.
    Identity-document and phone numbers are shown in full only to roles with ``case.read_personal``; every other
    answer masks them."""
    case = service.get_case(session, principal, case_id)
    personal = principal.can(Permission.CASE_READ_PERSONAL, case.agency_id)
    return _versioned(response, case, session, today, personal=personal)


@router.get("/{case_id}/deadline", responses=CASE_ERRORS)
def explain_deadline(case_id: RowId, session: SessionDep, principal: PrincipalDep) -> Explanation:
    """How the deadlines were derived: every day from the start, counted or skipped, and why."""
    return service.explain_deadline(session, principal, case_id)


def _step_route(path: str, event_type: EventType, body_type: type[Step], summary: str) -> None:
    def endpoint(
        case_id: RowId,
        body: body_type,  # type: ignore[valid-type]
        session: SessionDep,
        principal: PrincipalDep,
        today: TodayDep,
        response: Response,
        if_match: IfMatchDep,
        override: OverrideDep,
    ) -> CaseRead:
        event, data = body.to_event(event_type)  # type: ignore[attr-defined]
        case = service.record_step(session, principal, case_id, event, data, today, if_match, override)
        return _versioned(response, case, session, today)

    endpoint.__name__ = f"record_{event_type.value}"
    endpoint.__doc__ = summary
    router.post(f"/{{case_id}}/{path}", responses=CASE_ERRORS, summary=summary)(endpoint)


for _type, _kind in STEPS.items():
    _step_route(_kind.path, _type, _kind.body, _kind.summary)


@router.post("/{case_id}/reviews", status_code=status.HTTP_201_CREATED, responses=CASE_ERRORS)
def file_review(
    case_id: RowId,
    body: ReviewFiling,
    session: SessionDep,
    principal: PrincipalDep,
    today: TodayDep,
    response: Response,
    if_match: IfMatchDep,
    override: OverrideDep,
) -> CaseRead:
    """Record an administrative review (行政复议) or lawsuit (行政诉讼) against the handling of this case."""
    case = service.file_review(session, principal, case_id, body, today, if_match, override)
    return _versioned(response, case, session, today)


@router.post("/{case_id}/reviews/{review_id}/decision", responses=CASE_ERRORS)
def decide_review(
    case_id: RowId,
    review_id: RowId,
    body: ReviewDecision,
    session: SessionDep,
    principal: PrincipalDep,
    today: TodayDep,
    response: Response,
    if_match: IfMatchDep,
    override: OverrideDep,
) -> CaseRead:
    case = service.decide_review(
        session, principal, case_id, review_id, body.on, body.outcome, today, if_match, override
    )
    return _versioned(response, case, session, today)


@router.post("/{case_id}/assignment", responses={**CASE_ERRORS, 403: {"description": "Not a supervisor"}})
def assign_handler(
    case_id: RowId,
    body: HandlerAssign,
    session: SessionDep,
    principal: PrincipalDep,
    today: TodayDep,
    response: Response,
    if_match: IfMatchDep,
) -> CaseRead:
    """Give the case to a handler: a user account of its agency (``username``), or to no one (null). Supervisors
    assign and reassign (``case.assign``); a clerk may take an unassigned case. Audited as ``case.assign``."""
    case = assignment.assign_handler(session, principal, case_id, body.username, if_match)
    personal = principal.can(Permission.CASE_READ_PERSONAL, case.agency_id)
    return _versioned(response, case, session, today, personal=personal)
