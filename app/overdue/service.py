"""The nightly overdue report: build it, and record each delivery as a run so that it is delivered once a day.

A run is claimed by inserting its row under the unique key (as_of, scope, due_within) in a transaction of its own
(:func:`claim_run`); a second run for the same day, or a second server's cron started at the same minute, finds the
row and delivers nothing. The report is then produced and its events written to the outbox in a second transaction
(:func:`complete_run`), which also stores the items the next run's diff is taken against.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.agency import repository as agencies
from app.agency.repository import get_agency
from app.case.views import stored_projection
from app.clock import utcnow
from app.db import several_writers
from app.document.delivery import Unreceived, awaiting_receipt
from app.domain.calendar import WorkingCalendar
from app.domain.codes import ApplicantType
from app.domain.errors import NotFound, WrongState
from app.domain.lifecycle import CASE_STATUS_LABELS, CaseStatus
from app.domain.overdue import FINDING_LABELS, Finding, FindingKind, classify, horizon
from app.holiday.repository import load_calendar
from app.models import OverdueRun
from app.overdue import repository
from app.overdue.schemas import OverdueChanges, OverdueItem, OverdueReport
from app.webhook.events import EventType
from app.webhook.outbox import emit

ALL_AGENCIES = "*"
STALE_RUN = timedelta(minutes=10)
"""A run still ``running`` after this long is taken over by the next run (producing a report takes seconds)."""

_SEVERITY = {kind: rank for rank, kind in enumerate(FindingKind)}
_EVENT_OF: dict[FindingKind, EventType] = {
    FindingKind.STATUTORY_OVERDUE: EventType.CASE_OVERDUE,
    FindingKind.OVERDUE: EventType.CASE_OVERDUE,
    FindingKind.DUE_SOON: EventType.CASE_DUE_SOON,
}
"""Findings that are announced to subscribers when they first appear."""


@dataclass(frozen=True)
class RunKey:
    as_of: date
    scope: str
    due_within: int


class RunExists(WrongState):
    """The run for this key has been delivered already (or is being produced by another process)."""

    def __init__(self, run: OverdueRun) -> None:
        state = "已交付" if run.status == "delivered" else "正在生成"
        super().__init__("overdue_run_exists", f"{run.as_of} 的期限报告{state}（运行 #{run.id}），本次不再重复交付。")
        self.run_id = run.id


def items_for(session: Session, agency_ids: Collection[int], as_of: date, due_within: int) -> list[OverdueItem]:
    """Every finding of the cases in ``agency_ids`` on ``as_of``, by agency, handler, severity and date."""
    calendar = load_calendar(session)
    edge = horizon(as_of, calendar, due_within)
    items: list[OverdueItem] = []
    rows = repository.candidates(session, agency_ids, as_of, edge)
    corrected = repository.corrections_requested(session, [r.id for r in rows if r.status == CaseStatus.OPEN.value])
    for row in rows:
        findings = classify(
            stored_projection(row),
            correction_requested=row.id in corrected,
            as_of=as_of,
            calendar=calendar,
            due_within=due_within,
            edge=edge,
        )
        items.extend(_item(row, row.agency, f) for f in findings)
    items.extend(_letter_item(u, as_of, calendar) for u in awaiting_receipt(session, agency_ids, as_of))
    items.sort(key=lambda i: (i.agency, i.handler or "", _SEVERITY[i.kind], i.due_date, i.case_number))
    return items


def _item(case: Any, agency: str, finding: Finding, **letter: Any) -> OverdueItem:
    """A line of the report: ``case`` is a candidate row (``repository.COLUMNS``) or a ``DisclosureCase``; they
    share the attribute names."""
    status = CaseStatus(case.status)
    return OverdueItem(
        case_id=case.id,
        case_number=case.number,
        external_ref=case.external_ref,
        agency=agency,
        kind=finding.kind,
        kind_label=FINDING_LABELS[finding.kind],
        due_date=finding.due_date,
        working_days=finding.working_days,
        applicant_type=ApplicantType(case.applicant_type),
        received_date=case.received_date,
        status=status,
        status_label=CASE_STATUS_LABELS[status],
        handler=case.handler,
        provisional=case.provisional,
        **letter,
    )


def _letter_item(u: Unreceived, as_of: date, calendar: WorkingCalendar) -> OverdueItem:
    """A letter whose receipt is not on record (``app.document.delivery.awaiting_receipt``, the one rule)."""
    days = calendar.working_days_between(as_of, u.record_by)
    finding = Finding(FindingKind.DELIVERY_NOT_RECORDED, u.record_by, days)
    document_id = u.document.id if u.document else None
    return _item(u.case, u.case.agency.code, finding, letter=u.label, document_id=document_id, step_seq=u.step_seq)


def report(
    items: list[OverdueItem],
    key: RunKey,
    run_id: int | None = None,
    changes: OverdueChanges | None = None,
) -> OverdueReport:
    return OverdueReport(
        as_of=key.as_of,
        scope=key.scope,
        due_within=key.due_within,
        run_id=run_id,
        counts=dict(Counter(i.kind for i in items)),
        items=items,
        changes=changes,
    )


def scope_ids(session: Session, scope: str) -> dict[str, int]:
    """Agency code → id for a run's scope: one agency, or all of them."""
    if scope == ALL_AGENCIES:
        return {a.code: a.id for a in agencies.all_agencies(session)}
    agency = get_agency(session, scope)
    return {agency.code: agency.id}


