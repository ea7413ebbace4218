"""Identities and what they may do. The permission table itself is ``app.domain.roles``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, cast

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.auth.service import authenticate_session, authenticate_token, csrf_matches
from app.deps import Deferred, SessionDep, SettingsDep, defer, deferring
from app.errors import ApiError
from app.idempotency import PRINCIPAL_STATE_KEY
from app.settings import Settings

SESSION_COOKIE = "gongkai_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer = HTTPBearer(auto_error=False, description="A token from `gongkai token create` or `POST /tokens`.")
session_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="Set by `POST /auth/login` (the web client)."
)
csrf_header = APIKeyHeader(
    name=CSRF_HEADER, auto_error=False, description="With the session cookie, on POST/PUT/PATCH/DELETE."
)

UNAUTHENTICATED = {"WWW-Authenticate": "Bearer"}
PASSWORD_CHANGE_PATHS = ("/auth/password", "/auth/me", "/auth/logout")
"""What a user whose password was reset may call before changing it."""


def _unauthenticated() -> ApiError:
    return ApiError(401, "unauthenticated", "请先登录或提供访问令牌。", UNAUTHENTICATED)


@dataclass(frozen=True)
class Credentials(Deferred):
    """The credentials a request carries, identified in the request's worker thread (``app.deps.UnitRoute``): the
    token's or session's lookup is the request's first read, in the same hop as the endpoint. A request refused
    before that thread has them checked first (an invalid token gets 401, whatever else is wrong with the request)."""

    request: Request
    settings: Settings
    token: str | None
    cookie: str | None
    csrf: str | None

    def resolve(self, session: Session) -> Principal:
        principal = identify(self.request, session, self.settings, self.token, self.cookie, self.csrf)
        setattr(self.request.state, PRINCIPAL_STATE_KEY, principal)
        return principal


@deferring
async def current_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    cookie: Annotated[str | None, Depends(session_cookie)],
    csrf: Annotated[str | None, Depends(csrf_header)],
) -> Principal:
    """A bearer token (systems) or the session cookie (people). A request with neither is refused here, before its
    body is validated. The credentials a request carries are checked in its worker thread, before the endpoint runs,
    where the route allows it (``app.deps.defer``: the value is a :class:`Credentials` until then, and nothing but
    the endpoint receives it); elsewhere they are checked here, in a hop of their own."""
    token = credentials.credentials if credentials is not None else None
    if token is None and cookie is None:
        raise _unauthenticated()
    carried = Credentials(request, settings, token, cookie, csrf)
    if defer(request, carried):
        return cast(Principal, carried)
    return await run_in_threadpool(carried.resolve, session)


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def carried_credential(request: Request) -> str | None:
    """The credential a request is identified by, chosen as ``identify`` chooses it: the bearer token (as the whole
    ``Authorization`` header, which is how keys stored before were scoped), else the session cookie; for
    ``app.idempotency``, whose keys belong to it. Nothing else the request carries (a proxy's Basic login, other
    cookies) is part of it."""
    if _bearer_token(request) is not None:
        return request.headers["authorization"]
    cookie = request.cookies.get(SESSION_COOKIE)
    return f"{SESSION_COOKIE}={cookie}" if cookie else None


def identified(session: Session, request: Request) -> Principal | None:
    """Who the request's credential identifies now (None if it is not valid now), read from its headers as
    ``current_principal`` reads them: for ``app.idempotency``, which must not replay a stored answer to a revoked
    token, an ended session or a caller whose roles changed."""
    try:
        return identify(
            request,
            session,
            request.app.state.settings,
            _bearer_token(request),
            request.cookies.get(SESSION_COOKIE),
            request.headers.get(CSRF_HEADER),
        )
    except ApiError:
        return None


def identify(
    request: Request, session: Session, settings: Settings, token: str | None, cookie: str | None, csrf: str | None
) -> Principal:
    """Cookies are sent by the browser on its own, so a state-changing request with one must also carry the
    session's CSRF token, which only the web client can read."""
    if token is not None:
        principal = authenticate_token(session, token)
        if principal is None:
            raise ApiError(401, "invalid_token", "访问令牌无效、已过期或已被吊销。", UNAUTHENTICATED)
        return principal
    if cookie is None:
        raise _unauthenticated()
    identity = authenticate_session(session, cookie, timedelta(hours=settings.session_idle_hours))
    if identity is None:
        raise ApiError(401, "session_expired", "登录已过期，请重新登录。", UNAUTHENTICATED)
    if request.method not in SAFE_METHODS and not csrf_matches(identity, csrf):
        raise ApiError(403, "csrf_failed", f"请求缺少有效的 {CSRF_HEADER}，请刷新页面后重试。")
    if identity.must_change_password and not request.url.path.endswith(PASSWORD_CHANGE_PATHS):
        raise ApiError(403, "password_change_required", "管理员已重置您的密码，请先修改密码（POST /auth/password）。")
    return identity.principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def set_session_cookie(response: Response, cookie: str, idle: timedelta, settings: Settings) -> None:
    """The session cookie of a signed-in person, set alike by the API login and the web login page."""
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(idle.total_seconds()),
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=settings.secure_cookies, httponly=True, samesite="strict")
