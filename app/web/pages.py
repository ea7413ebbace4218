"""What every page module of the web client shares: the templates and their filters, the page route (every failure
is a page in the layout), the signed-in visitor and the CSRF-checked form. Presentation only: nothing here decides
a rule.

Pages are outside ``/api/v1`` and outside the OpenAPI document. A page without a session redirects to ``/login``;
a visitor whose password an administrator reset is sent to ``/account/password`` until they change it; every form
post carries the session's CSRF token (``csrf_token``), checked by ``app.auth.service.csrf_matches``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Coroutine, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.auth import repository as auth_repository
from app.auth import service as auth_service
from app.auth.dependencies import SESSION_COOKIE
from app.auth.principal import Principal
from app.auth.service import SessionIdentity
from app.db import unavailable
from app.deps import SessionDep, SettingsDep, TodayDep, UnitRoute
from app.domain.calendar import DAY_KIND_LABELS
from app.domain.clock import DAY_NOTE_LABELS
from app.domain.codes import (
    APPLICANT_TYPE_LABELS,
    CHANNEL_LABELS,
    DELIVERY_METHOD_LABELS,
    DISPOSITION_SHORT_LABELS,
    REQUEST_FORM_LABELS,
    REVIEW_KIND_LABELS,
    REVIEW_OUTCOME_LABELS,
    ApplicantType,
    Channel,
    DeliveryMethod,
    Disposition,
    RequestForm,
)
from app.domain.errors import DomainError
from app.domain.lifecycle import CASE_STATUS_LABELS, CaseStatus
from app.domain.overdue import DEFAULT_DUE_WITHIN
from app.domain.receipt import RECEIPT_FACT_LABELS, deciding_fact
from app.domain.roles import Permission, Role
from app.errors import STATUS_BY_KIND, http_refusal, status_title
from app.holiday import repository as calendar_repository
from app.web import forms

log = logging.getLogger("gongkai")

HERE = Path(__file__).parent
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""Pages load their stylesheet from this server and nothing else: no scripts, no inline styles, no other origin."""

ROLE_LABELS: dict[Role, str] = {
    Role.CLERK: "经办人",
    Role.SUPERVISOR: "主管",
    Role.AUDITOR: "审计员",
    Role.ADMIN: "管理员",
    Role.INTEGRATION: "系统对接",
}


def short_disposition(code: str | None) -> str:
    try:
        return DISPOSITION_SHORT_LABELS[Disposition(code or "")]
    except ValueError:
        return code or ""


