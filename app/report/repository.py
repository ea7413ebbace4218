"""Every query of the annual report. SQL counts (GROUP BY over indexed date ranges); no case is loaded to be counted.

Each row of 「收到和处理政府信息公开申请情况」 has one predicate (:func:`row_predicate`), used both to count
(``COUNT(*) FILTER (WHERE …)``) and to list the cases behind a cell (:func:`trace`), so the two cannot disagree.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Result,
    Row,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from app.db import reading
from app.domain.codes import ApplicantType, Channel, Disposition, ReviewKind, ReviewOutcome
from app.domain.lifecycle import EventType
from app.domain.report_integrity import DataFault, FaultyCase, row_dispositions
from app.domain.statistics import CARRIED_FORWARD, CARRIED_OVER, RECEIVED, TOTAL, ReportFormat
from app.models import (
    ActiveDisclosure,
    Agency,
    AnnualReportText,
    CaseEvent,
    CaseReview,
    DisclosureCase,
    ReportSnapshot,
)
from app.models.report import (
    CASE_FAULT,
    CONCLUDED_BEFORE_RECEIVED,
    DISPOSITION_MISMATCH,
    REVIEW_DECIDED_BEFORE_FILED,
    REVIEW_DECIDED_WITHOUT_DATE,
    REVIEW_FAULT,
)

Case = DisclosureCase

SCOPE: BindParameter[list[int]] = bindparam("scope", expanding=True)
"""The agencies of a year-end statement built once per year (:func:`_tally_statement`, :func:`_faults_statement`):
the statement is built, and its cache key computed, once, not on every report (a fixed ~1 ms of Python otherwise).
One list per execution: a statement that needed two different sets of agencies could not use it for both."""


def _sql(predicate: str) -> ColumnElement[bool]:
    """A partial-index predicate of ``app.models.report``, verbatim, so that the planner matches the index:
    parenthesised (it may contain ``OR``) and untyped (a ``Boolean`` would be rendered ``(…) = 1`` on SQLite, which no
    longer matches the index's WHERE clause)."""
    return literal_column(f"({predicate})")


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
    reviews: Counter[tuple[ReviewKind, ReviewOutcome]] = field(default_factory=Counter)
    """The reviews table: reviews and lawsuits filed in the year, by kind and outcome on 31 Dec."""


def tally(session: Session, agency_ids: Collection[int], p: Period) -> Tally:
    """The counts of both tables in one round trip (a UNION ALL, whose branches PostgreSQL may run in parallel): for
    the applications table one GROUP BY applicant type × disposition per slice, each slice an index range, the slices
    disjoint and together holding every case some row of the year counts; then the reviews (:func:`_reviews`).

    * the year's conclusions, ``concluded_on`` in [1 Jan, 31 Dec]: the same index-only range as the bare GROUP BY
      (``ix_disclosure_case_report_concluded``), and nearly all the rows. Only two dates are compared per case here,
      the receipt date with 1 Jan and with 31 Dec: such a case was open on the 31 Dec before (二, :func:`open_at`) iff
      it was received before 1 Jan, and received in the year (一, :func:`received_in`) unless that, or received after
      31 Dec (concluded before received: a data fault). 三 is the group's count (the slice is :func:`concluded_in` but
      for the disposition, which is a group key: a group without one is a data fault and is not counted), and 四
      (:func:`open_at` 31 Dec) cannot hold for a case concluded by 31 Dec. (This slice alone, in SQLite's
      instructions at 100,000 cases: 1.34× the bare GROUP BY's when it tested the rows' own predicates, four
      comparisons; 1.23× now.)
    * cases still open (``concluded_on IS NULL``) and cases concluded after 31 Dec: two more ranges of the same index,
      small, where every row's predicate is tested;
    * faulty cases concluded before 1 Jan (received in the year but concluded before it): through the partial index
      ``ix_disclosure_case_report_fault``, normally empty. Its date test is deliberately not sargable (``coalesce``): a
      plain ``concluded_on < :start`` would make the planners prefer the covering index and read every older case.

    Rows are counted by the same predicates (:func:`row_predicate`) that :func:`trace` lists a cell's cases with.
    """
    result = Tally()
    rows: Result[bool, str, str | None, int, int, int, int] = session.execute(
        _tally_statement(p), {"scope": sorted(agency_ids)}
    )
    for review, applicant, disposition, received, carried_over, concluded, carried_forward in rows:
        if review:  # kind, outcome, count
            result.reviews[ReviewKind(applicant), ReviewOutcome(str(disposition))] += received
            continue
        who = _applicant(applicant)
        result.received[who] += received
        result.carried_over[who] += carried_over
        result.carried_forward[who] += carried_forward
        if concluded and disposition is not None:
            result.concluded[_disposition(disposition), who] += concluded
    return result


# A code's member, converted once (``statistics._index`` says why).
_applicant = functools.cache(ApplicantType)
_disposition = functools.cache(Disposition)


@functools.lru_cache(maxsize=16)
def _tally_statement(p: Period) -> CompoundSelect[bool, str, str | None, int, int, int, int]:
    """:func:`tally`'s statement for a year, its agencies bound when it runs (:data:`SCOPE`)."""
    every_row = (
        func.count().filter(received_in(p)),
        func.count().filter(open_at(p.previous_end)),
        func.count().filter(concluded_in(p)),
        func.count().filter(open_at(p.end)),
    )
    slices = (
        (Case.concluded_on.is_(None), every_row),
        (Case.concluded_on > p.end, every_row),
        (and_(_sql(CASE_FAULT), func.coalesce(Case.concluded_on, p.start) < p.start), every_row),
    )
    branches = [
        select(literal(False).label("review"), Case.applicant_type, Case.disposition, *counted)
        .where(Case.agency_id.in_(SCOPE), slice_)
        .group_by(Case.applicant_type, Case.disposition)
        for slice_, counted in slices
    ]
    year = (
        select(
            Case.applicant_type,
            Case.disposition,
            func.count().label("concluded"),
            func.count().filter(Case.received_date < p.start).label("before"),
            func.count().filter(Case.received_date > p.end).label("after"),
        )
        .where(Case.agency_id.in_(SCOPE), Case.concluded_on.between(p.start, p.end))
        .group_by(Case.applicant_type, Case.disposition)
        .subquery()
    ).c
    in_year = (year.concluded - year.before - year.after, year.before, year.concluded, literal(0))
    branches.insert(0, select(literal(False).label("review"), year.applicant_type, year.disposition, *in_year))
    return union_all(*branches, _reviews(p))


def review_of(agency_ids: Collection[int] | BindParameter[list[int]]) -> ColumnElement[bool]:
    """Reviews of the agencies' cases, by the review's own copy of its case's agency (set when filed; a case never
    changes agency): with :func:`review_filed_in`, one index-only range of ``ix_case_review_report`` per agency,
    without reading the cases."""
    return CaseReview.agency_id.in_(agency_ids)


def review_outcome(p: Period) -> ColumnElement[str]:
    """A review's outcome on 31 Dec of the report year: one decided later is still pending (表五 counts by status at
    year end)."""
    return case((CaseReview.decided_on <= p.end, CaseReview.outcome), else_=ReviewOutcome.PENDING.value)


def review_filed_in(p: Period) -> ColumnElement[bool]:
    return CaseReview.filed_on.between(p.start, p.end)


def _reviews(p: Period) -> Select[bool, str, str, int, int, int, int]:
    """Reviews and lawsuits filed in the year, by their outcome on 31 Dec. Shaped like the applications branches of
    :func:`tally` (kind, outcome, count), flagged ``review``."""
    outcome = review_outcome(p)
    return (
        select(literal(True), CaseReview.kind, outcome, func.count(), literal(0), literal(0), literal(0))
        .where(review_of(SCOPE), review_filed_in(p))
        .group_by(CaseReview.kind, outcome)
    )


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
    """A case the year's table counts in some row, or one concluded in the year that it cannot count (no
    disposition). A case concluded before it was received concerns both years (its 一 and its 三)."""
    return or_(received_in(p), open_at(p.previous_end), Case.concluded_on.between(p.start, p.end), open_at(p.end))


def _flag(predicate: ColumnElement[bool]) -> ColumnElement[bool]:
    """A fault test as a selected column: it classifies the rows the partial index found, without entering the WHERE
    clause (where it would steer the planner away from that index)."""
    return case((predicate, True), else_=False)


def faults(session: Session, agency_ids: Collection[int], p: Period) -> dict[DataFault, list[FaultyCase]]:
    """Records of the year that a table cannot count correctly, each kind with the cases at fault.

    Normally one round trip reading two partial indexes that hold only faulty rows (``CASE_FAULT`` on cases,
    ``REVIEW_FAULT`` on reviews), so the cost does not grow with the number of cases. Each row says which faults it has
    and whether the year is concerned. Faulty reviews are read without their case (every agency's: there are normally
    none): joined to it, PostgreSQL, which cannot estimate the predicate, plans a parallel scan of every review. Their
    cases, if any, are then looked up by id within the agencies."""
    kinds = (
        DataFault.CONCLUDED_BEFORE_RECEIVED,
        DataFault.CONCLUDED_WITHOUT_DISPOSITION,
        DataFault.DISPOSITION_WITHOUT_CONCLUSION,
        DataFault.REVIEW_DECIDED_BEFORE_FILED,
        DataFault.REVIEW_DECIDED_WITHOUT_DATE,
    )
    found: dict[DataFault, set[int]] = {fault: set() for fault in DataFault}
    named: dict[int, FaultyCase] = {}
    rows: Result[int, str | None, str | None, bool, bool, bool, bool, bool, bool] = session.execute(
        _faults_statement(p), {"scope": sorted(agency_ids)}
    )
    for case_id, number, code, *flags, relevant in rows:
        if number is not None and code is not None:
            named[case_id] = FaultyCase(case_id, number, code)
        if relevant:
            for fault, flag in zip(kinds, flags, strict=True):
                if flag:
                    found[fault].add(case_id)
    if unnamed := set().union(*found.values()) - named.keys():
        stmt = (
            select(Case.id, Case.number, Agency.code)
            .join(Agency, Agency.id == Case.agency_id)
            .where(Case.id.in_(sorted(unnamed)), Case.agency_id.in_(agency_ids))
        )
        named |= {case_id: FaultyCase(case_id, number, code) for case_id, number, code in session.execute(stmt)}
    return {fault: [named[i] for i in sorted(ids) if i in named] for fault, ids in found.items()}


@functools.lru_cache(maxsize=16)
def _faults_statement(p: Period) -> CompoundSelect[int, str | None, str | None, bool, bool, bool, bool, bool, bool]:
    """:func:`faults`' statement for a year, its agencies bound when it runs (:data:`SCOPE`)."""
    mismatch = _sql(DISPOSITION_MISMATCH)
    cases = (
        select(
            Case.id,
            Case.number,
            Agency.code,
            _flag(_sql(CONCLUDED_BEFORE_RECEIVED)),
            _flag(and_(mismatch, Case.concluded_on.is_not(None))),
            _flag(and_(mismatch, Case.concluded_on.is_(None))),
            false(),
            false(),
            _flag(_relevant(p)),
        )
        .join(Agency, Agency.id == Case.agency_id)
        .where(Case.agency_id.in_(SCOPE), _sql(CASE_FAULT))
    )
    reviews = select(
        CaseReview.case_id,
        null(),
        null(),
        false(),
        false(),
        false(),
        _flag(_sql(REVIEW_DECIDED_BEFORE_FILED)),
        _flag(_sql(REVIEW_DECIDED_WITHOUT_DATE)),
        _flag(CaseReview.filed_on.between(p.start, p.end)),
    ).where(_sql(REVIEW_FAULT))
    return union_all(cases, reviews)


TRACED = (
    Case.id,
    Case.number,
    Agency.code.label("agency"),
    Case.applicant_type,
    Case.received_date,
    Case.concluded_on,
    Case.disposition,
)
TracedRow = Row[int, str, str, str, date, date | None, str | None]


def trace(
    session: Session, agency_ids: Collection[int], fmt: ReportFormat, p: Period, row: str, column: str
) -> Sequence[TracedRow]:
    """The cases behind one cell of the applications table, by the same predicates that count it."""
    stmt = (
        select(*TRACED)
        .join(Agency, Agency.id == Case.agency_id)
        .where(Case.agency_id.in_(agency_ids), row_predicate(fmt, p, row))
        .order_by(Case.received_date, Case.id)
    )
    if (by_column := column_predicate(column)) is not None:
        stmt = stmt.where(by_column)
    return session.execute(stmt).all()


def trace_reviews(
    session: Session, agency_ids: Collection[int], p: Period, kind: ReviewKind, outcome: ReviewOutcome | None
) -> Sequence[TracedRow]:
    """The cases behind one cell of the reviews table (one line per review: a case reviewed twice is listed
    twice, as it is counted twice), by the same predicates as :func:`_reviews`; ``outcome`` None is the 总计."""
    stmt = (
        select(*TRACED)
        .select_from(CaseReview)
        .join(Case, Case.id == CaseReview.case_id)
        .join(Agency, Agency.id == Case.agency_id)
        .where(review_of(agency_ids), review_filed_in(p), CaseReview.kind == kind.value)
        .order_by(CaseReview.filed_on, CaseReview.id)
    )
    if outcome is not None:
        stmt = stmt.where(review_outcome(p) == outcome.value)
    return session.execute(stmt).all()


def _of_year(model: type[ActiveDisclosure] | type[ReportSnapshot], years_before: int = 0) -> ColumnElement[bool]:
    """The agency's row of the year bound as ``year`` (or of ``years_before`` years earlier)."""
    return and_(model.agency_id == bindparam("agency_id"), model.year == bindparam("year") - years_before)


# An agency's year, built once: every creation reads the last.
_ACTIVE_DISCLOSURE = select(ActiveDisclosure).where(_of_year(ActiveDisclosure))
_SNAPSHOT = select(ReportSnapshot).where(_of_year(ReportSnapshot))
_SNAPSHOT_FOR_UPDATE = _SNAPSHOT.with_for_update()
_PUBLISHED = select(ReportSnapshot.id).where(_of_year(ReportSnapshot))


@dataclass(frozen=True)
class YearInputs:
    """What a year's tables read beside the counts (:func:`year_inputs`). A table is its format and its values."""

    active: tuple[str, dict[str, Any]] | None
    """The agency's 主动公开 table of the year, as entered."""
    previous: tuple[str, dict[str, Any]] | None
    """Last year's published report of the agency (``ReportSnapshot.content``), if it is published."""
    faulty: bool
    """Whether some record in scope (or some review anywhere), of any year, is faulty: only then are the faults worth
    reading (:func:`faults`)."""


def year_inputs(session: Session, agency_id: int, agency_ids: Collection[int], p: Period) -> YearInputs:
    """The inputs of :class:`YearInputs` in one round trip: each a scalar subquery on a unique key, or a count over a
    partial index that holds only faulty rows (normally none). A count, not ``EXISTS``: PostgreSQL cannot estimate
    the fault predicates, and for the first row of an ``EXISTS`` it plans a scan of the whole table. On PostgreSQL a
    round trip is the cost of a small read: the year-end tables made five where the bare count makes one
    (``bench/README.md``, eighth pass)."""
    row = session.execute(_YEAR_INPUTS, {"agency_id": agency_id, "year": p.year, "scope": sorted(agency_ids)}).one()
    active_format, active_values, previous_format, previous_content, faulty_case, faulty_review = row
    return YearInputs(
        (active_format, active_values) if active_format is not None else None,
        (previous_format, previous_content) if previous_format is not None else None,
        bool(faulty_case or faulty_review),
    )


_YEAR_INPUTS = select(
    select(ActiveDisclosure.format).where(_of_year(ActiveDisclosure)).scalar_subquery(),
    select(ActiveDisclosure.values).where(_of_year(ActiveDisclosure)).scalar_subquery(),
    select(ReportSnapshot.format).where(_of_year(ReportSnapshot, 1)).scalar_subquery(),
    select(ReportSnapshot.content).where(_of_year(ReportSnapshot, 1)).scalar_subquery(),
    select(func.count()).select_from(Case).where(Case.agency_id.in_(SCOPE), _sql(CASE_FAULT)).scalar_subquery(),
    select(func.count()).select_from(CaseReview).where(_sql(REVIEW_FAULT)).scalar_subquery(),
)


def active_disclosure(session: Session, agency_id: int, year: int) -> ActiveDisclosure | None:
    return session.scalars(_ACTIVE_DISCLOSURE, {"agency_id": agency_id, "year": year}).one_or_none()


def snapshot(session: Session, agency_id: int, year: int, *, for_update: bool = False) -> ReportSnapshot | None:
    stmt = _SNAPSHOT_FOR_UPDATE if for_update else _SNAPSHOT
    return session.scalars(stmt, {"agency_id": agency_id, "year": year}).one_or_none()


def published(session: Session, agency_id: int, year: int) -> bool:
    """Whether the year's report of the agency is published: its snapshot's id only, never its content (the tables
    and the document, read on every case creation of that year otherwise)."""
    return reading(session).scalar(_PUBLISHED, {"agency_id": agency_id, "year": year}) is not None


def channels(session: Session, agency_ids: Collection[int], p: Period) -> Counter[Channel]:
    """一 by the channel the applications came in (Art. 31): one GROUP BY over the year's receipts."""
    rows: Result[str, int] = session.execute(
        select(Case.channel, func.count()).where(Case.agency_id.in_(agency_ids), received_in(p)).group_by(Case.channel)
    )
    return Counter({Channel(channel): count for channel, count in rows})


@dataclass(frozen=True)
class Timeliness:
    """The year's replies as counts: cases per conclusion day and per start day of their reply period (the
    working days between are summed by ``annual_document.total_working_days``), and the late ones."""

    ended: dict[date, int]
    started: dict[date, int]
    concluded: int
    overdue: int
    statutory_overdue: int
    open_overdue: int


def timeliness(session: Session, agency_ids: Collection[int], p: Period) -> Timeliness:
    """One round trip: the year's conclusions per conclusion day (index-only over ``concluded_on``) and per start day
    of their reply period, counting those concluded after the agency's deadline and after the statutory one in the
    same pass; then the cases still open on 31 Dec past the agency's deadline, read from the two small ranges of open
    cases (``concluded_on`` NULL or after 31 Dec, the rest a FILTER) as in :func:`tally`, not from every case
    received before 31 Dec. The
    due dates are the projection stored on each case (``app.domain.clock``)."""
    mine = Case.agency_id.in_(agency_ids)
    # A statutory deadline that passed before a late correction notice stays passed (app.domain.clock): the case
    # is late against both deadlines (the agency's never lies after the statute's), whenever it is concluded.
    breached = Case.statutory_breached_on.is_not(None)
    open_overdue = (Case.received_date <= p.end, or_(Case.due_date < p.end, Case.statutory_breached_on < p.end))
    rows: Result[str, date, int, int, int] = session.execute(
        union_all(
            select(literal("end"), Case.concluded_on, func.count(), literal(0), literal(0))
            .where(mine, concluded_in(p))
            .group_by(Case.concluded_on),
            select(
                literal("start"),
                Case.clock_start,
                func.count(),
                func.count().filter(or_(Case.concluded_on > Case.due_date, breached)),
                func.count().filter(or_(Case.concluded_on > Case.statutory_due_date, breached)),
            )
            .where(mine, concluded_in(p))
            .group_by(Case.clock_start),
            *(
                select(
                    literal("open"), literal(p.end), func.count().filter(*open_overdue), literal(0), literal(0)
                ).where(mine, still_open)
                for still_open in (Case.concluded_on.is_(None), Case.concluded_on > p.end)
            ),
        )
    )
    ended: dict[date, int] = {}
    started: dict[date, int] = {}
    overdue = statutory = still_open_overdue = 0
    for what, day, count, late, breach in rows:
        if what == "end":
            ended[day] = count
        elif what == "start":
            started[day] = count
            overdue += late
            statutory += breach
        else:
            still_open_overdue += count
    return Timeliness(ended, started, sum(ended.values()), overdue, statutory, still_open_overdue)


def first_receipt(session: Session, agency_ids: Collection[int]) -> date | None:
    """The earliest legal receipt date on record: before it the records say nothing (not even that nothing came)."""
    return session.scalar(select(func.min(Case.received_date)).where(Case.agency_id.in_(agency_ids)))


def document_texts(session: Session, agency_id: int, year: int) -> AnnualReportText | None:
    return session.scalars(
        select(AnnualReportText).where(AnnualReportText.agency_id == agency_id, AnnualReportText.year == year)
    ).one_or_none()
