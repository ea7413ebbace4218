"""The clerks' web pages: server-rendered HTML over the same services as the REST API (``app.case.service``,
``app.auth.service``) and the same views (``app.case.views``). Thin: nothing here decides a rule; forms go through the
API's own schemas, and the rules' answers (``DomainError``) are shown next to the fields they concern.

Pages are outside ``/api/v1`` and outside the OpenAPI document. A page without a session redirects to ``/login``;
every form post carries the session's CSRF token (``csrf_token``), checked by ``app.auth.service.csrf_matches``.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.agency import repository as agencies
from app.auth import service as auth_service
from app.auth.dependencies import SESSION_COOKIE, clear_session_cookie, set_session_cookie
from app.auth.principal import Principal
from app.auth.router import REFUSALS
from app.auth.service import SessionIdentity
from app.case import repository, views
from app.case import service as case_service
from app.case.schemas import (
    STEPS,
    CaseCreate,
    ReviewDecision,
    ReviewFiling,
)
from app.db import unavailable
from app.deps import SessionDep, SettingsDep, TodayDep, client_address
from app.domain.calendar import DAY_KIND_LABELS
from app.domain.clock import DAY_NOTE_LABELS, ExplanationStep
from app.domain.codes import (
    APPLICANT_TYPE_LABELS,
    CHANNEL_LABELS,
    DELIVERY_METHOD_LABELS,
    REQUEST_FORM_LABELS,
    REVIEW_KIND_LABELS,
    REVIEW_OUTCOME_LABELS,
    ApplicantType,
    Channel,
    DeliveryMethod,
    RequestForm,
    ReviewOutcome,
)
from app.domain.errors import DomainError, ErrorKind, NotFound
from app.domain.lifecycle import CASE_STATUS_LABELS, CaseStatus, EventType, allowed_events
from app.domain.overdue import DEFAULT_DUE_WITHIN
from app.domain.receipt import RECEIPT_FACT_LABELS, deciding_fact
from app.domain.roles import SUPERVISED_STEPS, Permission, step_permission
from app.errors import STATUS_BY_KIND
from app.holiday.repository import load_calendar
from app.models import DisclosureCase
from app.web import forms

log = logging.getLogger("gongkai")
T = TypeVar("T")

HERE = Path(__file__).parent
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""Pages load their stylesheet from this server and nothing else: no scripts, no inline styles, no other origin."""

templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(
    APPLICANT_TYPE_LABELS=APPLICANT_TYPE_LABELS,
    CHANNEL_LABELS=CHANNEL_LABELS,
    CASE_STATUS_LABELS=CASE_STATUS_LABELS,
    REVIEW_KIND_LABELS=REVIEW_KIND_LABELS,
    REVIEW_OUTCOME_LABELS=REVIEW_OUTCOME_LABELS,
    REQUEST_FORM_LABELS=REQUEST_FORM_LABELS,
    DELIVERY_METHOD_LABELS=DELIVERY_METHOD_LABELS,
    DAY_KIND_LABELS=DAY_KIND_LABELS,
    DAY_NOTE_LABELS=DAY_NOTE_LABELS,
    RECEIPT_FACT_LABELS=RECEIPT_FACT_LABELS,
    DUE_SOON=DEFAULT_DUE_WITHIN,
    ApplicantType=ApplicantType,
    Channel=Channel,
    CaseStatus=CaseStatus,
    RequestForm=RequestForm,
    DeliveryMethod=DeliveryMethod,
    deciding_fact=deciding_fact,
    disposition_groups=forms.disposition_groups(),
    event_facts=forms.event_facts,
)

STATUS_TITLES = {
    403: "无权访问",
    404: "页面不存在",
    409: "操作冲突",
    412: "内容已被他人修改",
    422: "输入有误",
    503: "暂时无法服务",
}


class LoginRequired(Exception):
    """No valid session: the page sends the browser to the sign-in form."""


class CsrfRefused(Exception):
    """A form post without the session's CSRF token."""


