"""管理: users (create with a temporary password, roles per agency, deactivate, unlock, reset password), tokens
(create, rotate, revoke; the secret shown once), agencies (sub-agencies, rename, deadline policy with the cases that
moved), the working-day calendar (years loaded, import a year's notice from a file or a form), webhooks with their
delivery log, and the audit trail with filters and verification. Each page calls the service the API calls; each
permission is checked there (404 outside the visitor's agencies, 403 inside them without the role)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.agency import repository as agencies
from app.agency import service as agency_service
from app.audit import reading as audit_reading
from app.audit import repository as audit_repository
from app.auth import service as auth_service
from app.clock import utcnow
from app.deps import SessionDep, SettingsDep, TodayDep
from app.domain.clock import DeadlinePolicy
from app.domain.errors import DomainError, ErrorKind, Forbidden, InvalidInput, NotFound
from app.domain.roles import Permission, Role, system_allows
from app.errors import STATUS_BY_KIND
from app.holiday import repository as calendar_repository
from app.holiday import service as calendar_service
from app.inputs import RowId, plain_int
from app.models import Agency
from app.user import service as user_service
from app.web.forms import validation_summary
from app.web.pages import ActingDep, FormDep, Visitor, VisitorDep, actor_names, page_router, render, see_other, undo
from app.webhook import delivery as webhook_delivery
from app.webhook import service as webhook_service
from app.webhook.events import EventType
from app.webhook.schemas import SubscriptionCreate

router = page_router()

SECTIONS: dict[str, tuple[str, tuple[Permission, ...]]] = {
    "users": ("用户", (Permission.USER_MANAGE,)),
    "tokens": ("接口令牌", (Permission.TOKEN_MANAGE,)),
    "agencies": ("机关", (Permission.AGENCY_MANAGE,)),
    "calendar": ("节假日安排", (Permission.CALENDAR_MANAGE,)),
    "webhooks": ("事件订阅", (Permission.TOKEN_MANAGE, Permission.AGENCY_MANAGE)),
    "audit": ("审计记录", (Permission.AUDIT_READ,)),
}
EVENT_LABELS = {
    EventType.CASE_CREATED: "登记申请",
    EventType.CASE_STEP_RECORDED: "登记办理事项",
    EventType.CASE_DEADLINE_CHANGED: "期限变化",
    EventType.CASE_DUE_SOON: "即将到期",
    EventType.CASE_OVERDUE: "超期",
    EventType.CASE_CONCLUDED: "办结",
    EventType.REPORT_GENERATED: "期限报告生成",
}
DELIVERY_LABELS = {"pending": "待发送", "delivered": "已送达", "failed": "失败", "abandoned": "已放弃"}
PEOPLE_ROLES = [r for r in Role if r is not Role.INTEGRATION]


def _allowed(visitor: Visitor, needs: tuple[Permission, ...]) -> bool:
    """Whether the visitor holds one of ``needs`` somewhere; the calendar's is the system administrator's alone."""
    principal = visitor.principal
    return any(
        principal.system_admin and system_allows(p) if p is Permission.CALENDAR_MANAGE else principal.can_anywhere(p)
        for p in needs
    )


def _sections(visitor: Visitor) -> list[tuple[str, str]]:
    return [(key, title) for key, (title, needs) in SECTIONS.items() if _allowed(visitor, needs)]


def _managed(session: Session, visitor: Visitor, permission: Permission) -> list[Agency]:
    ids = sorted(visitor.principal.agency_ids(permission))
    return [agency for agency_id in ids if (agency := agencies.by_id(session, agency_id)) is not None]


def _page(
    request: Request,
    visitor: Visitor,
    section: str,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> HTMLResponse:
    title, needs = SECTIONS[section]
    if not _allowed(visitor, needs):
        raise Forbidden("forbidden", "您的角色无权进行此项操作。")
    return render(
        request,
        template,
        {"section": section, "section_title": title, "sections": _sections(visitor), **context},
        status,
        visitor,
    )


def _refusal(session: Session, exc: DomainError) -> tuple[str, int]:
    """A refused form: its message for the page, and the status. Missing and forbidden objects are error pages."""
    if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):
        raise exc
    undo(session)
    return exc.detail, STATUS_BY_KIND[exc.kind]


def _attempt(session: Session, action: Callable[[], object]) -> tuple[str | None, int]:
    """Run a form's action; its refusal as (message, status), or (None, 200)."""
    try:
        action()
    except DomainError as exc:
        return _refusal(session, exc)
    return None, 200


