from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.principal import Principal
from app.auth.service import authenticate_token
from app.deps import SessionDep
from app.errors import ApiError

bearer = HTTPBearer(auto_error=False, description="A token from `gongkai token create`.")

UNAUTHENTICATED = {"WWW-Authenticate": "Bearer"}


def current_principal(
    session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None:
        raise ApiError(401, "unauthenticated", "请先登录或提供访问令牌。", UNAUTHENTICATED)
    principal = authenticate_token(session, credentials.credentials)
    if principal is None:
        raise ApiError(401, "invalid_token", "访问令牌无效、已过期或已被吊销。", UNAUTHENTICATED)
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]