@dataclass(frozen=True)
class Visitor:
    """A person signed in with the session cookie, as the pages need them."""

    identity: SessionIdentity
    name: str

    @property
    def principal(self) -> Principal:
        return self.identity.principal

    @property
    def can_create(self) -> bool:
        return self.principal.can_anywhere(Permission.CASE_CREATE)


def render(
    request: Request, name: str, context: dict[str, Any], status: int = 200, visitor: Visitor | None = None
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, name, {"visitor": visitor, **context}, status_code=status, headers={"Cache-Control": "no-store"}
    )
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    title = STATUS_TITLES.get(status, "出错了" if status >= 500 else "请求有误")
    request_id = getattr(request.state, "request_id", None)
    return render(
        request, "error.html", {"status": status, "title": title, "detail": detail, "request_id": request_id}, status
    )


def _login_redirect(request: Request) -> RedirectResponse:
    target = "/login"
    if request.method == "GET" and request.url.path != "/":
        target += "?" + urlencode({"next": request.url.path})
    return RedirectResponse(target, status_code=303)


class PageRoute(APIRoute):
    """Every failure of a page is a page in the same layout, never a JSON problem: no session → sign-in form,
    a bad CSRF token → 403, a rule's refusal → its status, the database unavailable → 503 (暂时无法服务),
    anything unexpected → 500 with the request id. The
    request's unit of work has already been rolled back when these run."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return _login_redirect(request)
            except CsrfRefused:
                return error_page(request, 403, "表单已过期或来源不明（缺少有效的安全令牌），请刷新页面后重试。")
            except DomainError as exc:
                return error_page(request, STATUS_BY_KIND[exc.kind], exc.detail)
            except RequestValidationError:
                return error_page(request, 404, "请求的页面不存在。")
            except (IntegrityError, StaleDataError):
                return error_page(request, 409, "数据与已有记录冲突（可能是同时提交），请刷新后重试。")
            except Exception as exc:  # the page's own 500, in the layout, with the request id
                if outage := unavailable(exc):  # the database is down, full or read-only: 暂时无法服务
                    log.warning("database unavailable (%s) on page %s", outage.reason, request.url.path)
                    page = error_page(request, 503, outage.detail)
                    page.headers["Retry-After"] = str(outage.retry_after)
                    return page
                rid = getattr(request.state, "request_id", "-")
                log.exception("unexpected error on a page (request %s)", rid, exc_info=exc)
                return error_page(request, 500, "服务器内部错误，请将请求编号告知管理员。")

        return page_handler


router = APIRouter(route_class=PageRoute, include_in_schema=False)


def signed_in(request: Request, session: SessionDep, settings: SettingsDep) -> Visitor:
    cookie = request.cookies.get(SESSION_COOKIE)
    idle = timedelta(hours=settings.session_idle_hours)
    identity = auth_service.authenticate_session(session, cookie, idle) if cookie else None
    if identity is None:
        raise LoginRequired
    user = auth_service.current_user(session, identity.principal)
    return Visitor(identity, user[0].display_name if user else identity.principal.actor)


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


VisitorDep = Annotated[Visitor, Depends(signed_in)]
FormDep = Annotated[dict[str, str], Depends(form_fields)]


def acting(visitor: VisitorDep, form: FormDep) -> Visitor:
    """A signed-in visitor whose form carries the session's CSRF token."""
    if not auth_service.csrf_matches(visitor.identity, form.get("csrf_token")):
        raise CsrfRefused
    return visitor


ActingDep = Annotated[Visitor, Depends(acting)]


def _undo(session: Session) -> None:
    """A refused form is shown again; nothing the refused attempt flushed (a case number, a row lock) may stay."""
    session.rollback()


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


# --- signing in and out ---------------------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(request.query_params.get("next")), "username": ""})


