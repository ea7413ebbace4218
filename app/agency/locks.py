"""The agencies' locks: how a change that moves or freezes an agency's numbers (a policy change, the publication of a
year, a calendar import) waits for the registrations and steps in progress, and how those that follow wait for it
and then see its effect (a case registered during a policy change counts with the new policy; one concluded during
a publication is guarded by it).

PostgreSQL, where several processes write at once: transaction-level advisory locks keyed by the agency's id, shared
by a registration and by every change to a case, exclusive for the changes above. Not row locks on the agency row: a
share lock on a row does not queue behind a waiting exclusive one, so under a steady stream of steps a policy change
waited for each holder in turn, each wait too short for ``lock_timeout``, ~48 s in all (measured by a review), and a
calendar import held the agencies it had already locked meanwhile. Advisory locks queue in order of arrival, obey
``lock_timeout`` and write nothing to the row. SQLite has one writer at a time (``BEGIN IMMEDIATE``): nothing to do.

The lock order of every writer is the agency, then the case, then the audit chain's head (docs/operations.md); a
writer that must lock a case takes its agency's share first (``share_of_case``)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from app.db import several_writers
from app.models import Agency, DisclosureCase

AGENCY_LOCKS = 0x676B
"""The first key of the agencies' advisory locks (``pg_advisory_xact_lock(AGENCY_LOCKS, agency_id)``)."""

_SHARE_BY_CODE = select(func.pg_advisory_xact_lock_shared(AGENCY_LOCKS, Agency.id)).where(
    Agency.code == bindparam("code")
)
_SHARE_OF_CASE = select(func.pg_advisory_xact_lock_shared(AGENCY_LOCKS, DisclosureCase.agency_id)).where(
    DisclosureCase.id == bindparam("case_id"), DisclosureCase.agency_id.in_(bindparam("scope", expanding=True))
)
_SHARE = select(func.pg_advisory_xact_lock_shared(AGENCY_LOCKS, bindparam("agency_id")))
_LOCK = select(func.pg_advisory_xact_lock(AGENCY_LOCKS, bindparam("agency_id")))


def share_by_code(session: Session, code: str) -> None:
    """Before a registration reads its agency (``case.service.open_case``; nothing if the code is unknown)."""
    if several_writers(session):
        session.execute(_SHARE_BY_CODE, {"code": code}).all()


def share_of_case(session: Session, case_id: int, scope: Collection[int]) -> None:
    """Before a change locks a case in ``scope`` (nothing for a case outside it, which the change then refuses)."""
    if several_writers(session):
        session.execute(_SHARE_OF_CASE, {"case_id": case_id, "scope": sorted(scope)}).all()


def share(session: Session, agency_ids: Iterable[int]) -> None:
    """The agencies' shares, in the order of their ids: for a writer that will touch several (an import), or one it
    has by id (an edit of a year's report that publication must not miss)."""
    if several_writers(session):
        for agency_id in sorted(set(agency_ids)):
            session.execute(_SHARE, {"agency_id": agency_id}).all()


def lock(session: Session, agency: Agency) -> None:
    """The agency exclusively (once every registration and step in progress has ended), then its row read afresh:
    ``agency`` may have been loaded before another policy change committed."""
    if several_writers(session):
        session.execute(_LOCK, {"agency_id": agency.id}).all()
    session.execute(select(Agency).where(Agency.id == agency.id).execution_options(populate_existing=True)).all()


def lock_all(session: Session) -> None:
    """Every agency exclusively, in the order of their ids: for a change that moves every agency's deadlines (a
    calendar import)."""
    if several_writers(session):
        for agency_id in session.scalars(select(Agency.id).order_by(Agency.id)).all():
            session.execute(_LOCK, {"agency_id": agency_id}).all()
