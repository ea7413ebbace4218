"""Signing in and out (the web client), and service tokens (administrators)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from app.auth import service
from app.auth.dependencies import PrincipalDep, clear_session_cookie, set_session_cookie
from app.auth.principal import Principal
from app.auth.schemas import LoginIn, MeRead, TokenCreate, TokenIssued, TokenRead
from app.auth.views import membership_views, token_view, user_view
from app.deps import SessionDep, SettingsDep, UnitRoute, client_address
from app.errors import problem
from app.inputs import RowId
from app.models import ApiToken

router = APIRouter(route_class=UnitRoute, prefix="/auth", tags=["auth"])
tokens_router = APIRouter(route_class=UnitRoute, prefix="/tokens", tags=["tokens"])

REFUSALS = {
    service.Refusal.FAILED: (401, "用户名或密码错误。"),
    service.Refusal.THROTTLED: (429, "登录失败次数过多，请稍后再试（等待时间见 Retry-After，单位为秒）。"),
}
"""The same answers for unknown and real user names: neither tells whether an account exists."""


def _me(session: Session, principal: Principal) -> MeRead:
    signed_in = service.current_user(session, principal)
    return MeRead(
        actor=principal.actor,
        user=user_view(session, signed_in[0]) if signed_in else None,
        memberships=membership_views(session, principal.memberships),
        csrf_token=signed_in[1] if signed_in else None,
    )


@router.post(
    "/login",
    response_model=MeRead,
    responses={
        401: {"description": "login_failed (problem+json)"},
        429: {"description": "too_many_logins, with Retry-After (problem+json)"},
    },
)
def login(body: LoginIn, request: Request, session: SessionDep, settings: SettingsDep) -> Response | MeRead:
    """Sign in with a password. Sets the session cookie and returns the CSRF token the web client must echo."""
    idle = timedelta(hours=settings.session_idle_hours)
    attempts = request.app.state.session_factory
    result = service.login(session, attempts, body.username, body.password, idle, client_address(request))
    if isinstance(result, service.Refused):
        status_code, detail = REFUSALS[result.reason]
        headers = {"Retry-After": str(result.retry_after)} if result.retry_after else None
        return problem(request, status_code, result.reason.value, detail, headers=headers)
    response = JSONResponse(
        _me(session, result.identity.principal).model_dump(mode="json"), headers={"Cache-Control": "no-store"}
    )
    set_session_cookie(response, result.cookie, idle, settings)
    return response


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(session: SessionDep, principal: PrincipalDep, settings: SettingsDep) -> Response:
    service.logout(session, principal)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response, settings)
    return response


@router.get("/me")
def me(session: SessionDep, principal: PrincipalDep) -> MeRead:
    """Who you are, your role in each agency and, when signed in with the cookie, your CSRF token."""
    return _me(session, principal)


def _issued(session: Session, token: ApiToken, plain: str, response: Response) -> TokenIssued:
    """An answer carrying a new token: never cached, never kept for an idempotent replay (``app.idempotency``)."""
    response.headers["Cache-Control"] = "no-store"
    return TokenIssued(**token_view(session, token).model_dump(), token=plain)


@tokens_router.post("", status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, session: SessionDep, principal: PrincipalDep, response: Response) -> TokenIssued:
    """Create a bearer token for a system in one of your agencies. The token is in the answer, and only there."""
    token, plain = service.issue_token(session, principal, body.agency, body.role, body.name, body.expires_days)
    return _issued(session, token, plain, response)


@tokens_router.get("")
def list_tokens(session: SessionDep, principal: PrincipalDep) -> list[TokenRead]:
    """The tokens of the agencies you administer, without their secrets."""
    return [token_view(session, token) for token in service.managed_tokens(session, principal)]


@tokens_router.post("/{token_id}/rotation", status_code=status.HTTP_201_CREATED)
def rotate_token(token_id: RowId, session: SessionDep, principal: PrincipalDep, response: Response) -> TokenIssued:
    """Issue a replacement. The old token keeps working for 24 hours (``grace_until``), then stops."""
    token, plain = service.rotate_token(session, principal, token_id)
    return _issued(session, token, plain, response)


@tokens_router.post("/{token_id}/revocation")
def revoke_token(token_id: RowId, session: SessionDep, principal: PrincipalDep) -> TokenRead:
    """Stop a token at once."""
    return token_view(session, service.revoke_token(session, principal, token_id))
