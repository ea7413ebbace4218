"""The overdue report's queries. Candidates are selected by four indexed range predicates, one per deadline the
report watches (``app.domain.overdue`` then classifies them exactly); never every case.

The candidates come back as plain rows of exactly the columns the classification and the report line need, with
the agency's code and whether a correction was requested, in one statement: no ORM entities, no lazy loads."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, exists, select, union
from sqlalchemy.orm import Session

from app.domain.lifecycle import CLOCK_RUNNING, CaseStatus, EventType
from app.models import Agency, CaseEvent, DisclosureCase, OverdueRun

WAITS = (CaseStatus.AWAITING_CORRECTION, CaseStatus.IN_CONSULTATION, CaseStatus.AWAITING_FEE)


def candidates_query(agency_ids: Collection[int], as_of: date, horizon: date) -> Select[*tuple[Any, ...]]:
    """The candidate selection of :func:`candidates`, as a statement (the benchmark times it bare)."""
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
    return (
        select(
            case.id,
            case.number,
            case.external_ref,
            Agency.code.label("agency"),
            case.applicant_type,
            case.received_date,
            case.status,
            case.handler,
            case.provisional,
            case.clock_start,
            case.disposition,
            case.concluded_on,
            case.due_date,
            case.statutory_due_date,
            case.correction_notice_due,
            case.pending_until,
            case.paused,
            case.calendar_version,
            correction_requested,
        )
        .select_from(ids)
        .join(case, case.id == ids.c.id)
        .join(Agency, Agency.id == case.agency_id)
        .order_by(case.id)
    )


def candidates(session: Session, agency_ids: Collection[int], as_of: date, horizon: date) -> Sequence[Row[Any]]:
    """Cases in ``agency_ids`` that may have a finding on ``as_of``, as rows (see :func:`candidates_query`).
    ``horizon`` is the first day beyond the due-soon window (``app.domain.overdue.horizon``). Each branch of the
    union is served by one of the ``(agency_id, status, <date>)`` indexes of ``disclosure_case``."""
    return session.execute(candidates_query(agency_ids, as_of, horizon)).all()


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
