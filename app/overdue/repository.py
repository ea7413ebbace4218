"""The overdue report's queries. Candidates are selected by four indexed range predicates, one per deadline the
report watches (``app.domain.overdue`` then classifies them exactly); never every case.

The candidates come back as plain rows of exactly the columns the classification and the report line need, with
the agency's code, in one statement; whether a correction was requested is one more, for the open cases only. No
ORM entities, no lazy loads."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Row, Select, select, union
from sqlalchemy.orm import Session

from app.domain.lifecycle import CLOCK_RUNNING, CaseStatus, EventType
from app.models import Agency, CaseEvent, DisclosureCase, OverdueRun

WAITS = (CaseStatus.AWAITING_CORRECTION, CaseStatus.IN_CONSULTATION, CaseStatus.AWAITING_FEE)


COLUMNS = (
    DisclosureCase.id,
    DisclosureCase.number,
    DisclosureCase.external_ref,
    Agency.code.label("agency"),
    DisclosureCase.applicant_type,
    DisclosureCase.received_date,
    DisclosureCase.status,
    DisclosureCase.handler,
    DisclosureCase.provisional,
    DisclosureCase.clock_start,
    DisclosureCase.disposition,
    DisclosureCase.concluded_on,
    DisclosureCase.due_date,
    DisclosureCase.statutory_due_date,
    DisclosureCase.correction_notice_due,
    DisclosureCase.pending_until,
    DisclosureCase.paused,
    DisclosureCase.calendar_version,
    DisclosureCase.correction_notice_late,
    DisclosureCase.undelivered_since,
    DisclosureCase.statutory_breached_on,
)


def candidates_query(agency_ids: Collection[int], as_of: date, horizon: date) -> CompoundSelect[*tuple[Any, ...]]:
    """The candidate selection of :func:`candidates`, as a statement (the benchmark times it bare). Each branch
    reads its rows straight from one index range (never a join against the whole table, which PostgreSQL chose when
    the union produced only ids)."""
    case = DisclosureCase
    running = case.status.in_([s.value for s in CLOCK_RUNNING])
    unconcluded = [s.value for s in CaseStatus if s is not CaseStatus.CONCLUDED]

    def branch(*where: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
        return select(*COLUMNS).join(Agency, Agency.id == case.agency_id).where(case.agency_id.in_(agency_ids), *where)

    return union(
        branch(running, case.due_date < horizon),
        branch(running, case.statutory_due_date < as_of),
        # a breach that a late correction notice's restart did not undo (app.domain.clock): few rows among the open
        branch(case.status.in_(unconcluded), case.statutory_breached_on < as_of),
        branch(case.status.in_([s.value for s in WAITS]), case.pending_until < as_of),
        branch(
            case.status == CaseStatus.OPEN.value,
            case.correction_notice_due >= as_of,
            case.correction_notice_due < horizon,
        ),
        # the Art. 30 defect (letters whose receipt is unrecorded: app.document.delivery.awaiting_receipt)
        branch(case.status.in_(unconcluded), case.correction_notice_late.is_(True)),
    )


def candidates(session: Session, agency_ids: Collection[int], as_of: date, horizon: date) -> list[Row[Any]]:
    """Cases in ``agency_ids`` that may have a finding on ``as_of``, as rows of :data:`COLUMNS`, by id.
    ``horizon`` is the first day beyond the due-soon window (``app.domain.overdue.horizon``). Each branch of the
    union is served by one of the ``(agency_id, status, <date>)`` indexes of ``disclosure_case``."""
    return sorted(session.execute(candidates_query(agency_ids, as_of, horizon)).all(), key=lambda row: row.id)


ID_BATCH = 5000  # bound parameters per statement, well under SQLite's limit


def corrections_requested(session: Session, case_ids: Collection[int]) -> set[int]:
    """Which of ``case_ids`` have had a correction requested (Art. 30 allows one): looked up through the
    ``(case_id, seq)`` key of ``case_event``, for the few candidates whose notice window is open."""
    ids = sorted(case_ids)
    found: set[int] = set()
    for start in range(0, len(ids), ID_BATCH):
        found.update(
            session.scalars(
                select(CaseEvent.case_id).where(
                    CaseEvent.case_id.in_(ids[start : start + ID_BATCH]),
                    CaseEvent.type == EventType.CORRECTION_REQUESTED.value,
                )
            )
        )
    return found


def run_for(session: Session, as_of: date, scope: str, due_within: int) -> OverdueRun | None:
    return session.scalars(
        select(OverdueRun)
        .where(OverdueRun.as_of == as_of, OverdueRun.scope == scope, OverdueRun.due_within == due_within)
        .with_for_update()
    ).one_or_none()


def delivered_on_or_after(session: Session, as_of: date) -> Sequence[OverdueRun]:
    """Every delivered run, of any scope and window, of ``as_of`` or a later day."""
    runs = select(OverdueRun).where(OverdueRun.as_of >= as_of, OverdueRun.status == "delivered")
    return session.scalars(runs.order_by(OverdueRun.id)).all()


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
