"""Use cases of the case register. Services flush, never commit: the caller's unit of work commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.agency import locks as agency_locks
from app.agency.repository import get_agency, policy_of
from app.audit import service as audit
from app.auth.principal import Principal
from app.case import repository
from app.case.schemas import CaseCreate, ReviewFiling
from app.clock import utcnow
from app.domain.calendar import WorkingCalendar
from app.domain.clock import Explanation, Projection, explain, project
from app.domain.codes import Disposition, ReviewOutcome
from app.domain.errors import NotFound, StaleVersion, WrongState
from app.domain.lifecycle import CONCLUDING_EVENTS, CaseEvent, EventType, check_event, check_review_decision
from app.domain.receipt import ReceiptFacts, check_receipt
from app.domain.report_integrity import year_altered
from app.domain.roles import READ_PERMISSIONS, Permission, step_permission
from app.holiday.repository import load_calendar
from app.models import CaseEvent as EventRow
from app.models import CaseReview, DisclosureCase
from app.report.service import guard_published, is_published
from app.user.service import match_handler
from app.webhook import repository as webhooks
from app.webhook.events import EventType as WebhookEvent
from app.webhook.events import case_payload
from app.webhook.outbox import emit, emit_all

PROJECTED_DATES: dict[str, str] = {
    "due_date": "本机关答复期限",
    "statutory_due_date": "法定答复期限",
    "correction_notice_due": "补正告知期限",
    "pending_until": "等待至",
    "statutory_breached_on": "补正告知前已届满的法定期限",
}
"""The dates a recomputation compares and notes, with the names a clerk or an operator reads."""
RECOMPUTE_CAUSES: dict[str, str] = {
    "calendar": "节假日安排变更",
    "policy": "本机关期限政策变更",
    "rules": "计算规则调整",
}


@dataclass(frozen=True)
class DateChange:
    """A case whose dates moved because the calendar or its agency's policy changed."""

    case_id: int
    number: str
    old: dict[str, date | None]
    new: dict[str, date | None]


def domain_event(row: EventRow) -> CaseEvent:
    data = row.data

    def day(key: str) -> date | None:
        value = data.get(key)
        return date.fromisoformat(value) if value else None

    return CaseEvent(
        type=EventType(row.type),
        on=row.on,
        days=data.get("days"),
        until=day("until"),
        notice_on=day("notice_on"),
        disposition=Disposition(data["disposition"]) if data.get("disposition") else None,
        delivered_on=day("delivered_on"),
        ref=data.get("ref"),
        seq=row.seq,
        justified=bool(data.get("late_reason")),
    )


def _history(case: DisclosureCase) -> list[CaseEvent]:
    return [domain_event(row) for row in case.events]


def _apply_projection(case: DisclosureCase, projection: Projection) -> None:
    case.status = projection.status.value
    case.disposition = projection.disposition.value if projection.disposition else None
    case.concluded_on = projection.concluded_on
    case.clock_start = projection.start
    case.due_date = projection.due_date
    case.statutory_due_date = projection.statutory_due_date
    case.correction_notice_due = projection.correction_notice_due
    case.pending_until = projection.pending_until
    case.paused = projection.paused
    case.provisional = projection.provisional
    case.calendar_version = projection.calendar_version
    case.correction_notice_late = projection.correction_notice_late
    case.undelivered_since = projection.undelivered_since
    case.statutory_breached_on = projection.statutory_breached_on


def projection_of(case: DisclosureCase, calendar: WorkingCalendar) -> Projection:
    policy = policy_of(case.agency)
    return project(case.received_date, _history(case), policy, calendar)


def _append(case: DisclosureCase, event_type: EventType, on: date, data: dict[str, Any], actor: str) -> None:
    row = EventRow(
        seq=len(case.events) + 1,
        type=event_type.value,
        on=on,
        data={k: v.isoformat() if isinstance(v, date) else v for k, v in data.items() if v is not None},
        actor=actor,
        recorded_at=utcnow(),
    )
    case.events.append(row)


def _touch(case: DisclosureCase) -> None:
    case.updated_at = utcnow()