@router.post("/login")
def login(request: Request, session: SessionDep, settings: SettingsDep, form: FormDep) -> Response:
    """The API's sign-in (``app.auth.service.login``) with the API's cookie and its answers to a refusal."""
    idle = timedelta(hours=settings.session_idle_hours)
    username = form.get("username", "").strip()
    attempts = request.app.state.session_factory
    password = form.get("password", "")
    result = auth_service.login(session, attempts, username, password, idle, client_address(request))
    target = _safe_next(form.get("next"))
    if isinstance(result, auth_service.Refused):
        status, detail = REFUSALS[result.reason]
        return render(request, "login.html", {"next": target, "username": username, "error": detail}, status)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, result.cookie, idle, settings)
    return response


@router.post("/logout")
def logout(session: SessionDep, settings: SettingsDep, visitor: ActingDep) -> Response:
    auth_service.logout(session, visitor.principal)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, settings)
    return response


# --- the case list --------------------------------------------------------------------------------------------------


def _choice(raw: str | None, parse: Callable[[str], T], label: str, problems: list[str]) -> T | None:
    if not raw:
        return None
    try:
        return parse(raw)
    except ValueError:
        problems.append(f"筛选条件「{label}」无效，已忽略。")
        return None


@router.get("/")
def case_list(
    request: Request, session: SessionDep, settings: SettingsDep, today: TodayDep, visitor: VisitorDep
) -> HTMLResponse:
    """我的待办: the cases in the visitor's agencies, soonest agency deadline first (as ``GET /api/v1/cases``)."""
    params = request.query_params
    problems: list[str] = []
    text = (params.get("q") or "").strip()[:100] or None
    sort = params.get("sort") or "due_date"
    if sort not in repository.SORTS:
        sort = "due_date"
    page = _choice(params.get("page"), int, "页码", problems) or 1
    page = max(page, 1)
    filters = repository.CaseFilter(
        agency_ids=visitor.principal.scope,
        status=_choice(params.get("status"), CaseStatus, "状态", problems),
        applicant_type=_choice(params.get("applicant_type"), ApplicantType, "申请人类型", problems),
        received_from=_choice(params.get("received_from"), date.fromisoformat, "收到日期起", problems),
        received_to=_choice(params.get("received_to"), date.fromisoformat, "收到日期止", problems),
        overdue_as_of=today if params.get("overdue") else None,
        text=text,
    )
    size = settings.default_page_size
    rows, total = repository.page(session, filters, sort, (page - 1) * size, size)
    calendar = load_calendar(session)
    kept = {
        key: value
        for key in ("status", "applicant_type", "received_from", "received_to", "overdue", "q", "sort")
        if (value := params.get(key))
    }
    return render(
        request,
        "cases.html",
        {
            "items": [views.summary(case, calendar, today) for case in rows],
            "total": total,
            "page": page,
            "pages": max(1, math.ceil(total / size)),
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
        },
        visitor=visitor,
    )


# --- registration ---------------------------------------------------------------------------------------------------


def _creatable_agencies(session: Session, principal: Principal) -> list[tuple[str, str]]:
    found = [agencies.by_id(session, agency_id) for agency_id in sorted(principal.agency_ids(Permission.CASE_CREATE))]
    return [(agency.code, agency.name) for agency in found if agency is not None]


def _registration(
    request: Request,
    session: Session,
    visitor: Visitor,
    values: Mapping[str, str],
    errors: forms.FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "case_new.html",
        {
            "agencies": _creatable_agencies(session, visitor.principal),
            "values": values,
            "errors": errors or forms.FormErrors(),
        },
        status,
        visitor,
    )


@router.get("/cases/new")
def new_case(request: Request, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    visitor.principal.require_anywhere(Permission.CASE_CREATE)
    return _registration(request, session, visitor, {"channel": Channel.IN_PERSON.value})


@router.post("/cases")
def create_case(request: Request, session: SessionDep, visitor: ActingDep, form: FormDep, today: TodayDep) -> Response:
    """``app.case.service.open_case`` with a ``CaseCreate`` built from the form; refusals re-render the form."""
    try:
        body = CaseCreate.model_validate(forms.case_create_data(form))
        case = case_service.open_case(session, visitor.principal, body, today=today)
    except ValidationError as exc:
        _undo(session)
        return _registration(request, session, visitor, form, forms.validation_errors(exc), 422)
    except DomainError as exc:
        _undo(session)
        known = {"agency", "external_ref", "receipt"}
        return _registration(request, session, visitor, form, forms.domain_errors(exc, known), STATUS_BY_KIND[exc.kind])
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
        },
        status,
        visitor,
    )


