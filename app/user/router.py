"""Administrators manage the user accounts of their agencies."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.auth.dependencies import PrincipalDep
from app.auth.schemas import UserRead
from app.auth.views import user_view
from app.deps import SessionDep, UnitRoute
from app.domain.roles import Permission
from app.inputs import RowId
from app.user import service
from app.user.schemas import PasswordChange, PasswordReset, RoleIn, UserCreate

router = APIRouter(route_class=UnitRoute, prefix="/users", tags=["users"])
account_router = APIRouter(route_class=UnitRoute, prefix="/auth", tags=["auth"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, session: SessionDep, principal: PrincipalDep) -> UserRead:
    """Create an account with a role in one or more of your agencies."""
    user = service.add_user(
        session,
        principal,
        body.username,
        body.display_name,
        body.password,
        [(m.agency, m.role) for m in body.memberships],
    )
    return user_view(session, user, principal.agency_ids(Permission.USER_MANAGE))


@router.get("")
def list_users(session: SessionDep, principal: PrincipalDep) -> list[UserRead]:
    """The users of the agencies you administer, with their roles there."""
    visible = principal.agency_ids(Permission.USER_MANAGE)
    return [user_view(session, user, visible) for user in service.managed_users(session, principal)]


@router.put("/{user_id}/memberships/{agency}")
def set_membership(user_id: RowId, agency: str, body: RoleIn, session: SessionDep, principal: PrincipalDep) -> UserRead:
    """Give the user a role in the agency (or change the one it has)."""
    user = service.set_membership(session, principal, user_id, agency, body.role)
    return user_view(session, user, principal.agency_ids(Permission.USER_MANAGE))


@router.delete("/{user_id}/memberships/{agency}")
def remove_membership(user_id: RowId, agency: str, session: SessionDep, principal: PrincipalDep) -> UserRead:
    user = service.remove_membership(session, principal, user_id, agency)
    return user_view(session, user, principal.agency_ids(Permission.USER_MANAGE))


@router.post("/{user_id}/unlock")
def unlock_user(user_id: RowId, session: SessionDep, principal: PrincipalDep) -> UserRead:
    """Lift the sign-in slow-down of the account and every address's block on it (see docs/auth.md)."""
    return user_view(session, service.unlock(session, principal, user_id), principal.agency_ids(Permission.USER_MANAGE))


@router.post("/{user_id}/deactivation")
def deactivate_user(user_id: RowId, session: SessionDep, principal: PrincipalDep) -> UserRead:
    """Disable the account and sign it out everywhere."""
    user = service.deactivate(session, principal, user_id)
    return user_view(session, user, principal.agency_ids(Permission.USER_MANAGE))


@router.post("/{user_id}/password-reset")
def reset_password(user_id: RowId, session: SessionDep, principal: PrincipalDep) -> PasswordReset:
    """Give the user a temporary password (in this answer only), unlock the account and sign it out everywhere; the
    user must choose a new password at the next sign-in."""
    user, password = service.reset_managed_password(session, principal, user_id)
    return PasswordReset(user_id=user.id, username=user.username, temporary_password=password)


@account_router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordChange, session: SessionDep, principal: PrincipalDep) -> Response:
    """Change your own password (signed in as a user). Your other sessions end; this one stays."""
    service.change_own_password(session, principal, body.current_password, body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