def open_case(
    session: Session,
    principal: Principal,
    body: CaseCreate,
    override: str | None = None,
    *,
    today: date,
) -> DisclosureCase:
    """Register an application (条例 Art. 29–31): number it, fix its legal receipt date, start its clock. The receipt
    facts must be plausible on ``today`` (``app.domain.receipt.check_receipt``)."""
    # A policy change, a publication or a calendar import in progress ends first, and one that follows waits for this
    # registration: it counts with the policy and calendar in force and is guarded (``app.agency.locks``).
    agency_locks.share_by_code(session, body.agency)
    agency = get_agency(session, body.agency)
    principal.check(
        Permission.CASE_CREATE, agency.id, NotFound("agency_not_found", f"机关代码「{body.agency}」不存在。")
    )
    if body.external_ref is not None and repository.by_external_ref(session, agency.id, body.external_ref):
        raise WrongState(
            "external_ref_exists", f"外部编号「{body.external_ref}」已登记过（同一机关内外部编号不能重复）。"
        )
    facts = ReceiptFacts(**body.receipt.model_dump())
    received = check_receipt(body.channel, facts, today)
    handler_user, handler_name = match_handler(session, agency.id, body.handler)
    calendar = load_calendar(session)
    now = utcnow()
    applicant = body.applicant
    case = DisclosureCase(
        agency=agency,
        year=received.year,
        external_ref=body.external_ref,
        applicant_type=applicant.type.value,
        applicant_name=applicant.name,
        applicant_id_type=applicant.id_type,
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        applicant_email=applicant.email,
        applicant_address=applicant.address,
        channel=body.channel.value,
        submitted_on=facts.submitted_on,
        signed_on=facts.signed_on,
        confirmed_on=facts.confirmed_on,
        received_date=received,
        request_description=body.request.description,
        request_form=body.request.form.value if body.request.form else None,
        delivery_method=body.request.delivery.value if body.request.delivery else None,
        handler=handler_name,
        handler_user=handler_user,
        reviews=[],  # a new case has none: known without a query
        created_at=now,
        updated_at=now,
        created_by=principal.actor,
    )
    _append(case, EventType.RECEIVED, received, {"channel": body.channel.value}, principal.actor)
    _apply_projection(case, projection_of(case, calendar))
    published = is_published(session, agency.id, received.year)
    subscribers = webhooks.subscribers(session, agency.id, WebhookEvent.CASE_CREATED)
    # The year's counter and then the agency's audit chain head stay locked until the transaction ends, and every
    # creation in the agency queues on them: they are taken last, after every read (issue #9), and what follows
    # them is the case's INSERTs, the outbox's and the audit record's.
    case.seq = repository.next_sequence(session, agency.id, received.year)
    case.number = f"{received.year}-{case.seq:04d}"
    repository.add_new(session, case)
    if published:
        guard_published(session, principal, case, received.year, "case.create", override)
    emit(session, agency.id, WebhookEvent.CASE_CREATED, case_payload(case), subscribers)
    audit.record(
        session,
        agency=agency,
        actor=principal.actor,
        action="case.create",
        entity="case",
        entity_id=case.id,
        before=None,
        after={**audit.snapshot(case), "event": audit.snapshot(case.events[0])},
    )
    return case


def get_case(
    session: Session, principal: Principal, case_id: int, permission: Permission = Permission.CASE_READ
) -> DisclosureCase:
    """A case in the principal's scope, for an action needing ``permission``. Outside the scope the answer is the
    same as for a missing case (404), so that existence does not leak between agencies; a case the principal may
    read but not act on is a 403."""
    writing = permission not in READ_PERMISSIONS
    missing = NotFound("case_not_found", f"申请 {case_id} 不存在或不在您的权限范围内。")
    if writing:  # the agency before the case: the lock order of every writer (``app.agency.locks``)
        agency_locks.share_of_case(session, case_id, principal.scope)
    case = repository.get(session, case_id, principal.scope, for_update=writing)
    if case is None:
        raise missing
    principal.check(permission, case.agency_id, missing)
    return case


def check_version(case: DisclosureCase, expected: int | None) -> None:
    """Optimistic concurrency: the caller decided on version ``expected`` of the case (HTTP ``If-Match``); refuse
    when someone changed it since. Checked after the row lock is taken, so the answer holds until commit."""
    if expected is not None and case.version != expected:
        raise StaleVersion(
            "precondition_failed",
            f"该申请已被他人修改（您看到的是第 {expected} 版，当前为第 {case.version} 版），请刷新后再操作。",
        )


