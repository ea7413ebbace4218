"""Use cases of the annual report (政府信息公开工作年度报告): the statistics tables counted from the case records, the
cases behind a cell, the hand-entered 主动公开 table, and publication, which locks a year's cells.

SQL counts (``app.report.repository``); ``app.domain.statistics`` classifies and checks. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.agency import locks as agency_locks
from app.agency import repository as agencies
from app.audit import service as audit
from app.auth.principal import Principal
from app.clock import utcnow
from app.domain.codes import ReviewKind, ReviewOutcome
from app.domain.errors import InvalidInput, NotFound, WrongState
from app.domain.report_integrity import check_override, fault_checks
from app.domain.roles import Permission
from app.domain.statistics import (
    REVIEW_KEYS,
    TOTAL,
    ActiveDisclosure,
    AnnualReport,
    ApplicationsTable,
    ReportFormat,
    TableRow,
    build_applications_table,
    build_reviews_table,
    check_carry_over,
    format_for_year,
    validate_active_disclosure,
)
from app.models import ActiveDisclosure as ActiveDisclosureRow
from app.models import Agency, DisclosureCase, ReportSnapshot, ReportSnapshotChange
from app.report import repository
from app.report.repository import Fees, Period


@dataclass(frozen=True)
class Scope:
    """The agency a report is named after and every agency whose cases it counts."""

    agency: Agency
    agency_ids: frozenset[int]

    @property
    def single(self) -> bool:
        return self.agency_ids == {self.agency.id}


def _not_found(code: str) -> NotFound:
    return NotFound("agency_not_found", f"机关代码「{code}」不存在或不在您的权限范围内。")


def _readable(session: Session, principal: Principal, code: str) -> Agency:
    """An agency whose reports the principal may read: outside its scope (or missing) 404, inside it without
    ``report.read`` (an integration token) 403, like every other object (``Principal.check``)."""
    return agency_for(session, principal, code, Permission.REPORT_READ)


def agency_for(session: Session, principal: Principal, code: str, permission: Permission) -> Agency:
    """The agency, if the principal holds ``permission`` on it (else 404 outside its scope, 403 inside)."""
    agency = agencies.by_code(session, code)
    if agency is None:
        raise _not_found(code)
    principal.check(permission, agency.id, _not_found(code))
    return agency


def resolve_scope(
    session: Session,
    principal: Principal,
    agency_code: str,
    *,
    consolidated: bool = False,
    also: Collection[str] = (),
) -> Scope:
    """One agency; with ``consolidated`` its sub-agencies at every depth too (a people's government's consolidated
    table); ``also`` adds chosen agencies. Every one must be readable by the principal (``report.read``)."""
    readable = principal.agency_ids(Permission.REPORT_READ)
    agency = _readable(session, principal, agency_code)
    ids = {agency.id}
    if consolidated:
        ids |= agencies.descendants(session, [agency.id])[agency.id]
    for code in also:
        ids.add(_readable(session, principal, code).id)
    if not ids <= readable:
        raise NotFound("agency_not_found", f"「{agency_code}」的下属机关不全在您的权限范围内，无法生成汇总报表。")
    return Scope(agency, frozenset(ids))


@dataclass(frozen=True)
class Annual:
    """The report and the checks only the records can make (data faults, carry-over against the published year)."""

    report: AnnualReport
    extra_checks: list[dict[str, object]]

    def to_dict(self) -> dict[str, object]:
        """The JSON contract (``AnnualReport.to_dict``), the record checks appended to ``checks``."""
        document = self.report.to_dict()
        checks = document["checks"]
        assert isinstance(checks, list)
        return document | {"checks": checks + self.extra_checks}


def _stored_active(stored: tuple[str, dict[str, Any]] | None) -> ActiveDisclosure | None:
    return validate_active_disclosure(ReportFormat(stored[0]), stored[1]) if stored else None


def _published_table(fmt: str, content: dict[str, Any]) -> ApplicationsTable:
    rows = (TableRow(r["key"], r["label"], "", tuple(r["values"])) for r in content["applications"]["rows"])
    return ApplicationsTable(ReportFormat(fmt), tuple(rows))


def build_annual(session: Session, scope: Scope, year: int, fmt: ReportFormat | None = None) -> Annual:
    """Count, classify and check one year. ``fmt`` must be the year's (``statistics.format_for_year``)."""
    period = Period(year)
    fmt = fmt or format_for_year(year)
    counts = repository.tally(session, scope.agency_ids, period)
    inputs = repository.year_inputs(session, scope.agency.id, scope.agency_ids, period)
    report = AnnualReport(
        year=year,
        format=fmt,
        agency_code=scope.agency.code,
        agency_name=scope.agency.name,
        applications=build_applications_table(
            fmt, counts.received, counts.carried_over, counts.concluded, counts.carried_forward
        ),
        reviews=build_reviews_table(counts.reviews),
        active_disclosure=_stored_active(inputs.active),
    )
    extra = fault_checks(repository.faults(session, scope.agency_ids, period) if inputs.faulty else {})
    if scope.single and inputs.previous is not None:
        extra.append(check_carry_over(_published_table(*inputs.previous), report.applications).to_dict())
    return Annual(report, extra)