def readable_scope(session: Session, readable: frozenset[int], agency_code: str | None) -> frozenset[int]:
    """The agencies an API report covers: all the principal may read, or one of them (404 outside the scope, as for
    a missing agency, so that existence does not leak)."""
    if agency_code is None:
        return readable
    agency = agencies.by_code(session, agency_code)
    if agency is None or agency.id not in readable:
        raise NotFound("agency_not_found", f"机关代码「{agency_code}」不存在或不在您的权限范围内。")
    return frozenset({agency.id})


def claim_run(session: Session, key: RunKey, actor: str, *, force: bool = False) -> OverdueRun:
    """Insert the run's row, or take over a failed one, one left ``running`` for longer than ``STALE_RUN`` (its
    process died, or lost the database before it could record the failure), or any with ``force``; raise
    :class:`RunExists` when the day's run is delivered or running. Commit it at once: the row is the claim other
    processes see."""
    run = OverdueRun(
        as_of=key.as_of,
        scope=key.scope,
        due_within=key.due_within,
        status="running",
        started_at=utcnow(),
        item_count=0,
        items=[],
        started_by=actor,
    )
    try:
        with session.begin_nested():
            session.add(run)
        return run
    except IntegrityError:
        pass
    existing = repository.run_for(session, key.as_of, key.scope, key.due_within)
    assert existing is not None
    abandoned = existing.status == "running" and existing.started_at < utcnow() - STALE_RUN
    if existing.status != "failed" and not abandoned and not force:
        raise RunExists(existing)
    existing.status, existing.started_at, existing.finished_at = "running", utcnow(), None
    existing.started_by, existing.error = actor, None
    session.flush()
    return existing


def _items_of(run: OverdueRun | None) -> list[OverdueItem]:
    return [OverdueItem.model_validate(i) for i in (run.items if run else [])]


def _changes(previous: OverdueRun | None, earlier: list[OverdueItem], items: list[OverdueItem]) -> OverdueChanges:
    """What is new in ``items`` and what was resolved since ``earlier``, the lines of the ``previous`` run."""
    before = {i.key: i for i in earlier}
    now = {i.key: i for i in items}
    return OverdueChanges(
        since_run_id=previous.id if previous else None,
        since_as_of=previous.as_of if previous else None,
        new=[i for k, i in now.items() if k not in before],
        resolved=[i for k, i in before.items() if k not in now],
    )


