"""Every query of the annual report. SQL counts (GROUP BY over indexed date ranges); no case is loaded to be counted.

Each row of 「收到和处理政府信息公开申请情况」 has one predicate (:func:`row_predicate`), used both to count
(``COUNT(*) FILTER (WHERE …)``) and to list the cases behind a cell (:func:`trace`), so the two cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Boolean, ColumnElement, Row, and_, case, func, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from app.domain.codes import ApplicantType, Disposition, ReviewKind, ReviewOutcome
from app.domain.lifecycle import EventType
from app.domain.report_integrity import DataFault, FaultyCase, row_dispositions
from app.domain.statistics import CARRIED_FORWARD, CARRIED_OVER, RECEIVED, TOTAL, ReportFormat
from app.models import ActiveDisclosure, Agency, CaseEvent, CaseReview, DisclosureCase, ReportSnapshot
from app.models.report import CONCLUDED_BEFORE_RECEIVED, DISPOSITION_MISMATCH

Case = DisclosureCase


def _sql(predicate: str) -> ColumnElement[bool]:
    """A partial-index predicate of ``app.models.report``, verbatim, so that the planner matches the index."""
    return literal_column(predicate, Boolean)


@dataclass(frozen=True)
class Period:
    """A report year: 1 Jan to 31 Dec, and the 31 Dec before it (二 counts what was open then)."""

    year: int

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return date(self.year, 12, 31)

    @property
    def previous_end(self) -> date:
        return date(self.year - 1, 12, 31)


def received_in(p: Period) -> ColumnElement[bool]:
    """一: received (legal receipt date, 条例 Art. 31) in the year."""
    return Case.received_date.between(p.start, p.end)


def open_at(day: date) -> ColumnElement[bool]:
    """Received on or before ``day`` and not concluded by then: 二 (31 Dec of the year before) and 四 (31 Dec)."""
    return and_(Case.received_date <= day, or_(Case.concluded_on.is_(None), Case.concluded_on > day))


def concluded_in(p: Period) -> ColumnElement[bool]:
    """三: concluded in the year, whenever received. A conclusion without a disposition is a data fault, not counted."""
    return and_(Case.concluded_on.between(p.start, p.end), Case.disposition.is_not(None))


def row_predicate(fmt: ReportFormat, p: Period, row: str) -> ColumnElement[bool]:
    """The cases a row of the applications table counts. Raises KeyError for a key the format does not have."""
    rows = {RECEIVED: received_in(p), CARRIED_OVER: open_at(p.previous_end), CARRIED_FORWARD: open_at(p.end)}
    if row in rows:
        return rows[row]
    if row == TOTAL:
        return concluded_in(p)
    codes = row_dispositions(fmt)[row]
    return and_(concluded_in(p), Case.disposition.in_(sorted(codes)))


def column_predicate(column: str) -> ColumnElement[bool] | None:
    return None if column == TOTAL else Case.applicant_type == ApplicantType(column).value


@dataclass
class Tally:
    """The counts the applications table is built from (see ``statistics.build_applications_table``)."""

    received: Counter[ApplicantType] = field(default_factory=Counter)
    carried_over: Counter[ApplicantType] = field(default_factory=Counter)
    concluded: Counter[tuple[Disposition, ApplicantType]] = field(default_factory=Counter)
    carried_forward: Counter[ApplicantType] = field(default_factory=Counter)


def _window(p: Period) -> tuple[ColumnElement[bool], ...]:
    """Disjoint, index-friendly slices whose union holds every case any row of the year counts: cases still open,
    cases concluded on or after 1 Jan (one range of ``ix_disclosure_case_report_concluded``), and cases concluded
    before they were received (a fault, found through its partial index)."""
    return (
        Case.concluded_on.is_(None),
        Case.concluded_on >= p.start,
        and_(_sql(CONCLUDED_BEFORE_RECEIVED), Case.concluded_on < p.start),
    )


def tally(session: Session, agency_ids: Collection[int], p: Period) -> Tally:
    counted = (
        func.count().filter(received_in(p)),
        func.count().filter(open_at(p.previous_end)),
        func.count().filter(concluded_in(p)),
        func.count().filter(open_at(p.end)),
    )
    branches = [
        select(Case.applicant_type, Case.disposition, *counted)
        .where(Case.agency_id.in_(agency_ids), slice_)
        .group_by(Case.applicant_type, Case.disposition)
        for slice_ in _window(p)
    ]
    result = Tally()
    for applicant, disposition, received, carried_over, concluded, carried_forward in session.execute(
        union_all(*branches)
    ):
        who = ApplicantType(applicant)
        result.received[who] += received
        result.carried_over[who] += carried_over
        result.carried_forward[who] += carried_forward
        if concluded and disposition is not None:
            result.concluded[Disposition(disposition), who] += concluded
    return result


ReviewCounts = Counter[tuple[ReviewKind, ReviewOutcome]]


def review_counts(session: Session, agency_ids: Collection[int], p: Period) -> ReviewCounts:
    """Reviews and lawsuits filed in the year, by their outcome on 31 Dec: one decided later is still pending."""
    outcome = case((CaseReview.decided_on <= p.end, CaseReview.outcome), else_=ReviewOutcome.PENDING.value)
    rows = session.execute(
        select(CaseReview.kind, outcome, func.count())
        .join(Case, Case.id == CaseReview.case_id)
        .where(Case.agency_id.in_(agency_ids), CaseReview.filed_on.between(p.start, p.end))
        .group_by(CaseReview.kind, outcome)
    )
    return Counter({(ReviewKind(kind), ReviewOutcome(result)): count for kind, result, count in rows})


@dataclass(frozen=True)
class Fees:
    count: int
    total: int
    """Yuan collected (``fee_paid`` events dated in the year)."""


def fees(session: Session, agency_ids: Collection[int], p: Period) -> Fees:
    amount = CaseEvent.data["amount"].as_integer()
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(amount), 0))
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            CaseEvent.type == EventType.FEE_PAID.value,
            CaseEvent.on.between(p.start, p.end),
            Case.agency_id.in_(agency_ids),
        )
    ).one()
    return Fees(count, total)


def _relevant(p: Period) -> ColumnElement[bool]:
    """A case some row of the year could count."""
    return and_(
        Case.received_date <= p.end,
        or_(Case.concluded_on.is_(None), Case.concluded_on >= p.start, Case.received_date >= p.start),
    )


def _case_faults(p: Period) -> dict[DataFault, ColumnElement[bool]]:
    mismatch = _sql(DISPOSITION_MISMATCH)
    return {
        DataFault.CONCLUDED_BEFORE_RECEIVED: _sql(CONCLUDED_BEFORE_RECEIVED),
        DataFault.CONCLUDED_WITHOUT_DISPOSITION: and_(mismatch, Case.concluded_on.is_not(None)),
        DataFault.DISPOSITION_WITHOUT_CONCLUSION: and_(mismatch, Case.concluded_on.is_(None)),
    }


def _review_faults() -> dict[DataFault, ColumnElement[bool]]:
    return {
        DataFault.REVIEW_DECIDED_BEFORE_FILED: CaseReview.decided_on < CaseReview.filed_on,
        DataFault.REVIEW_DECIDED_WITHOUT_DATE: and_(
            CaseReview.outcome != ReviewOutcome.PENDING.value, CaseReview.decided_on.is_(None)
        ),
    }


def faults(session: Session, agency_ids: Collection[int], p: Period) -> dict[DataFault, list[FaultyCase]]:
    """Records of the year that a table cannot count correctly, each kind with the cases at fault."""
    found: dict[DataFault, list[FaultyCase]] = {}
    base = select(Case.id, Case.number, Agency.code).join(Agency, Agency.id == Case.agency_id)
    for fault, predicate in _case_faults(p).items():
        stmt = base.where(Case.agency_id.in_(agency_ids), predicate, _relevant(p))
        found[fault] = [FaultyCase(*row) for row in session.execute(stmt.order_by(Case.id))]
    for fault, predicate in _review_faults().items():
        stmt = base.join(CaseReview, CaseReview.case_id == Case.id).where(
            Case.agency_id.in_(agency_ids), CaseReview.filed_on.between(p.start, p.end), predicate
        )
        found[fault] = [FaultyCase(*row) for row in session.execute(stmt.distinct().order_by(Case.id))]
    return found


def trace(
    session: Session, agency_ids: Collection[int], fmt: ReportFormat, p: Period, row: str, column: str
) -> Sequence[Row[int, str, str, str, date, date | None, str | None]]:
    """The cases behind one cell, by the same predicates that count it."""
    stmt = (
        select(
            Case.id,
            Case.number,
            Agency.code,
            Case.applicant_type,
            Case.received_date,
            Case.concluded_on,
            Case.disposition,
        )
        .join(Agency, Agency.id == Case.agency_id)
        .where(Case.agency_id.in_(agency_ids), row_predicate(fmt, p, row))
        .order_by(Case.received_date, Case.id)
    )
    if (by_column := column_predicate(column)) is not None:
        stmt = stmt.where(by_column)
    return session.execute(stmt).all()


def active_disclosure(session: Session, agency_id: int, year: int) -> ActiveDisclosure | None:
    return session.scalars(
        select(ActiveDisclosure).where(ActiveDisclosure.agency_id == agency_id, ActiveDisclosure.year == year)
    ).one_or_none()


def snapshot(session: Session, agency_id: int, year: int, *, for_update: bool = False) -> ReportSnapshot | None:
    stmt = select(ReportSnapshot).where(ReportSnapshot.agency_id == agency_id, ReportSnapshot.year == year)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()