def annual_report(
    session: Session,
    principal: Principal,
    year: int,
    agency_code: str,
    fmt: ReportFormat | None = None,
    *,
    consolidated: bool = False,
    also: Collection[str] = (),
) -> Annual:
    scope = resolve_scope(session, principal, agency_code, consolidated=consolidated, also=also)
    return build_annual(session, scope, year, fmt)


def trace_cell(
    session: Session,
    principal: Principal,
    year: int,
    agency_code: str,
    row: str,
    column: str,
    *,
    consolidated: bool = False,
    also: Collection[str] = (),
) -> Sequence[repository.TracedRow]:
    """The cases counted in one cell: of the applications table (``row`` a row key, ``column`` an applicant type or
    ``total``), or of the reviews table (``row`` one of its keys such as ``review.upheld``; ``column`` unused)."""
    where = resolve_scope(session, principal, agency_code, consolidated=consolidated, also=also)
    fmt = format_for_year(year)
    if row in REVIEW_KEYS:
        kind, _, outcome = row.partition(".")
        return repository.trace_reviews(
            session,
            where.agency_ids,
            Period(year),
            ReviewKind(kind),
            None if outcome == TOTAL else ReviewOutcome(outcome),
        )
    try:
        return repository.trace(session, where.agency_ids, fmt, Period(year), row, column)
    except (KeyError, ValueError):
        raise InvalidInput(
            "report_cell_unknown", f"{year}年度报表（{fmt.value}年格式）中没有「{row}」行「{column}」列。"
        ) from None


def annual_fees(session: Session, principal: Principal, year: int, agency_code: str) -> Fees:
    """Fees collected in the year (国办函〔2020〕109号), for the report's text on 收费情况."""
    scope = resolve_scope(session, principal, agency_code)
    return repository.fees(session, scope.agency_ids, Period(year))


def get_active_disclosure(
    session: Session, principal: Principal, year: int, agency_code: str
) -> tuple[ActiveDisclosureRow, ActiveDisclosure]:
    scope = resolve_scope(session, principal, agency_code)
    row = repository.active_disclosure(session, scope.agency.id, year)
    if row is None:
        raise NotFound("active_disclosure_not_found", f"「{agency_code}」尚未录入{year}年度主动公开政府信息情况。")
    return row, validate_active_disclosure(ReportFormat(row.format), row.values)


def put_active_disclosure(
    session: Session, principal: Principal, year: int, agency_code: str, values: dict[str, object]
) -> tuple[ActiveDisclosureRow, ActiveDisclosure]:
    """Enter or replace 「主动公开政府信息情况」 (validated against the year's layout). Refused once the year is
    published, like any change to its cells."""
    agency = agency_for(session, principal, agency_code, Permission.REPORT_PUBLISH)
    fmt = format_for_year(year)
    table = validate_active_disclosure(fmt, values)
    agency_locks.share(session, [agency.id])  # a publication in progress ends first, or waits for this edit
    published = repository.snapshot(session, agency.id, year)
    if published is not None:
        raise WrongState("report_published", f"{year}年度报告已发布，主动公开政府信息情况不能再修改。")
    row = repository.active_disclosure(session, agency.id, year) or ActiveDisclosureRow(agency_id=agency.id, year=year)
    with audit.changing(
        session,
        row,
        agency=agency,
        actor=principal.actor,
        action="report.active_disclosure",
        entity="active_disclosure",
    ):
        row.format = fmt.value
        row.values = table.to_dict()
        row.entered_by = principal.actor
        row.updated_at = utcnow()
    return row, table