def _to_announce(session: Session, run: OverdueRun, new: list[OverdueItem]) -> list[OverdueItem]:
    """The new findings subscribers are told of: once a day whatever the scope or window (a run for one agency, or
    with a longer window, after the nightly one announced everything again), and nothing from a run of a day before
    one already delivered (a report of the past). A ``--force`` re-run of the same run announces as it did."""
    others = [r for r in repository.delivered_on_or_after(session, run.as_of) if r.id != run.id]
    if any(r.as_of > run.as_of for r in others):
        return []
    told = {i.key for r in others for i in _items_of(r)}
    return [i for i in new if i.kind in _EVENT_OF and i.key not in told]


_ONE_RUN_AT_A_TIME = select(func.pg_advisory_xact_lock(0x6F76, 0))  # "ov": the key of completing overdue runs


def complete_run(session: Session, run_id: int) -> OverdueReport:
    """Produce the report of a claimed run, diff it against the previous run of the scope, write the outbox events
    (``report.generated`` per agency; ``case.overdue``/``case.due_soon`` for new findings), and mark it delivered.

    Runs complete one at a time (PostgreSQL: a transaction-level advisory lock; SQLite has one writer), so that what
    one announces, the next sees delivered: two runs of other scopes or windows at once announced the same findings
    twice (found by a probe)."""
    if several_writers(session):
        session.execute(_ONE_RUN_AT_A_TIME).all()
    run = session.get_one(OverdueRun, run_id)
    key = RunKey(run.as_of, run.scope, run.due_within)
    ids = scope_ids(session, run.scope)
    items = items_for(session, ids.values(), run.as_of, run.due_within)
    previous = repository.previous_run(session, run.scope, run.due_within, run.as_of)
    changes = _changes(previous, _items_of(previous), items)
    result = report(items, key, run.id, changes)
    for item in _to_announce(session, run, changes.new):
        payload = {"as_of": run.as_of.isoformat(), "run_id": run.id, **item.model_dump(mode="json")}
        emit(session, ids[item.agency], _EVENT_OF[item.kind], payload)
    for code, agency_id in ids.items():
        mine = [i for i in items if i.agency == code]
        summary = report(mine, RunKey(run.as_of, code, run.due_within), run.id)
        emit(session, agency_id, EventType.REPORT_GENERATED, summary.model_dump(mode="json", exclude={"changes"}))
    run.items = [i.model_dump(mode="json") for i in items]
    run.item_count = len(items)
    run.status = "delivered"
    run.finished_at = utcnow()
    session.flush()
    return result


def fail_run(session: Session, run_id: int, error: str) -> None:
    run = session.get_one(OverdueRun, run_id)
    run.status, run.finished_at, run.error = "failed", utcnow(), error[:500]
    session.flush()


def preview(
    session: Session, readable: frozenset[int], agency_code: str | None, as_of: date, due_within: int
) -> OverdueReport:
    """What the nightly report would say on ``as_of`` for the agencies a person may read (one, or all of them),
    with what is new and what was resolved since the last delivered run of the same scope; a run over every agency
    counts for one agency, its other agencies' lines left out. Nothing is recorded or delivered."""
    ids = readable_scope(session, readable, agency_code)
    key = RunKey(as_of, agency_code or ALL_AGENCIES, due_within)
    items = items_for(session, ids, as_of, due_within)
    previous = repository.previous_run(session, key.scope, due_within, as_of + timedelta(days=1))
    if previous is None and agency_code is not None:
        previous = repository.previous_run(session, ALL_AGENCIES, due_within, as_of + timedelta(days=1))
    visible = {agency.code for agency_id in ids if (agency := agencies.by_id(session, agency_id)) is not None}
    changes = _changes(previous, [i for i in _items_of(previous) if i.agency in visible], items)
    return report(items, key, None, changes)