@pass_context
def localtime(context: Context, value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as a person reads it: in the configured zone (``GONGKAI_TIMEZONE``)."""
    if value is None:
        return "—"
    tz = context["request"].app.state.settings.tz
    return value.astimezone(tz).strftime(fmt)


@pass_context
def actor_name(context: Context, actor: str | None) -> str:
    """Who did something, as a person reads it: a user's display name (from ``actor_names``, filled by the page),
    a token's name, the command line's account, or 系统."""
    if not actor:
        return "—"
    kind, _, who = actor.partition(":")
    if kind == "user":
        names: Mapping[str, str] = context.get("actor_names") or {}
        return names.get(who, who)
    if kind == "token":
        return f"接口令牌「{who.rsplit('#', 1)[0]}」"
    if kind == "cli":
        return f"命令行（{who}）"
    return "系统"


def pretty_json(value: object) -> str:
    """A stored JSON value for reading: indented, Chinese as written (the template escapes it for HTML)."""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str)


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[tuple[str, Any, Any]]:
    """The fields an audit record changed: (field, before, after), for records that have both states."""
    if not before or not after:
        return []
    return [
        (key, before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]


def actor_names(session: Session, actors: Collection[str]) -> dict[str, str]:
    """Display names of the ``user:…`` actors among ``actors``, for :func:`actor_name`."""
    usernames = {a.partition(":")[2] for a in actors if a.startswith("user:")}
    return {u.username: u.display_name for u in auth_repository.users_by_username(session, usernames)}


templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(
    localtime=localtime, actor=actor_name, short_disposition=short_disposition, pretty_json=pretty_json
)
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
    ROLE_LABELS=ROLE_LABELS,
    DUE_SOON=DEFAULT_DUE_WITHIN,
    ApplicantType=ApplicantType,
    Channel=Channel,
    CaseStatus=CaseStatus,
    RequestForm=RequestForm,
    DeliveryMethod=DeliveryMethod,
    Role=Role,
    deciding_fact=deciding_fact,
    disposition_groups=forms.disposition_groups(),
    event_facts=forms.event_facts,
    audit_changes=changes,
)


class LoginRequired(Exception):
    """No valid session: the page sends the browser to the sign-in form."""


class PasswordChangeRequired(Exception):
    """An administrator reset the password: the visitor must choose a new one first."""


class CsrfRefused(Exception):
    """A form post without the session's CSRF token."""


@dataclass(frozen=True)
class Visitor:
    """A person signed in with the session cookie, as the pages need them."""

    identity: SessionIdentity
    name: str
    username: str
    missing_year: int | None = None
    """From 1 November: next year, when its holiday arrangement is not imported yet (the banner on every page)."""

    @property
    def principal(self) -> Principal:
        return self.identity.principal

    def can_anywhere(self, permission: str) -> bool:
        return self.principal.can_anywhere(Permission(permission))

    @property
    def can_create(self) -> bool:
        return self.principal.can_anywhere(Permission.CASE_CREATE)

    @property
    def administers(self) -> bool:
        """Whether the 管理 menu has anything for this visitor."""
        return self.principal.system_admin or any(
            self.principal.can_anywhere(p)
            for p in (Permission.USER_MANAGE, Permission.TOKEN_MANAGE, Permission.AGENCY_MANAGE, Permission.AUDIT_READ)
        )


def render(
    request: Request, name: str, context: dict[str, Any], status: int = 200, visitor: Visitor | None = None
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, name, {"visitor": visitor, **context}, status_code=status, headers={"Cache-Control": "no-store"}
    )
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    title = status_title(status)
    request_id = getattr(request.state, "request_id", None)
    return render(
        request, "error.html", {"status": status, "title": title, "detail": detail, "request_id": request_id}, status
    )


def _login_redirect(request: Request) -> RedirectResponse:
    target = "/login"
    if request.method == "GET" and request.url.path != "/":
        target += "?" + urlencode({"next": request.url.path})
    return RedirectResponse(target, status_code=303)


class PageRoute(UnitRoute):
    """The API's way of serving a request (the endpoint and its commit in one worker thread), and every failure of a
    page is a page in the same layout, never a JSON problem: no session → sign-in form,
    a bad CSRF token → 403, a rule's refusal → its status, the database unavailable → 503 (暂时无法服务),
    anything unexpected → 500 with the request id. The request's unit of work has already been rolled back when
    these run."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return _login_redirect(request)
            except PasswordChangeRequired:
                return RedirectResponse("/account/password", status_code=303)
            except CsrfRefused:
                return error_page(request, 403, "表单已过期或来源不明（缺少有效的安全令牌），请刷新页面后重试。")
            except DomainError as exc:
                return error_page(request, STATUS_BY_KIND[exc.kind], exc.detail)
            except RequestValidationError:
                return error_page(request, 404, "请求的页面不存在。")
            except StarletteHTTPException as exc:  # e.g. the form parser refusing a malformed multipart body
                return error_page(request, exc.status_code, http_refusal(exc)[1])
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


def page_router() -> APIRouter:
    """A router of pages: failures rendered as pages, nothing in the OpenAPI document."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)


PASSWORD_PAGES = ("/account/password", "/logout")


def signed_in(request: Request, session: SessionDep, settings: SettingsDep, today: TodayDep) -> Visitor:
    cookie = request.cookies.get(SESSION_COOKIE)
    idle = timedelta(hours=settings.session_idle_hours)
    identity = auth_service.authenticate_session(session, cookie, idle) if cookie else None
    if identity is None:
        raise LoginRequired
    if identity.must_change_password and request.url.path not in PASSWORD_PAGES:
        raise PasswordChangeRequired
    user = auth_service.current_user(session, identity.principal)
    missing = _missing_year(session, today)
    if user is None:
        return Visitor(identity, identity.principal.actor, "", missing)
    return Visitor(identity, user[0].display_name, user[0].username, missing)


BANNER_FROM_MONTH = 11
"""The State Council publishes the next year's holiday arrangement around November; from then on its absence is said
on every page, since deadlines reaching into that year are only provisional until it is imported."""


def _missing_year(session: Session, today: date) -> int | None:
    if today.month < BANNER_FROM_MONTH:
        return None
    return None if calendar_repository.year_row(session, today.year + 1) else today.year + 1


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


VisitorDep = Annotated[Visitor, Depends(signed_in)]
FormDep = Annotated[dict[str, str], Depends(form_fields)]


async def acting(visitor: VisitorDep, form: FormDep) -> Visitor:
    """A signed-in visitor whose form carries the session's CSRF token."""
    if not auth_service.csrf_matches(visitor.identity, form.get("csrf_token")):
        raise CsrfRefused
    return visitor


ActingDep = Annotated[Visitor, Depends(acting)]


def undo(session: Session) -> None:
    """A refused form is shown again; nothing the refused attempt flushed (a case number, a row lock) may stay."""
    session.rollback()


def safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def see_other(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)