@router.get("/admin")
def admin_index(request: Request, visitor: VisitorDep) -> Response:
    sections = _sections(visitor)
    if not sections:
        visitor.principal.require_anywhere(Permission.USER_MANAGE)
    return see_other(f"/admin/{sections[0][0]}")


# --- users ----------------------------------------------------------------------------------------------------------


def _users_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    *,
    error: str | None = None,
    secret: tuple[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    managed = _managed(session, visitor, Permission.USER_MANAGE)
    names = {a.id: a for a in managed}
    users = user_service.managed_users(session, visitor.principal)
    return _page(
        request,
        visitor,
        "users",
        "admin/users.html",
        {
            "users": users,
            "agencies": managed,
            "agency_of": names,
            "roles": PEOPLE_ROLES,
            "error": error,
            "secret": secret,
            "values": values or {},
            "now": utcnow(),
        },
        status,
    )


@router.get("/admin/users")
def users_page(request: Request, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    return _users_page(request, session, visitor)


@router.post("/admin/users")
def create_user(request: Request, session: SessionDep, visitor: ActingDep, form: FormDep) -> Response:
    """A new account with a temporary password, shown once; the clerk sets their own at the first sign-in."""
    username = form.get("username", "").strip()
    try:
        role = Role(form.get("role", ""))
        user, password = user_service.add_user_with_temporary_password(
            session,
            visitor.principal,
            username,
            form.get("display_name", "").strip() or username,
            [(form.get("agency", ""), role)],
        )
    except ValueError:
        return _users_page(request, session, visitor, error="请选择角色。", values=form, status=422)
    except DomainError as exc:
        error, status = _refusal(session, exc)
        return _users_page(request, session, visitor, error=error, values=form, status=status)
    return _users_page(request, session, visitor, secret=(user.username, password), status=201)


@router.post("/admin/users/{user_id}/{action}")
def user_action(
    request: Request, user_id: RowId, action: str, session: SessionDep, visitor: ActingDep, form: FormDep
) -> Response:
    principal = visitor.principal
    if action == "password-reset":
        try:
            user, password = user_service.reset_managed_password(session, principal, user_id)
        except DomainError as exc:
            refused, status = _refusal(session, exc)
            return _users_page(request, session, visitor, error=refused, status=status)
        return _users_page(request, session, visitor, secret=(user.username, password))
    actions: dict[str, Callable[[], object]] = {
        "unlock": lambda: user_service.unlock(session, principal, user_id),
        "deactivation": lambda: user_service.deactivate(session, principal, user_id),
        "role": lambda: user_service.set_membership(
            session, principal, user_id, form.get("agency", ""), Role(form.get("role", ""))
        ),
        "role-removal": lambda: user_service.remove_membership(session, principal, user_id, form.get("agency", "")),
    }
    if action not in actions:
        raise NotFound("page_not_found", "请求的页面不存在。")
    try:
        error, status = _attempt(session, actions[action])
    except ValueError:
        error, status = "请选择角色。", 422
    if error:
        return _users_page(request, session, visitor, error=error, status=status)
    return see_other("/admin/users")


# --- tokens ---------------------------------------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    *,
    error: str | None = None,
    secret: tuple[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    managed = _managed(session, visitor, Permission.TOKEN_MANAGE)
    tokens = auth_service.managed_tokens(session, visitor.principal)
    return _page(
        request,
        visitor,
        "tokens",
        "admin/tokens.html",
        {
            "tokens": tokens,
            "agencies": managed,
            "agency_of": {a.id: a for a in agencies.all_agencies(session)},
            "roles": list(Role),
            "error": error,
            "secret": secret,
            "now": utcnow(),
            "actor_names": actor_names(session, [t.created_by for t in tokens if t.created_by]),
        },
        status,
    )


@router.get("/admin/tokens")
def tokens_page(request: Request, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    return _tokens_page(request, session, visitor)


@router.post("/admin/tokens")
def create_token(request: Request, session: SessionDep, visitor: ActingDep, form: FormDep) -> Response:
    raw_days = form.get("expires_days", "").strip()
    try:
        role = Role(form.get("role", ""))
        days = plain_int(raw_days)
        if raw_days and (days is None or not 1 <= days <= 3650):
            raise InvalidInput("expires_days_invalid", "有效天数应为 1–3650 之间的整数，留空表示长期有效。")
        name = form.get("name", "")  # checked by the service (``app.inputs.name_line``)
        token, plain = auth_service.issue_token(session, visitor.principal, form.get("agency", ""), role, name, days)
    except ValueError:
        return _tokens_page(request, session, visitor, error="请选择角色。", status=422)
    except DomainError as exc:
        error, status = _refusal(session, exc)
        return _tokens_page(request, session, visitor, error=error, status=status)
    return _tokens_page(request, session, visitor, secret=(f"#{token.id} {token.name}", plain), status=201)


@router.post("/admin/tokens/{token_id}/{action}")
def token_action(request: Request, token_id: RowId, action: str, session: SessionDep, visitor: ActingDep) -> Response:
    if action == "rotation":
        try:
            token, plain = auth_service.rotate_token(session, visitor.principal, token_id)
        except DomainError as exc:
            error, status = _refusal(session, exc)
            return _tokens_page(request, session, visitor, error=error, status=status)
        return _tokens_page(request, session, visitor, secret=(f"#{token.id} {token.name}", plain), status=201)
    if action != "revocation":
        raise NotFound("page_not_found", "请求的页面不存在。")
    auth_service.revoke_token(session, visitor.principal, token_id)
    return see_other("/admin/tokens")


# --- agencies -------------------------------------------------------------------------------------------------------


def _agencies_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    *,
    error: str | None = None,
    moved: tuple[str, list[Any]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    managed = _managed(session, visitor, Permission.AGENCY_MANAGE)
    every = {a.id: a for a in agencies.all_agencies(session)}
    return _page(
        request,
        visitor,
        "agencies",
        "admin/agencies.html",
        {
            "agencies": managed,
            "agency_of": every,
            "error": error,
            "moved": moved,
        },
        status,
    )


@router.get("/admin/agencies")
def agencies_page(request: Request, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    return _agencies_page(request, session, visitor)


def _int(raw: str | None, label: str, optional: bool = False) -> int | None:
    text = (raw or "").strip()
    if optional and not text:
        return None
    value = plain_int(text)
    if value is None:
        raise InvalidInput("number_invalid", f"「{label}」应为整数。")
    return value


def _policy(form: dict[str, str]) -> DeadlinePolicy:
    reply_days = _int(form.get("reply_days"), "答复期限（工作日）")
    assert reply_days is not None
    return DeadlinePolicy(reply_days, _int(form.get("extension_limit"), "延期上限（工作日）", optional=True))


@router.post("/admin/agencies")
def create_agency(request: Request, session: SessionDep, visitor: ActingDep, form: FormDep) -> Response:
    """A sub-agency under one the visitor administers (``app.agency.service``)."""
    try:
        parent = agency_service.managed_agency(session, visitor.principal, form.get("parent", ""))
        policy = _policy(form)
        agency_service.create_agency(
            session,
            code=form.get("code", "").strip(),
            name=form.get("name", ""),
            parent_code=parent.code,
            reply_days=policy.reply_days,
            extension_limit=policy.extension_limit,
            actor=visitor.principal.actor,
        )
    except DomainError as exc:
        error, status = _refusal(session, exc)
        return _agencies_page(request, session, visitor, error=error, status=status)
    return see_other("/admin/agencies")


@router.post("/admin/agencies/{code}/{action}")
def agency_action(
    request: Request, code: str, action: str, session: SessionDep, today: TodayDep, visitor: ActingDep, form: FormDep
) -> Response:
    principal = visitor.principal
    try:
        agency = agency_service.managed_agency(session, principal, code)
        if action == "name":
            agency_service.rename_agency(session, agency, form.get("name", ""), principal.actor)
            return see_other("/admin/agencies")
        if action != "policy":
            raise NotFound("page_not_found", "请求的页面不存在。")
        changed = agency_service.change_policy(session, agency, _policy(form), principal.actor, today)
    except DomainError as exc:
        error, status = _refusal(session, exc)
        return _agencies_page(request, session, visitor, error=error, status=status)
    return _agencies_page(request, session, visitor, moved=(agency.name, changed))


# --- the working-day calendar ---------------------------------------------------------------------------------------


def _calendar_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    today: date,
    *,
    error: str | None = None,
    result: calendar_service.ImportResult | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    visitor.principal.require_system(Permission.CALENDAR_MANAGE)
    years = calendar_repository.loaded_years(session)
    shown = request.query_params.get("year", "")
    detail = None
    if (year := plain_int(shown, 4)) is not None:
        detail = calendar_service.get_year(session, year)
    return _page(
        request,
        visitor,
        "calendar",
        "admin/calendar.html",
        {
            "years": years,
            "next_year": today.year + 1,
            "next_loaded": any(y.year == today.year + 1 for y in years),
            "detail": detail,
            "error": error,
            "result": result,
            "values": values or {},
            "actor_names": actor_names(session, [y.imported_by for y in years]),
        },
        status,
    )


@router.get("/admin/calendar")
def calendar_page(request: Request, session: SessionDep, today: TodayDep, visitor: VisitorDep) -> HTMLResponse:
    return _calendar_page(request, session, visitor, today)


async def uploaded(request: Request) -> tuple[str, str]:
    """The text and name of the form's uploaded ``file`` (empty when none); "\x00" for a file that is not UTF-8."""
    upload = (await request.form()).get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return "", ""
    raw = await upload.read()
    try:
        return raw.decode("utf-8-sig"), upload.filename
    except UnicodeDecodeError:
        return "\x00", upload.filename


UploadDep = Annotated[tuple[str, str], Depends(uploaded)]


@router.post("/admin/calendar")
def import_calendar(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    visitor: ActingDep,
    form: FormDep,
    upload: UploadDep,
) -> Response:
    """A year's notice as a file (JSON or CSV, the formats of ``gongkai calendar import``) or typed into the form;
    ``app.holiday.service.import_year`` recomputes the open cases and the page lists those whose dates moved."""
    text, filename = upload
    body = text or form.get("content", "").strip()
    try:
        visitor.principal.require_system(Permission.CALENDAR_MANAGE)
        if "\x00" in body:
            raise InvalidInput("calendar_file_invalid", "文件不是 UTF-8 编码的文本，请另存为 UTF-8 后再导入。")
        if not body:
            raise InvalidInput("calendar_file_missing", "请选择文件，或在文本框中填写节假日安排。")
        is_csv = filename.lower().endswith(".csv") or (not filename and not body.startswith("{"))
        source = form.get("source", "").strip()
        notice = calendar_service.parse_csv(body, source) if is_csv else calendar_service.parse_json(body)
        result = calendar_service.import_year(session, notice, visitor.principal.actor, today)
    except DomainError as exc:
        error, status = _refusal(session, exc)
        return _calendar_page(request, session, visitor, today, error=error, values=form, status=status)
    return _calendar_page(request, session, visitor, today, result=result)


# --- webhooks -------------------------------------------------------------------------------------------------------


def _webhooks_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    *,
    error: str | None = None,
    secret: tuple[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    subscriptions = webhook_service.list_subscriptions(session, visitor.principal)
    ids = sorted(webhook_service.managed_agencies(visitor.principal))
    managed = [agency for agency_id in ids if (agency := agencies.by_id(session, agency_id)) is not None]
    return _page(
        request,
        visitor,
        "webhooks",
        "admin/webhooks.html",
        {
            "subscriptions": subscriptions,
            "agencies": managed,
            "events": EVENT_LABELS,
            "error": error,
            "secret": secret,
            "actor_names": actor_names(session, [s.created_by for s in subscriptions]),
        },
        status,
    )


@router.get("/admin/webhooks")
def webhooks_page(request: Request, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    return _webhooks_page(request, session, visitor)


@router.post("/admin/webhooks")
def create_webhook(
    request: Request, session: SessionDep, settings: SettingsDep, visitor: ActingDep, form: FormDep
) -> Response:
    """``app.webhook.service.create_subscription`` through the API's schema; the signing secret is shown once."""
    chosen = [event for event in EventType if form.get(f"event:{event.value}")]
    try:
        body = SubscriptionCreate.model_validate(
            {"agency": form.get("agency", ""), "url": form.get("url", "").strip(), "events": chosen or list(EventType)}
        )
        subscription, secret = webhook_service.create_subscription(
            session, visitor.principal, body.agency, str(body.url), body.events, settings.webhook_allow_host_list
        )
    except ValidationError as exc:
        undo(session)
        return _webhooks_page(request, session, visitor, error=validation_summary(exc, FIELD_NAMES), status=422)
    except DomainError as exc:
        error, status = _refusal(session, exc)
        return _webhooks_page(request, session, visitor, error=error, status=status)
    return _webhooks_page(request, session, visitor, secret=(subscription.url, secret), status=201)


FIELD_NAMES = {"url": "接收地址：", "agency": "机关：", "events": "事件："}


@router.post("/admin/webhooks/{subscription_id}/deletion")
def delete_webhook(subscription_id: RowId, session: SessionDep, visitor: ActingDep) -> Response:
    webhook_service.delete_subscription(session, visitor.principal, subscription_id)
    return see_other("/admin/webhooks")


@router.get("/admin/webhooks/{subscription_id}")
def webhook_deliveries(
    request: Request, subscription_id: RowId, session: SessionDep, visitor: VisitorDep
) -> HTMLResponse:
    """The delivery log of one subscription, newest first (``app.webhook.service.list_deliveries``)."""
    status_filter = request.query_params.get("status") or None
    if status_filter not in (None, *DELIVERY_LABELS):
        status_filter = None
    subscription = webhook_service.get_subscription(session, visitor.principal, subscription_id)
    deliveries = webhook_service.list_deliveries(session, visitor.principal, subscription_id, status_filter, 200)
    return _page(
        request,
        visitor,
        "webhooks",
        "admin/webhook_deliveries.html",
        {
            "subscription": subscription,
            "deliveries": deliveries,
            "status_labels": DELIVERY_LABELS,
            "status_filter": status_filter or "",
            "events": EVENT_LABELS,
            "public_error": webhook_delivery.public_error,
        },
    )


# --- the audit trail ------------------------------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


def _local_bound(raw: str | None, settings_tz: Any, end: bool) -> datetime | None:
    """A day typed in the filter, as the start of that day (or of the next, for ``until``) in the configured zone."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("date_invalid", "日期格式应为 YYYY-MM-DD。") from None
    start = datetime.combine(day, time.min, tzinfo=settings_tz)
    if end and day == date.max:
        raise InvalidInput("datetime_out_of_range", "日期超出可查询的时间范围（公元 1 年至 9999 年）。")
    return start + timedelta(days=1) if end else start


@router.get("/admin/audit")
def audit_page(request: Request, session: SessionDep, settings: SettingsDep, visitor: VisitorDep) -> HTMLResponse:
    """The audit trail with the API's filters (``app.audit.service.readable_filter``), oldest first, paged; and, on
    request, the verification of the hash chains the visitor may read."""
    params = request.query_params
    kept = {k: v.strip() for k in ("agency", "actor", "action", "since", "until") if (v := params.get(k, ""))}
    page = plain_int(params.get("page", "")) or 1
    error = None
    rows: list[Any] = []
    total = 0
    try:
        f = audit_reading.readable_filter(
            session,
            visitor.principal,
            kept.get("agency"),
            actor=kept.get("actor"),
            action=kept.get("action"),
            since=_local_bound(kept.get("since"), settings.tz, end=False),
            until=_local_bound(kept.get("until"), settings.tz, end=True),
        )
        rows, total = audit_repository.page(session, f, (page - 1) * AUDIT_PAGE_SIZE, AUDIT_PAGE_SIZE)
    except InvalidInput as exc:
        error = exc.detail
    verification = audit_reading.verify_readable(session, visitor.principal) if params.get("verify") else None
    return _page(
        request,
        visitor,
        "audit",
        "admin/audit.html",
        {
            "records": [audit_reading.seen_by(row, visitor.principal) for row in rows],
            "total": total,
            "page": page,
            "pages": max(1, -(-total // AUDIT_PAGE_SIZE)),
            "filters": kept,
            "query": lambda **changes: "?" + urlencode({**kept, **changes}),
            "agencies": _managed(session, visitor, Permission.AUDIT_READ),
            "agency_code": {a.id: a.code for a in agencies.all_agencies(session)},
            "error": error,
            "verification": verification,
            "actor_names": actor_names(session, {r.actor for r in rows}),
        },
    )
