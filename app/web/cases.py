"""The clerks' case pages: 我的待办, registration, the case page with a form for every step, and the handler.
The same services as the API (``app.case.service``, ``app.case.assignment``) and the same views (``app.case.views``);
forms go through the API's own schemas, and the rules' answers (``DomainError``) are shown next to the fields they
concern."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import TypeVar
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app import idempotency
from app.agency import repository as agencies
from app.auth.principal import Principal
from app.case import assignment, repository, views
from app.case import service as case_service
from app.case.schemas import STEPS, CaseCreate, ReviewDecision, ReviewFiling
from app.deps import SessionDep, SettingsDep, TodayDep
from app.document import timeline as case_file
from app.domain.codes import ApplicantType, Channel, ReviewOutcome
from app.domain.errors import DomainError, ErrorKind, NotFound
from app.domain.lifecycle import CaseStatus, EventType, allowed_events
from app.domain.roles import SUPERVISED_STEPS, Permission, step_permission
from app.errors import STATUS_BY_KIND
from app.holiday.repository import load_calendar
from app.inputs import MAX_PAGE, RowId, plain_int
from app.models import Agency, DisclosureCase
from app.user import service as user_service
from app.web import forms
from app.web.pages import ActingDep, FormDep, Visitor, VisitorDep, actor_names, page_router, render, undo

router = page_router()
T = TypeVar("T")


# --- the case list --------------------------------------------------------------------------------------------------


def _page_number(raw: str) -> int:
    page = int(raw)
    if not 1 <= page <= MAX_PAGE:
        raise ValueError(raw)
    return page


def _choice(raw: str | None, parse: Callable[[str], T], label: str, problems: list[str]) -> T | None:
    if not raw:
        return None
    try:
        return parse(raw)
    except ValueError:
        problems.append(f"筛选条件「{label}」无效，已忽略。")
        return None


LIST_VIEWS = {"mine": "我的待办", "office": "本机关全部"}


def _list_views(visitor: Visitor) -> list[str]:
    """The lists the visitor may switch between, the default first."""
    principal = visitor.principal
    handles = principal.user_id is not None and principal.can_anywhere(Permission.CASE_STEP)
    oversees = principal.can_anywhere(Permission.CASE_ASSIGN) or not handles
    return (["mine"] if handles else []) + (["office"] if oversees else [])


@router.get("/")
def case_list(
    request: Request, session: SessionDep, settings: SettingsDep, today: TodayDep, visitor: VisitorDep
) -> HTMLResponse:
    """我的待办: the visitor's open cases, soonest agency deadline first (as ``GET /api/v1/cases``). Supervisors (and
    those who handle no cases: auditors, administrators without a clerk's role) switch to the whole office; a
    concluded case leaves the list unless the status filter asks for it."""
    params = request.query_params
    problems: list[str] = []
    views_allowed = _list_views(visitor)
    view = params.get("view") if params.get("view") in views_allowed else views_allowed[0]
    text = (params.get("q") or "").strip()[:100] or None
    sort = params.get("sort") or "due_date"
    if sort not in repository.SORTS:
        sort = "due_date"
    page = _choice(params.get("page"), _page_number, "页码", problems) or 1
    personal = visitor.principal.agency_ids(Permission.CASE_READ_PERSONAL)
    filters = repository.CaseFilter(
        agency_ids=visitor.principal.scope,
        status=_choice(params.get("status"), CaseStatus, "状态", problems),
        applicant_type=_choice(params.get("applicant_type"), ApplicantType, "申请人类型", problems),
        received_from=_choice(params.get("received_from"), date.fromisoformat, "收到日期起", problems),
        received_to=_choice(params.get("received_to"), date.fromisoformat, "收到日期止", problems),
        overdue_as_of=today if params.get("overdue") else None,
        text=text,
        text_in_names=visitor.principal.scope <= personal,
        handler_user_id=visitor.principal.user_id if view == "mine" else None,
        open_only=not params.get("status"),
    )
    size = settings.default_page_size
    cursor = params.get("cursor") or None
    try:
        found = repository.page(
            session, filters, sort, size, cursor=cursor, offset=(page - 1) * size, count=cursor is None
        )
    except repository.BadCursor:
        problems.append("翻页链接已失效，已回到第一页。")
        cursor, page = None, 1
        found = repository.page(session, filters, sort, size)
    calendar = load_calendar(session)
    kept = {
        key: value
        for key in ("view", "status", "applicant_type", "received_from", "received_to", "overdue", "q", "sort")
        if (value := params.get(key))
    }
    return render(
        request,
        "cases.html",
        {
            "items": [views.summary(case, calendar, today, personal=case.agency_id in personal) for case in found.rows],
            "total": found.total,
            "total_exact": found.total_exact,
            "first": cursor is None and page == 1,
            "next_cursor": found.next_cursor,
            "filters": kept,
            "query": lambda **changes: "?" + urlencode({**kept, **changes}),
            "problems": problems,
            "sorts": {
                "due_date": "答复期限",
                "-received_date": "收到日期（新→旧）",
                "received_date": "收到日期（旧→新）",
                "-number": "编号",
            },
            "today": today,
            "view": view,
            "views": {key: LIST_VIEWS[key] for key in views_allowed},
        },
        visitor=visitor,
    )


# --- registration ---------------------------------------------------------------------------------------------------


def _creatable(session: Session, principal: Principal) -> list[Agency]:
    found = [agencies.by_id(session, agency_id) for agency_id in sorted(principal.agency_ids(Permission.CASE_CREATE))]
    return [agency for agency in found if agency is not None]


def _registration(
    request: Request,
    session: Session,
    visitor: Visitor,
    values: Mapping[str, str],
    errors: forms.FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    creatable = _creatable(session, visitor.principal)
    return render(
        request,
        "case_new.html",
        {
            "agencies": [(agency.code, agency.name) for agency in creatable],
            "handlers": [(agency.name, user_service.handler_candidates(session, agency.id)) for agency in creatable],
            "values": values,
            "errors": errors or forms.FormErrors(),
        },
        status,
        visitor,
    )


@router.get("/cases/new")
def new_case(request: Request, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    visitor.principal.require_anywhere(Permission.CASE_CREATE)
    values = {"channel": Channel.IN_PERSON.value, "handler": visitor.username, forms.ONCE: idempotency.new_form_token()}
    return _registration(request, session, visitor, values)


@router.post("/cases")
def create_case(request: Request, session: SessionDep, visitor: ActingDep, form: FormDep, today: TodayDep) -> Response:
    """``app.case.service.open_case`` with a ``CaseCreate`` built from the form; refusals re-render the form (with the
    same one-time token). The form submitted again (a double click, the browser's resubmission) registers nothing
    more: it goes to the case the first submission registered."""
    actor, once = visitor.principal.actor, form.get(forms.ONCE, "")
    if (first := idempotency.form_submitted(session, actor, once, "/cases")) is not None:
        return RedirectResponse(first, status_code=303)
    try:
        body = CaseCreate.model_validate(forms.case_create_data(form))
        case = case_service.open_case(session, visitor.principal, body, today=today)
    except ValidationError as exc:
        undo(session)
        return _registration(request, session, visitor, form, forms.validation_errors(exc), 422)
    except DomainError as exc:
        undo(session)
        known = {"agency", "external_ref", "receipt"}
        return _registration(request, session, visitor, form, forms.domain_errors(exc, known), STATUS_BY_KIND[exc.kind])
    idempotency.form_answered(session, actor, once, "/cases", f"/cases/{case.id}")
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


# --- the case page --------------------------------------------------------------------------------------------------

STEP_FORMS = forms.step_forms()


def _step_forms(principal: Principal, case: DisclosureCase) -> list[forms.StepForm]:
    """The steps the lifecycle admits in the case's status and the visitor's role allows; the service judges again."""
    allowed = allowed_events(CaseStatus(case.status))
    shown = []
    for event in STEPS:
        if event in allowed and principal.can(step_permission(event), case.agency_id):
            shown.append(replace(STEP_FORMS[event], supervisor=event in SUPERVISED_STEPS))
    return shown


def _case_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    case: DisclosureCase,
    today: date,
    *,
    errors: forms.FormErrors | None = None,
    failed: str | None = None,
    values: Mapping[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    principal = visitor.principal
    personal = principal.can(Permission.CASE_READ_PERSONAL, case.agency_id)
    view = views.full(case, load_calendar(session), today, personal=personal)
    allowed = allowed_events(CaseStatus(case.status))
    can_step = principal.can(Permission.CASE_STEP, case.agency_id)
    pending = [r for r in view.reviews if r.outcome is ReviewOutcome.PENDING]
    assigns = principal.can(Permission.CASE_ASSIGN, case.agency_id)
    file_entries = case_file.after_steps(session, principal, case, request.app.state.settings.tz)
    actors = {event.actor for event in view.timeline} | {case.created_by}
    actors |= {entry.actor for entries in file_entries.values() for entry in entries}
    return render(
        request,
        "case.html",
        {
            "case": view,
            "agency_name": case.agency.name,
            "step_forms": _step_forms(principal, case),
            "review_form": forms.REVIEW_FILING_FORM if EventType.REVIEW_FILED in allowed and can_step else None,
            "decision_widgets": forms.REVIEW_DECISION_WIDGETS,
            "decidable": pending if EventType.REVIEW_DECIDED in allowed and can_step else [],
            "errors": errors or forms.FormErrors(),
            "failed": failed,
            "values": values or {},
            "today": today,
            "handlers": user_service.handler_candidates(session, case.agency_id) if assigns else [],
            "can_take": can_step and case.handler_user_id is None and visitor.username != "",
            "can_override": principal.can(Permission.REPORT_PUBLISH, case.agency_id),
            "actor_names": actor_names(session, actors),
            "file_entries": file_entries,
        },
        status,
        visitor,
    )


@router.get("/cases/{case_id}")
def case_page(
    request: Request, case_id: RowId, session: SessionDep, today: TodayDep, visitor: VisitorDep
) -> HTMLResponse:
    case = case_service.get_case(session, visitor.principal, case_id)
    return _case_page(request, session, visitor, case, today)


DECISION = re.compile(r"reviews/(\d{1,9})/decision")


@router.post("/cases/{case_id}/steps/{path:path}")
def record_step(
    request: Request,
    case_id: RowId,
    path: str,
    session: SessionDep,
    today: TodayDep,
    visitor: ActingDep,
    form: FormDep,
) -> Response:
    """One form per step, through the API's body schema and ``record_step`` / ``file_review`` / ``decide_review``.
    The hidden ``version`` is the case version the clerk saw (the API's ``If-Match``): a stale one is refused."""
    principal = visitor.principal
    version = plain_int(form.get("version", ""))
    override = form.get("override_reason", "").strip() or None
    decision = DECISION.fullmatch(path)
    try:
        if path in forms.STEP_BY_PATH:
            event_type, kind = forms.STEP_BY_PATH[path]
            body = kind.body.model_validate(forms.body_data(kind.body, form))
            event, data = body.to_event(event_type)
            case_service.record_step(session, principal, case_id, event, data, today, version, override)
        elif path == forms.REVIEW_FILING_FORM.path:
            filing = ReviewFiling.model_validate(forms.body_data(ReviewFiling, form))
            case_service.file_review(session, principal, case_id, filing, today, version, override)
        elif decision is not None:
            ruling = ReviewDecision.model_validate(forms.body_data(ReviewDecision, form))
            review_id = int(decision[1])
            case_service.decide_review(
                session, principal, case_id, review_id, ruling.on, ruling.outcome, today, version, override
            )
        else:
            raise NotFound("page_not_found", "请求的页面不存在。")
    except ValidationError as exc:
        undo(session)
        errors, status = forms.validation_errors(exc), 422
    except DomainError as exc:
        if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):
            raise
        undo(session)
        known = {name for name in form if name not in ("csrf_token", "version")}
        errors, status = forms.domain_errors(exc, known), STATUS_BY_KIND[exc.kind]
        if exc.code == PUBLISHED:
            errors.override = True
    else:
        return RedirectResponse(f"/cases/{case_id}#timeline", status_code=303)
    case = case_service.get_case(session, principal, case_id)
    return _case_page(request, session, visitor, case, today, errors=errors, failed=path, values=form, status=status)


PUBLISHED = "report_published"
"""The refusal of a change to a published year's cells: an administrator may force it with a reason
(``app.report.service.guard_published``), which the failed form then asks for."""


@router.post("/cases/{case_id}/handler")
def assign_handler(
    request: Request, case_id: RowId, session: SessionDep, today: TodayDep, visitor: ActingDep, form: FormDep
) -> Response:
    """``app.case.assignment.assign_handler``: a supervisor picks the handler, a clerk takes an unassigned case."""
    version = plain_int(form.get("version", ""))
    username = form.get("handler") or None
    try:
        assignment.assign_handler(session, visitor.principal, case_id, username, version)
    except DomainError as exc:
        if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):
            raise
        undo(session)
        case = case_service.get_case(session, visitor.principal, case_id)
        errors = forms.FormErrors(general=[exc.detail])
        return _case_page(request, session, visitor, case, today, errors=errors, status=STATUS_BY_KIND[exc.kind])
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