@router.get("/cases/{case_id}")
def case_page(
    request: Request, case_id: int, session: SessionDep, today: TodayDep, visitor: VisitorDep
) -> HTMLResponse:
    case = case_service.get_case(session, visitor.principal, case_id)
    return _case_page(request, session, visitor, case, today)


DECISION = re.compile(r"reviews/(\d{1,9})/decision")


@router.post("/cases/{case_id}/steps/{path:path}")
def record_step(
    request: Request,
    case_id: int,
    path: str,
    session: SessionDep,
    today: TodayDep,
    visitor: ActingDep,
    form: FormDep,
) -> Response:
    """One form per step, through the API's body schema and ``record_step`` / ``file_review`` / ``decide_review``.
    The hidden ``version`` is the case version the clerk saw (the API's ``If-Match``): a stale one is refused."""
    principal = visitor.principal
    version = int(form["version"]) if form.get("version", "").isdigit() else None
    decision = DECISION.fullmatch(path)
    try:
        if path in forms.STEP_BY_PATH:
            event_type, kind = forms.STEP_BY_PATH[path]
            body = kind.body.model_validate(forms.body_data(kind.body, form))
            event, data = body.to_event(event_type)
            case_service.record_step(session, principal, case_id, event, data, today, version)
        elif path == forms.REVIEW_FILING_FORM.path:
            filing = ReviewFiling.model_validate(forms.body_data(ReviewFiling, form))
            case_service.file_review(session, principal, case_id, filing, today, version)
        elif decision is not None:
            ruling = ReviewDecision.model_validate(forms.body_data(ReviewDecision, form))
            review_id = int(decision[1])
            case_service.decide_review(
                session, principal, case_id, review_id, ruling.on, ruling.outcome, today, version
            )
        else:
            raise NotFound("page_not_found", "请求的页面不存在。")
    except ValidationError as exc:
        _undo(session)
        errors, status = forms.validation_errors(exc), 422
    except DomainError as exc:
        if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):
            raise
        _undo(session)
        known = {name for name in form if name not in ("csrf_token", "version")}
        errors, status = forms.domain_errors(exc, known), STATUS_BY_KIND[exc.kind]
    else:
        return RedirectResponse(f"/cases/{case_id}#timeline", status_code=303)
    case = case_service.get_case(session, principal, case_id)
    return _case_page(request, session, visitor, case, today, errors=errors, failed=path, values=form, status=status)


# --- the deadline, day by day ---------------------------------------------------------------------------------------


def _weeks(steps: tuple[ExplanationStep, ...]) -> list[list[ExplanationStep | None]]:
    """The explanation's days laid out Monday to Sunday, one row per week."""
    if not steps:
        return []
    by_day = {step.on: step for step in steps}
    day = steps[0].on - timedelta(days=steps[0].on.weekday())
    weeks: list[list[ExplanationStep | None]] = []
    while day <= steps[-1].on:
        weeks.append([by_day.get(day + timedelta(days=i)) for i in range(7)])
        day += timedelta(days=7)
    return weeks


@router.get("/cases/{case_id}/deadline")
def deadline_page(request: Request, case_id: int, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    case = case_service.get_case(session, visitor.principal, case_id)
    explanation = case_service.explain_deadline(session, visitor.principal, case_id)
    return render(
        request,
        "deadline.html",
        {"case": case, "explanation": explanation, "weeks": _weeks(explanation.steps)},
        visitor=visitor,
    )


def install(app: FastAPI) -> None:
    """The pages and their stylesheet, outside ``/api/v1``."""
    from app.web.letters import router as letters_router  # the case file pages build on this module's frame

    app.include_router(router)
    from app.web.report_document import router as report_document_pages  # it imports this module's helpers

    app.include_router(report_document_pages)
    app.include_router(letters_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
