"""Use cases of the whole annual report (政府信息公开工作年度报告): the document around the tables, its figures counted
in SQL (``app.report.repository``), the agency's own passages stored per year, the checks before publication, and
publication, which freezes the document with the tables.

The rules (outline, sentences, checks) are ``app.domain.annual_document``; the tables are ``app.report.service``.
Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.agency import locks as agency_locks
from app.agency import repository as agencies
from app.audit import service as audit
from app.auth.principal import Principal
from app.clock import utcnow
from app.domain import annual_document as doc
from app.domain.errors import InvalidInput, WrongState
from app.domain.roles import Permission
from app.domain.statistics import (
    REVIEW_KEYS,
    ROWS,
    AnnualReport,
    ApplicationsTable,
    ReportFormat,
    ReviewsTable,
    TableRow,
    build_applications_table,
    build_reviews_table,
    format_for_year,
    validate_active_disclosure,
)
from app.holiday.repository import load_calendar
from app.models import Agency, AnnualReportText, ReportSnapshot
from app.report import repository
from app.report import service as tables
from app.report.repository import Period
from app.report.service import Annual, Scope

DOCUMENT_KEY = "document"
"""Where a published snapshot keeps what the document was built from, besides the tables."""


@dataclass(frozen=True)
class Built:
    """A year's document with its tables, its checks and (consolidated) the annex of per-agency tables."""

    annual: Annual
    document: doc.AnnualDocument
    findings: list[doc.Finding]
    annex: list[AnnualReport]
    published: bool
    figures: doc.YearFigures
    previous: doc.Previous | None

    @property
    def report(self) -> AnnualReport:
        return self.annual.report

    def checks(self) -> list[dict[str, object]]:
        return doc.summarize(self.findings)

    def blocking(self) -> list[doc.Finding]:
        return [f for f in self.findings if f.rule in doc.BLOCKING]

    def to_dict(self) -> dict[str, object]:
        """The document (outline, paragraphs, figures), the tables' JSON contract, the checks, the annex."""
        return {
            "year": self.report.year,
            "format": self.report.format.value,
            "agency": self.report.agency_code,
            "agency_name": self.report.agency_name,
            "published": self.published,
            "document": self.document.to_dict(),
            "tables": self.annual.to_dict(),
            "checks": self.checks(),
            "annex": [report.to_dict() for report in self.annex],
        }


def _year_figures(session: Session, scope: Scope, period: Period) -> doc.YearFigures:
    calendar = load_calendar(session)
    t = repository.timeliness(session, scope.agency_ids, period)
    days = doc.total_working_days(calendar.working_days_between, t.ended, t.started, period.start)
    fees = repository.fees(session, scope.agency_ids, period)
    return doc.YearFigures(
        channels=dict(repository.channels(session, scope.agency_ids, period)),
        timeliness=doc.Timeliness(t.concluded, days, t.overdue, t.statutory_overdue, t.open_overdue),
        fees=doc.Fees(fees.count, fees.total),
    )


def _previous(session: Session, scope: Scope, year: int) -> doc.Previous | None:
    """Last year's figures, for the change on it: its published tables when it was published, else counted from the
    records, but only when they reach back into it (an agency that started using gongkai this year has no record of
    last year, and 0 would be a false comparison). None for the first report year."""
    if year - 1 < 2019:
        return None
    period = Period(year - 1)
    snapshot = repository.snapshot(session, scope.agency.id, year - 1) if scope.single else None
    if snapshot is not None:
        content = snapshot.content
        facts = doc.table_facts({r["key"]: r["values"] for r in content["applications"]["rows"]}, content["reviews"])
        return doc.Previous(facts, _year_figures(session, scope, period))
    first = repository.first_receipt(session, scope.agency_ids)
    if first is None or first > period.end:
        return None
    counts = repository.tally(session, scope.agency_ids, period)
    fmt = format_for_year(year - 1)
    applications = build_applications_table(
        fmt, counts.received, counts.carried_over, counts.concluded, counts.carried_forward
    )
    return doc.Previous(
        doc.facts_of(applications, build_reviews_table(counts.reviews)), _year_figures(session, scope, period)
    )


def _texts(session: Session, agency: Agency, year: int) -> dict[str, str]:
    row = repository.document_texts(session, agency.id, year)
    return {str(k): str(v) for k, v in row.texts.items()} if row else {}


