"""User accounts and their roles per agency. Services flush, never commit."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agency.repository import get_agency
from app.audit import service as audit
from app.auth import repository as auth_repository
from app.auth.principal import Principal
from app.auth.service import audit_user, clear_throttle, hash_password, password_matches, user_state
from app.clock import utcnow
from app.db import unique
from app.domain.errors import Forbidden, InvalidInput, NotFound, WrongState
from app.domain.passwords import password_problems
from app.domain.roles import Permission, Role, allows
from app.inputs import name_line
from app.models import Agency, AppUser, Membership
from app.user import repository as users

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


def check_password(password: str, username: str) -> None:
    """The password policy (``app.domain.passwords``), as a refusal listing everything to fix."""
    problems = password_problems(password, username)
    if problems:
        raise InvalidInput("password_weak", "".join(problems))


def temporary_password() -> str:
    """A random password an administrator hands over; it must be changed at the next sign-in."""
    return secrets.token_urlsafe(12) + "-" + str(secrets.randbelow(10))


def _agency_missing(code: str) -> NotFound:
    return NotFound("agency_not_found", f"机关代码「{code}」不存在。")


def create_user(
    session: Session,
    username: str,
    display_name: str,
    password: str,
    memberships: Iterable[tuple[Agency, Role]],
    *,
    actor: str,
) -> AppUser:
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput("username_invalid", "用户名只能使用字母、数字和 ._@-，最长64位。")
    display_name = name_line(display_name, code="display_name", label="姓名（显示名）", max_length=100)
    check_password(password, username)
    taken = WrongState("username_taken", f"用户名「{username}」已被使用。")
    if auth_repository.user_by_username(session, username) is not None:
        raise taken
    user = AppUser(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        is_active=True,
        created_at=utcnow(),
    )
    with unique(session, taken):
        session.add(user)
        session.flush()
    for agency, role in memberships:
        grant(session, user, agency, role)
    audit_user(session, user, "user.create", None, actor)
    return user


def grant(session: Session, user: AppUser, agency: Agency, role: Role, *, actor: str | None = None) -> None:
    """Give the user ``role`` in ``agency``, replacing the role held there before; audited when ``actor`` is given
    (a new account's first roles are part of its ``user.create`` record)."""
    before = user_state(user) if actor else None
    existing = next((m for m in user.memberships if m.agency_id == agency.id), None)
    if existing is None:
        user.memberships.append(Membership(agency_id=agency.id, role=role.value))
    else:
        existing.role = role.value
    if actor:
        audit_user(session, user, "user.grant", before, actor)
    session.flush()


def get_user(session: Session, username: str) -> AppUser:
    user = auth_repository.user_by_username(session, username)
    if user is None:
        raise NotFound("user_not_found", f"用户「{username}」不存在。")
    return user


# --- the administrators' API: every action scoped to the agencies the principal manages ---------------------------


def _managed_agency(session: Session, principal: Principal, code: str) -> Agency:
    agency = get_agency(session, code)
    principal.check(Permission.USER_MANAGE, agency.id, _agency_missing(code))
    return agency


def _managed_user(session: Session, principal: Principal, user_id: int) -> AppUser:
    """A user with a role in one of the principal's agencies (404 otherwise) that it may manage (403 otherwise), its
    row locked and read afresh: two administrators removing the user's last two roles at once each saw the other's
    still there (PostgreSQL), and the account was left in no agency."""
    user = session.get(AppUser, user_id, with_for_update=True, populate_existing=True)
    agency_ids = {m.agency_id for m in user.memberships} if user else set()
    if user is None or not agency_ids & principal.scope:
        raise NotFound("user_not_found", f"用户 {user_id} 不存在或不在您的权限范围内。")
    if not agency_ids & principal.agency_ids(Permission.USER_MANAGE):
        raise Forbidden("forbidden", "您的角色无权管理用户。")
    return user


def _wholly_managed_user(session: Session, principal: Principal, user_id: int) -> AppUser:
    """A user whose whole account the principal may act on (stop it, reset its password, lift its lock): an
    administrator of every agency the user belongs to, and a system administrator's account only by a system
    administrator. Otherwise an administrator of one agency would take over a user's rights in the others (reset the
    password, then sign in as them)."""
    user = _managed_user(session, principal, user_id)
    if user.is_system_admin and not principal.system_admin:
        raise Forbidden(
            "user_is_system_admin", "该用户是系统管理员，只有系统管理员才能停用其账户、重置其密码或解除锁定。"
        )
    if not {m.agency_id for m in user.memberships} <= principal.agency_ids(Permission.USER_MANAGE):
        raise Forbidden(
            "user_in_other_agencies",
            "该用户还属于您无权管理的机关，只有能管理其全部机关的管理员才能停用其账户、重置其密码或解除锁定。",
        )
    return user


def add_user(
    session: Session,
    principal: Principal,
    username: str,
    display_name: str,
    password: str,
    memberships: list[tuple[str, Role]],
) -> AppUser:
    agencies = [(_managed_agency(session, principal, code), role) for code, role in memberships]
    return create_user(session, username, display_name, password, agencies, actor=principal.actor)


def add_user_with_temporary_password(
    session: Session, principal: Principal, username: str, display_name: str, memberships: list[tuple[str, Role]]
) -> tuple[AppUser, str]:
    """An account created in the web client: a temporary password, returned once, to be changed at first sign-in."""
    password = temporary_password()
    user = add_user(session, principal, username, display_name, password, memberships)
    user.must_change_password = True
    session.flush()
    return user, password


def managed_users(session: Session, principal: Principal) -> list[AppUser]:
    principal.require_anywhere(Permission.USER_MANAGE)
    query = (
        select(AppUser)
        .where(AppUser.memberships.any(Membership.agency_id.in_(principal.agency_ids(Permission.USER_MANAGE))))
        .order_by(AppUser.username)
    )
    return list(session.scalars(query))


def set_membership(session: Session, principal: Principal, user_id: int, agency_code: str, role: Role) -> AppUser:
    user = _managed_user(session, principal, user_id)
    grant(session, user, _managed_agency(session, principal, agency_code), role, actor=principal.actor)
    return user


def remove_membership(session: Session, principal: Principal, user_id: int, agency_code: str) -> AppUser:
    user = _managed_user(session, principal, user_id)
    agency = _managed_agency(session, principal, agency_code)
    membership = next((m for m in user.memberships if m.agency_id == agency.id), None)
    if membership is None:
        raise NotFound("membership_not_found", f"该用户在机关「{agency_code}」没有角色。")
    if len(user.memberships) == 1:
        # An account in no agency is in no administrator's scope: nobody could see it, give it a role again or stop
        # it through the API or the web client, and its username stays taken. Stopping it is what is meant.
        raise WrongState(
            "last_membership",
            f"这是该用户唯一的机关角色，移除后将没有管理员能再管理该账户。如要停止其使用，请停用账户；"
            f"如要调往其他机关，请先在那里授予角色，再移除「{agency_code}」的角色。",
        )
    before = user_state(user)
    user.memberships.remove(membership)
    audit_user(session, user, "user.revoke_role", before, principal.actor)
    return user


def unlock(session: Session, principal: Principal, user_id: int) -> AppUser:
    """Lift the slow-down of an account and every address's block on it before they end by themselves."""
    user = _wholly_managed_user(session, principal, user_id)
    clear_throttle(session, user.username)
    audit_user(session, user, "user.unlock", user_state(user), principal.actor)
    return user


def set_system_admin(session: Session, user: AppUser, value: bool, *, actor: str) -> None:
    """Grant or revoke the system administrator's flag (only the command line calls this). Recorded on the system
    (``global``) chain: the power concerns every agency, not the user's own."""
    before = user_state(user)
    user.is_system_admin = value
    session.flush()
    audit.record(
        session,
        agency=None,
        actor=actor,
        action="user.system_admin",
        entity="user",
        entity_id=user.id,
        before=before,
        after=user_state(user),
    )


def deactivate(session: Session, principal: Principal, user_id: int) -> AppUser:
    """Stop the account and end its sessions. Only an administrator of every agency the user belongs to may."""
    user = _wholly_managed_user(session, principal, user_id)
    before = user_state(user)
    user.is_active = False
    auth_repository.end_sessions(session, user.id)
    audit_user(session, user, "user.deactivate", before, principal.actor)
    return user


# --- passwords: changed by their owner, reset by an administrator ---------------------------------------------------


def _set_password(session: Session, user: AppUser, password: str, *, temporary: bool, action: str, actor: str) -> None:
    before = user_state(user)
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    clear_throttle(session, user.username)
    audit_user(session, user, action, before, actor)


def reset_password(session: Session, user: AppUser, *, actor: str) -> str:
    """A temporary password for ``user``, returned once (only its hash is kept): the account is unlocked, signed out
    everywhere, and must choose its own password at the next sign-in."""
    password = temporary_password()
    auth_repository.end_sessions(session, user.id)
    _set_password(session, user, password, temporary=True, action="user.reset_password", actor=actor)
    return password


def reset_managed_password(session: Session, principal: Principal, user_id: int) -> tuple[AppUser, str]:
    """An administrator of every agency of the user resets its password (``_wholly_managed_user``)."""
    user = _wholly_managed_user(session, principal, user_id)
    return user, reset_password(session, user, actor=principal.actor)


def change_own_password(session: Session, principal: Principal, current: str, new: str) -> AppUser:
    """The signed-in user replaces their password: the current one must be right, the new one must pass the policy
    and differ from it. Other sessions of the user end; this one stays signed in."""
    user = session.get(AppUser, principal.user_id) if principal.user_id is not None else None
    if user is None:
        raise Forbidden("forbidden", "只有以用户身份登录时才能修改密码（访问令牌没有密码）。")
    if not password_matches(user, current):
        raise InvalidInput("current_password_wrong", "当前密码不正确。")
    if new == current:
        raise InvalidInput("password_unchanged", "新密码不能与当前密码相同。")
    check_password(new, user.username)
    auth_repository.end_sessions(session, user.id, keep=principal.session_id)
    _set_password(session, user, new, temporary=False, action="user.change_password", actor=principal.actor)
    return user


# --- handlers: the accounts a case can be given to ------------------------------------------------------------------

HANDLER_ROLES = frozenset(r.value for r in Role if r is not Role.INTEGRATION and allows(r, Permission.CASE_STEP))
"""The roles of people who may handle a case (a service token is not a person)."""


def handler_candidates(session: Session, agency_id: int) -> list[AppUser]:
    """The accounts a case of the agency may be given to."""
    return users.members(session, agency_id, HANDLER_ROLES)


def match_handler(session: Session, agency_id: int, name: str | None) -> tuple[AppUser | None, str | None]:
    """A handler named by an import, the OA API or the registration form: the one account of the agency with that
    username or display name, or (none or several) the name kept as text."""
    if not name:
        return None, None
    found = users.members_named(session, agency_id, HANDLER_ROLES, name)
    if len(found) == 1:
        return found[0], found[0].display_name
    return None, name