def _step(
    session: Session, case: DisclosureCase, event: CaseEvent, data: dict[str, Any], actor: str, today: date
) -> None:
    calendar = load_calendar(session)
    check_event(case.received_date, _history(case), event, policy_of(case.agency), calendar, today)
    old = _dates(case)
    payload = {
        "days": event.days,
        "until": event.until,
        "notice_on": event.notice_on,
        "disposition": event.disposition.value if event.disposition else None,
        "delivered_on": event.delivered_on,
        "ref": event.ref,
        **data,
    }
    _append(case, event.type, event.on, payload, actor)
    _apply_projection(case, projection_of(case, calendar))
    _touch(case)
    session.flush()
    emit(session, case.agency_id, WebhookEvent.CASE_STEP_RECORDED, case_payload(case))
    if event.type in CONCLUDING_EVENTS:
        emit(session, case.agency_id, WebhookEvent.CASE_CONCLUDED, case_payload(case))
    if _dates(case) != old:
        emit(session, case.agency_id, WebhookEvent.CASE_DEADLINE_CHANGED, case_payload(case))


@contextmanager
def _changing(
    session: Session, principal: Principal, case_id: int, permission: Permission, expected_version: int | None
) -> Iterator[DisclosureCase]:
    """The frame of every change to a case: find it in scope, locked, at the version the caller saw; let the block
    change it; then write the audit record (before and after) in the same transaction. A block that raises leaves
    no record, and the request's transaction rolls the change back."""
    case = get_case(session, principal, case_id, permission)
    check_version(case, expected_version)
    before = audit.snapshot(case)
    yield case
    _audit_step(session, case, before, principal.actor)


def _audit_step(session: Session, case: DisclosureCase, before: dict[str, Any], actor: str) -> None:
    audit.record_all(session, [_step_entry(case, before)], actor=actor)


def _step_entry(case: DisclosureCase, before: dict[str, Any]) -> audit.Entry:
    """The audit record of the step just appended to ``case``: the case before and after, and the step."""
    event = case.events[-1]
    after = {**audit.snapshot(case), "event": audit.snapshot(event)}
    return audit.Entry(case.agency, f"case.step.{event.type}", "case", case.id, before, after)


def record_step(
    session: Session,
    principal: Principal,
    case_id: int,
    event: CaseEvent,
    data: dict[str, Any],
    today: date,
    expected_version: int | None = None,
    override: str | None = None,
) -> DisclosureCase:
    """Append a procedural step after the lifecycle rules accept it, then re-derive the deadlines."""
    permission = step_permission(event.type)
    with _changing(session, principal, case_id, permission, expected_version) as case:
        year = year_altered(event.type, event.on)
        guard_published(session, principal, case, year, f"case.step.{event.type}", override)
        _step(session, case, event, data, principal.actor, today)
    return case


def record_delivery(
    session: Session,
    principal: Principal,
    case_id: int,
    delivered_on: date,
    today: date,
    *,
    letter_seq: int | None = None,
    recorded_on: date | None = None,
    note: str | None = None,
    expected_version: int | None = None,
    override: str | None = None,
) -> DisclosureCase:
    """Record that a fee notice or consultation letter of the case was received on ``delivered_on`` by its addressee
    (the applicant, the third party or the co-producing agency): the step ``POST /cases/{id}/delivery``.

    The addressee's period counts from the day after that receipt (条例 Art. 32, 34: 15 working days to answer;
    国办函〔2020〕109号 第七条: 20 working days to pay), so until it is recorded that period has no end date. This is
    the function a delivery record elsewhere (a returned postal receipt, a signed 送达回证) calls: the same
    audited, version-checked step as every other.

    ``letter_seq`` is the timeline number of the fee notice or letter; it may be left out when only one letter of
    the case awaits its delivery record. ``recorded_on`` is the day the proof came back (default: ``today``); the
    rules refuse a delivery before the letter was sent, after ``recorded_on``, or in the future.
    """
    event = CaseEvent(
        type=EventType.DELIVERY_RECORDED,
        on=recorded_on or today,
        delivered_on=delivered_on,
        ref=letter_seq,
    )
    data: dict[str, Any] = {"note": note} if note else {}
    return record_step(session, principal, case_id, event, data, today, expected_version, override)