def _table_problems(annual: Annual) -> tuple[list[str], list[str]]:
    """The failed table checks in Chinese: (arithmetic and data faults, carry-over)."""
    problems: list[str] = []
    carry: list[str] = []
    checks = annual.to_dict()["checks"]
    assert isinstance(checks, list)
    for check in checks:
        if check["ok"]:
            continue
        target = carry if check["rule"] == "carry_over" else problems
        detail = check["description"]
        cases = check.get("cases") or []
        if cases:
            detail += "（办件：" + "、".join(str(c["number"]) for c in cases) + "）"
        cells = check.get("cells") or []
        if cells and check["rule"] == "carry_over":
            detail += "：" + "；".join(f"{c['column']}列上年为{c['expected']}，本年为{c['actual']}" for c in cells)
        target.append(detail)
    return problems, carry


def _assemble(
    annual: Annual,
    figures: doc.YearFigures,
    previous: doc.Previous | None,
    texts: Mapping[str, str],
    signed_on: date | None,
    annex: list[AnnualReport],
    published: bool,
) -> Built:
    report = annual.report
    facts = doc.facts_of(report.applications, report.reviews)
    document = doc.build_document(
        year=report.year,
        fmt=report.format,
        agency_name=report.agency_name,
        facts=facts,
        figures=figures,
        previous=previous,
        texts=texts,
        has_active_table=report.active_disclosure is not None,
        signed_on=signed_on,
    )
    problems, carry = _table_problems(annual)
    findings = doc.check_document(document, facts, figures.fees, problems, carry)
    return Built(annual, document, findings, annex, published, figures, previous)


def build(session: Session, scope: Scope, year: int, today: date) -> Built:
    """The document as it stands: frozen from the snapshot once the (single agency's) year is published, counted from
    the records otherwise (a consolidated report always: publication is per agency)."""
    snapshot = repository.snapshot(session, scope.agency.id, year) if scope.single else None
    if snapshot is not None and DOCUMENT_KEY in snapshot.content:
        return _frozen(scope.agency, snapshot)
    annual = tables.build_annual(session, scope, year)
    period = Period(year)
    annex = []
    if not scope.single:
        members = sorted(
            (a for a in agencies.all_agencies(session) if a.id in scope.agency_ids),
            key=lambda a: (a.id != scope.agency.id, a.code),
        )
        annex = [tables.build_annual(session, Scope(a, frozenset({a.id})), year).report for a in members]
    return _assemble(
        annual,
        _year_figures(session, scope, period),
        _previous(session, scope, year),
        _texts(session, scope.agency, year),
        today,
        annex,
        published=False,
    )


def _report_from_snapshot(agency: Agency, snapshot: ReportSnapshot) -> AnnualReport:
    """The published tables as an :class:`AnnualReport` again (row groups from the format's layout)."""
    content = snapshot.content
    fmt = ReportFormat(snapshot.format)
    values = {r["key"]: tuple(r["values"]) for r in content["applications"]["rows"]}
    rows = tuple(TableRow(s.key, s.label, s.group, values[s.key]) for s in ROWS[fmt])
    active = content.get("active_disclosure")
    return AnnualReport(
        year=snapshot.year,
        format=fmt,
        agency_code=agency.code,
        agency_name=str(content["agency_name"]),
        applications=ApplicationsTable(fmt, rows),
        reviews=ReviewsTable(tuple(int(content["reviews"][k]) for k in REVIEW_KEYS)),
        active_disclosure=validate_active_disclosure(fmt, active) if active else None,
    )


def _frozen(agency: Agency, snapshot: ReportSnapshot) -> Built:
    frozen = snapshot.content[DOCUMENT_KEY]
    report = _report_from_snapshot(agency, snapshot)
    checks = [c for c in snapshot.content["checks"] if str(c["rule"]).startswith(("data.", "carry_over"))]
    previous = frozen.get("previous")
    return _assemble(
        Annual(report, checks),
        doc.YearFigures.from_dict(frozen["figures"]),
        doc.Previous(previous["facts"], doc.YearFigures.from_dict(previous["figures"])) if previous else None,
        frozen["texts"],
        date.fromisoformat(frozen["signed_on"]),
        [],
        published=True,
    )


