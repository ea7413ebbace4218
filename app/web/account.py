"""Signing in and out, and the visitor's own password (``app.auth.service``, ``app.user.service``)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from app.auth import service as auth_service
from app.auth.dependencies import clear_session_cookie, set_session_cookie
from app.auth.router import REFUSALS
from app.deps import SessionDep, SettingsDep, client_address
from app.domain.errors import DomainError
from app.domain.passwords import MIN_LENGTH
from app.settings import Settings
from app.user import service as user_service
from app.web.pages import ActingDep, FormDep, VisitorDep, page_router, render, safe_next, see_other, undo

router = page_router()

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

INSECURE_COOKIE = (
    "本服务以生产模式运行（GONGKAI_ENVIRONMENT=production），登录凭证只能经 HTTPS 保存，"
    "而您正通过未加密的 HTTP 访问，浏览器不会保存登录状态。请通过配置了 TLS 证书的反向代理以 https:// 访问"
    "（uvicorn 加 --proxy-headers），或仅在可信的内部网络中设置 GONGKAI_ENVIRONMENT=development 后重启服务。"
)


def _cookie_refused(request: Request, settings: Settings) -> bool:
    """Whether the browser will drop the Secure session cookie: production settings reached over plain HTTP from
    another machine (browsers keep Secure cookies from http://localhost)."""
    return settings.secure_cookies and request.url.scheme == "http" and request.url.hostname not in LOOPBACK


CROSS_SITE_LOGIN = "该登录请求来自其他网站，已拒绝。请直接打开本系统的登录页面登录。"


def _cross_site(request: Request) -> bool:
    """Whether a sign-in was posted by a page of another site (login CSRF: signing the visitor in as the attacker,
    whose account then receives what the visitor records). There is no session yet to hold a CSRF token; the browser
    says where the form came from: ``Sec-Fetch-Site`` (every current browser), else ``Origin``, whose host name must
    be this one's (ports aside: a proxy may add or drop the default one). A request with neither (a script, an old
    browser) is not a cross-site form post of a current browser, and is let through."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    return origin is not None and urlsplit(origin).hostname != request.url.hostname


def _login_page(request: Request, settings: Settings, **context: object) -> HTMLResponse:
    status = context.pop("status", 200)
    assert isinstance(status, int)
    insecure = settings.secure_cookies and request.url.scheme == "http"
    return render(
        request,
        "login.html",
        {"next": "/", "username": "", "insecure": INSECURE_COOKIE if insecure else None, **context},
        status,
    )


@router.get("/login")
def login_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return _login_page(request, settings, next=safe_next(request.query_params.get("next")))


@router.post("/login")
def login(request: Request, session: SessionDep, settings: SettingsDep, form: FormDep) -> Response:
    """The API's sign-in (``app.auth.service.login``) with the API's cookie and its answers to a refusal. A visitor
    whose password was reset goes to change it first."""
    idle = timedelta(hours=settings.session_idle_hours)
    username = form.get("username", "").strip()
    target = safe_next(form.get("next"))
    if _cookie_refused(request, settings):
        return _login_page(request, settings, next=target, username=username, error=INSECURE_COOKIE, status=400)
    if _cross_site(request):
        return _login_page(request, settings, next=target, error=CROSS_SITE_LOGIN, status=403)
    attempts = request.app.state.session_factory
    password = form.get("password", "")
    result = auth_service.login(session, attempts, username, password, idle, client_address(request))
    if isinstance(result, auth_service.Refused):
        status, detail = REFUSALS[result.reason]
        return _login_page(request, settings, next=target, username=username, error=detail, status=status)
    response = see_other("/account/password" if result.identity.must_change_password else target)
    set_session_cookie(response, result.cookie, idle, settings)
    return response


@router.post("/logout")
def logout(session: SessionDep, settings: SettingsDep, visitor: ActingDep) -> Response:
    auth_service.logout(session, visitor.principal)
    response = see_other("/login")
    clear_session_cookie(response, settings)
    return response


def _password_page(
    request: Request, visitor: VisitorDep, error: str | None = None, status: int = 200, done: bool = False
) -> HTMLResponse:
    return render(
        request,
        "password.html",
        {
            "error": error,
            "done": done,
            "forced": visitor.identity.must_change_password,
            "min_length": MIN_LENGTH,
        },
        status,
        visitor,
    )


@router.get("/account/password")
def password_page(request: Request, visitor: VisitorDep) -> HTMLResponse:
    return _password_page(request, visitor, done=request.query_params.get("changed") == "1")


@router.post("/account/password")
def change_password(request: Request, session: SessionDep, visitor: ActingDep, form: FormDep) -> Response:
    """``app.user.service.change_own_password``; the policy's refusal is shown on the form."""
    new = form.get("new_password", "")
    if new != form.get("new_password_confirm", ""):
        return _password_page(request, visitor, "两次输入的新密码不一致。", 422)
    try:
        user_service.change_own_password(session, visitor.principal, form.get("current_password", ""), new)
    except DomainError as exc:
        undo(session)
        return _password_page(request, visitor, exc.detail, 422)
    return see_other("/account/password?changed=1")
