"""The overdue report's queries. Candidates are selected by four indexed range predicates, one per deadline the
report watches (``app.domain.overdue`` then classifies them exactly); never every case."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import exists, select, union
from sqlalchemy.orm import Session

from app.domain.lifecycle import CLOCK_RUNNING, CaseStatus, EventType
from app.models import CaseEvent, DisclosureCase, OverdueRun

WAITS = (CaseStatus.AWAITING_CORRECTION, CaseStatus.IN_CONSULTATION, CaseStatus.AWAITING_FEE)


def candidates(
    session: Session, agency_ids: Collection[int], as_of: date, horizon: date
) -> list[tuple[DisclosureCase, bool]]:
    """Cases in ``agency_ids`` that may have a finding on ``as_of``, each with whether a correction was requested.
    ``horizon`` is the first day beyond the due-soon window (``app.domain.overdue.horizon``). Each branch of the
    union is served by one of the ``(agency_id, status, <date>)`` indexes of ``disclosure_case``."""
    case = DisclosureCase
    scoped = case.agency_id.in_(agency_ids)
    running = case.status.in_([s.value for s in CLOCK_RUNNING])
    ids = union(
        select(case.id).where(scoped, running, case.due_date < horizon),
        select(case.id).where(scoped, running, case.statutory_due_date < as_of),
        select(case.id).where(scoped, case.status.in_([s.value for s in WAITS]), case.pending_until < as_of),
        select(case.id).where(
            scoped,
            case.status == CaseStatus.OPEN.value,
            case.correction_notice_due >= as_of,
            case.correction_notice_due < horizon,
        ),
    ).subquery()
    correction_requested = (
        exists()
        .where(CaseEvent.case_id == case.id, CaseEvent.type == EventType.CORRECTION_REQUESTED.value)
        .label("correction_requested")
    )
    rows = session.execute(
        select(case, correction_requested).where(case.id.in_(select(ids.c.id))).order_by(case.id)
    ).all()
    return [(row[0], bool(row[1])) for row in rows]


def run_for(session: Session, as_of: date, scope: str, due_within: int) -> OverdueRun | None:
    return session.scalars(
        select(OverdueRun)
        .where(OverdueRun.as_of == as_of, OverdueRun.scope == scope, OverdueRun.due_within == due_within)
        .with_for_update()
    ).one_or_none()


def previous_run(session: Session, scope: str, due_within: int, before: date) -> OverdueRun | None:
    """The latest delivered run of the same scope and window before ``before``: what the diff is taken against."""
    return session.scalars(
        select(OverdueRun)
        .where(
            OverdueRun.scope == scope,
            OverdueRun.due_within == due_within,
            OverdueRun.as_of < before,
            OverdueRun.status == "delivered",
        )
        .order_by(OverdueRun.as_of.desc())
        .limit(1)
    ).one_or_none()