def annual_document(
    session: Session, principal: Principal, year: int, agency_code: str, today: date, *, consolidated: bool = False
) -> Built:
    scope = tables.resolve_scope(session, principal, agency_code, consolidated=consolidated)
    format_for_year(year)
    return build(session, scope, year, today)


def check_published_text(text: str, report: Mapping[str, Any], fees: doc.Fees | None = None) -> list[doc.Finding]:
    """A published report's prose (plain text) against its tables (the JSON contract): every number it states about
    a cell and that disagrees, named by the heading above it and its line."""
    applications = report.get("applications")
    reviews = report.get("reviews") or {}
    if not isinstance(applications, Mapping) or not isinstance(applications.get("rows"), list):
        raise InvalidInput("report_tables_invalid", "统计表应为年度报表 JSON（含 applications.rows）。")
    try:
        rows = {str(r["key"]): [int(v) for v in r["values"]] for r in applications["rows"]}
        facts = doc.table_facts(rows, {str(k): int(v) for k, v in dict(reviews).items()})
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("report_tables_invalid", "统计表的行应为 {key, values}，数值为整数。") from None
    year = report.get("year")
    return doc.check_prose(doc.split_report_text(text), facts, fees, year if isinstance(year, int) else None)


# --- the agency's own passages ---------------------------------------------------------------------------------------


def get_texts(
    session: Session, principal: Principal, year: int, agency_code: str
) -> tuple[AnnualReportText | None, doc.Outline]:
    scope = tables.resolve_scope(session, principal, agency_code)
    return repository.document_texts(session, scope.agency.id, year), doc.outline_for(format_for_year(year))


def put_texts(
    session: Session, principal: Principal, year: int, agency_code: str, texts: Mapping[str, object]
) -> AnnualReportText:
    """Replace the agency's passages for the year (each key of the year's outline; an empty text removes it). Refused
    once the year is published, like the tables."""
    agency = tables.agency_for(session, principal, agency_code, Permission.REPORT_PUBLISH)
    fmt = format_for_year(year)
    try:
        clean = doc.validate_texts(fmt, texts)
    except ValueError as error:
        raise InvalidInput("report_text_invalid", f"年度报告正文：{error}。") from None
    agency_locks.share(session, [agency.id])  # a publication in progress ends first, or waits for this edit
    if repository.published(session, agency.id, year):
        raise WrongState("report_published", f"{year}年度报告已发布，正文不能再修改。")
    row = repository.document_texts(session, agency.id, year) or AnnualReportText(agency_id=agency.id, year=year)
    with audit.changing(
        session, row, agency=agency, actor=principal.actor, action="report.text", entity="annual_report_text"
    ):
        row.texts = clean
        row.updated_by = principal.actor
        row.updated_at = utcnow()
    return row


# --- publication -----------------------------------------------------------------------------------------------------


def publish(session: Session, principal: Principal, year: int, agency_code: str, today: date) -> ReportSnapshot:
    """Publish the year's report: every blocking check must hold (each failure named by its paragraph, 409
    ``report_checks_failed``); the snapshot then freezes the tables and what the document was built from, so that the
    published document is rebuilt identically however the records change afterwards."""
    agency = tables.agency_for(session, principal, agency_code, Permission.REPORT_PUBLISH)
    agency_locks.lock(session, agency)  # the document's figures and checks from the same records as its tables
    scope = Scope(agency, frozenset({agency.id}))
    if year < today.year and not repository.published(session, agency.id, year):
        built = build(session, scope, year, today)
        if failed := built.blocking():
            listed = "；".join(f"{f.where}：{f.message}" for f in failed[:10])
            more = f"（另有{len(failed) - 10}处）" if len(failed) > 10 else ""
            raise WrongState("report_checks_failed", f"年度报告未通过发布前检查，共{len(failed)}处：{listed}{more}")
        previous = built.previous
        frozen = {
            "texts": dict(built.document.texts),
            "figures": built.figures.to_dict(),
            "previous": {"facts": dict(previous.facts), "figures": previous.figures.to_dict()} if previous else None,
            "signed_on": today.isoformat(),
        }
        return tables.publish(session, principal, year, agency_code, today, extra={DOCUMENT_KEY: frozen})
    return tables.publish(session, principal, year, agency_code, today)


def text_fields(fmt: ReportFormat) -> Sequence[doc.TextField]:
    return doc.outline_for(fmt).fields