def publish(
    session: Session,
    principal: Principal,
    year: int,
    agency_code: str,
    today: date,
    *,
    extra: Mapping[str, object] | None = None,
) -> ReportSnapshot:
    """Freeze the agency's report for ``year``: from now on a change that would alter one of its cells is refused
    unless an administrator forces it with a reason (:func:`guard_published`). ``extra`` is kept in the snapshot
    beside the tables (the document's own inputs, ``app.report.document_service``)."""
    agency = agency_for(session, principal, agency_code, Permission.REPORT_PUBLISH)
    if year >= today.year:
        raise WrongState("report_year_not_ended", f"{year}年度尚未结束，不能发布年度报告。")
    # The tables are built once the registrations, steps and edits in progress have committed; those that follow see
    # the snapshot and are guarded (``app.agency.locks``). Without it, a case registered or concluded while the
    # tables were being built was neither counted nor refused (PostgreSQL; found by a probe).
    agency_locks.lock(session, agency)
    if repository.published(session, agency.id, year):
        raise WrongState("report_already_published", f"「{agency_code}」{year}年度报告已经发布。")
    annual = build_annual(session, Scope(agency, frozenset({agency.id})), year)
    snapshot = ReportSnapshot(
        agency_id=agency.id,
        year=year,
        format=annual.report.format.value,
        content=annual.to_dict() | dict(extra or {}),
        published_by=principal.actor,
        published_at=utcnow(),
    )
    session.add(snapshot)
    session.flush()
    audit.record(
        session,
        agency=agency,
        actor=principal.actor,
        action="report.publish",
        entity="report_snapshot",
        entity_id=snapshot.id,
        before=None,
        after=audit.snapshot(snapshot),
    )
    return snapshot


def get_publication(session: Session, principal: Principal, year: int, agency_code: str) -> ReportSnapshot:
    scope = resolve_scope(session, principal, agency_code)
    snapshot = repository.snapshot(session, scope.agency.id, year)
    if snapshot is None:
        raise NotFound("report_not_published", f"「{agency_code}」{year}年度报告尚未发布。")
    return snapshot


def is_published(session: Session, agency_id: int, year: int) -> bool:
    """Whether ``year``'s report of the agency is published (then ``guard_published`` has a change to check)."""
    return repository.published(session, agency_id, year)


def guard_published(
    session: Session,
    principal: Principal,
    case: DisclosureCase,
    year: int | None,
    action: str,
    override: str | None,
) -> None:
    """The one gate for changes to a case that would alter a cell of ``year``'s report (see
    ``report_integrity.year_altered``): nothing to do if that year is not published; refused (409 ``report_published``)
    unless an administrator gives a reason, which is then listed against the snapshot. The caller holds the
    agency's share lock, taken before the case's row (``case.service.get_case``), so a publication in progress has
    ended."""
    if year is None:
        return
    snapshot = repository.snapshot(session, case.agency_id, year)
    if snapshot is None:
        return
    may_override = principal.can(Permission.REPORT_PUBLISH, case.agency_id)
    reason = check_override(year, snapshot.published_at.date(), override, may_override)
    change = ReportSnapshotChange(case_id=case.id, action=action, reason=reason, actor=principal.actor, at=utcnow())
    snapshot.changes.append(change)
    session.flush()
    audit.record(
        session,
        agency=case.agency,
        actor=principal.actor,
        action="report.override",
        entity="report_snapshot",
        entity_id=snapshot.id,
        before=None,
        after={"year": year, **audit.snapshot(change, exclude=("snapshot_id",))},
    )
