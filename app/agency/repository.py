from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from app.domain.clock import DeadlinePolicy
from app.domain.errors import NotFound
from app.models import Agency

_BY_CODE = select(Agency).where(Agency.code == bindparam("code"))  # built once: on every creation's path


def by_code(session: Session, code: str) -> Agency | None:
    return session.scalars(_BY_CODE, {"code": code}).one_or_none()


def code_taken(session: Session, code: str) -> bool:
    """Whether an agency has ``code`` in any letter case (「NRB」 beside 「nrb」 would read as one agency to people)."""
    return session.scalar(select(Agency.id).where(func.lower(Agency.code) == code.lower()).limit(1)) is not None


def get_agency(session: Session, code: str) -> Agency:
    agency = by_code(session, code)
    if agency is None:
        raise NotFound("agency_not_found", f"机关代码「{code}」不存在。")
    return agency


def policy_of(agency: Agency) -> DeadlinePolicy:
    return DeadlinePolicy(reply_days=agency.reply_days, extension_limit=agency.extension_limit)


def by_id(session: Session, agency_id: int) -> Agency | None:
    return session.get(Agency, agency_id)


def all_agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.code)))


def descendants(session: Session, roots: Iterable[int]) -> dict[int, frozenset[int]]:
    """Every sub-agency, at any depth, of each root. The agency table is small: one query, walked in memory."""
    children: dict[int, list[int]] = {}
    for agency_id, parent_id in session.execute(select(Agency.id, Agency.parent_id)):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(agency_id)
    result: dict[int, frozenset[int]] = {}
    for root in roots:
        found: set[int] = set()
        stack = list(children.get(root, []))
        while stack:
            node = stack.pop()
            if node not in found:
                found.add(node)
                stack.extend(children.get(node, []))
        result[root] = frozenset(found)
    return result