def file_review(
    session: Session,
    principal: Principal,
    case_id: int,
    body: ReviewFiling,
    today: date,
    expected_version: int | None = None,
    override: str | None = None,
) -> DisclosureCase:
    """Record an administrative review or lawsuit against the handling of a concluded case."""
    with _changing(session, principal, case_id, Permission.CASE_STEP, expected_version) as case:
        year = year_altered(EventType.REVIEW_FILED, body.filed_on)
        guard_published(session, principal, case, year, "case.review.file", override)
        _step(
            session,
            case,
            CaseEvent(type=EventType.REVIEW_FILED, on=body.filed_on),
            {"kind": body.kind.value, "outcome": body.outcome.value, "note": body.note},
            principal.actor,
            today,
        )
        review = CaseReview(
            agency_id=case.agency_id, kind=body.kind.value, filed_on=body.filed_on, outcome=body.outcome.value
        )
        if body.outcome is not ReviewOutcome.PENDING:
            review.decided_on = body.filed_on
        case.reviews.append(review)
        session.flush()
        case.events[-1].data = {**case.events[-1].data, "review_id": review.id}
    return case


def decide_review(
    session: Session,
    principal: Principal,
    case_id: int,
    review_id: int,
    on: date,
    outcome: ReviewOutcome,
    today: date,
    expected_version: int | None = None,
    override: str | None = None,
) -> DisclosureCase:
    """Record the outcome of a pending review or lawsuit."""
    with _changing(session, principal, case_id, Permission.CASE_STEP, expected_version) as case:
        review = next((r for r in case.reviews if r.id == review_id), None)
        if review is None:
            raise NotFound("review_not_found", f"该申请下没有编号为 {review_id} 的复议或诉讼记录。")
        check_review_decision(review.filed_on, ReviewOutcome(review.outcome), on, outcome)
        year = year_altered(EventType.REVIEW_DECIDED, on, review.filed_on)
        guard_published(session, principal, case, year, "case.review.decide", override)
        _step(
            session,
            case,
            CaseEvent(type=EventType.REVIEW_DECIDED, on=on),
            {"review_id": review.id, "outcome": outcome.value},
            principal.actor,
            today,
        )
        review.outcome = outcome.value
        review.decided_on = on
        session.flush()
    return case


def explain_deadline(session: Session, principal: Principal, case_id: int) -> Explanation:
    case = get_case(session, principal, case_id)
    return explain(case.received_date, _history(case), policy_of(case.agency), load_calendar(session))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _dates(case: DisclosureCase) -> dict[str, date | None]:
    return {name: getattr(case, name) for name in PROJECTED_DATES}


def recompute_open_cases(
    session: Session, calendar: WorkingCalendar, actor: str, today: date, cause: str, agency_id: int | None = None
) -> list[DateChange]:
    """Re-derive every open case (of one agency, or all) after the calendar or a policy changed (``cause``); record
    the moved dates in each affected timeline."""
    changes: list[DateChange] = []
    moved: list[tuple[DisclosureCase, dict[str, Any]]] = []
    for case in repository.open_cases(session, agency_id):
        before = audit.snapshot(case)
        old = _dates(case)
        _apply_projection(case, projection_of(case, calendar))
        new = _dates(case)
        if new != old:
            changed = {k: v for k, v in old.items() if new[k] != v}
            _append(
                case,
                EventType.DEADLINES_RECOMPUTED,
                today,
                {
                    "cause": cause,
                    "calendar_version": calendar.version,
                    "old": {k: _iso(v) for k, v in changed.items()},
                    "new": {k: _iso(new[k]) for k in changed},
                },
                actor,
            )
            _touch(case)
            moved.append((case, before))
            changes.append(DateChange(case.id, case.number, changed, {k: new[k] for k in changed}))
    # Written together, not case by case: the caller holds the agency (every agency, for a calendar import) until
    # its commit, and its clerks wait (one flush for the cases and their notes, two statements per audit chain and
    # two for the webhooks' outbox).
    session.flush()
    audit.record_all(session, [_step_entry(case, before) for case, before in moved], actor=actor)
    emit_all(session, WebhookEvent.CASE_DEADLINE_CHANGED, [(case.agency_id, case_payload(case)) for case, _ in moved])
    return changes
