"""Who handles a case (承办人): a user account of the case's agency. Assigning and reassigning are audited changes
(``case.assign``); a supervisor (``case.assign``) gives a case to anyone who may work on it, a clerk may only take an
unassigned case for themselves. Imports and the OA API may still pass a name: it is matched against the agency's
accounts (username or display name), or kept as text when no one account matches."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.principal import Principal
from app.case.service import check_version, get_case
from app.clock import utcnow
from app.domain.errors import Forbidden, InvalidInput
from app.domain.roles import Permission
from app.models import AppUser, DisclosureCase
from app.user import repository as users
from app.user.service import HANDLER_ROLES


def assign_handler(
    session: Session,
    principal: Principal,
    case_id: int,
    username: str | None,
    expected_version: int | None = None,
) -> DisclosureCase:
    """Give the case to the account ``username`` (None: to no one)."""
    case = get_case(session, principal, case_id, Permission.CASE_STEP)
    check_version(case, expected_version)
    user: AppUser | None = None
    if username is not None:
        found = users.members_named(session, case.agency_id, HANDLER_ROLES, username)
        user = next((u for u in found if u.username == username), None)
        if user is None:
            raise InvalidInput("handler_not_member", f"「{username}」不是本机关可办理申请的在用账户，不能作为承办人。")
    taking = user is not None and user.id == principal.user_id and case.handler_user_id is None
    if not taking and not principal.can(Permission.CASE_ASSIGN, case.agency_id):
        raise Forbidden("forbidden", "只有主管可以指派或改派承办人；您可以认领尚未指派的申请。")
    if user is not None and case.handler_user_id == user.id:
        return case
    with audit.changing(session, case, agency=case.agency, actor=principal.actor, action="case.assign", entity="case"):
        case.handler_user = user
        case.handler = user.display_name if user else None
        case.updated_at = utcnow()
    return case
