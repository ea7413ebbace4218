"""Every query on cases. Filters that mirror a rule (``overdue``) say which rule they mirror."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    func,
    insert,
    inspect,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, make_transient_to_detached, selectinload

from app.db import insert_or_ignore
from app.domain.codes import ApplicantType
from app.domain.lifecycle import CLOCK_RUNNING, CaseStatus
from app.models import CaseCounter, CaseEvent, DisclosureCase


@dataclass(frozen=True)
class CaseFilter:
    agency_ids: Collection[int]
    status: CaseStatus | None = None
    applicant_type: ApplicantType | None = None
    received_from: date | None = None
    received_to: date | None = None
    due_before: date | None = None
    overdue_as_of: date | None = None
    external_ref: str | None = None
    text: str | None = None
    text_in_names: bool = True
    """Whether ``text`` is looked for in applicants' names: not for a reader who sees them masked (an auditor could
    otherwise learn who applied by searching names)."""
    handler_user_id: int | None = None
    open_only: bool = False
    """Leave concluded cases out (我的待办)."""


SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "due_date": (DisclosureCase.due_date.asc().nulls_last(), DisclosureCase.id.asc()),
    "-due_date": (DisclosureCase.due_date.desc().nulls_last(), DisclosureCase.id.desc()),
    "received_date": (DisclosureCase.received_date.asc(), DisclosureCase.id.asc()),
    "-received_date": (DisclosureCase.received_date.desc(), DisclosureCase.id.desc()),
    "number": (DisclosureCase.year.asc(), DisclosureCase.seq.asc(), DisclosureCase.id.asc()),
    "-number": (DisclosureCase.year.desc(), DisclosureCase.seq.desc(), DisclosureCase.id.desc()),
}
"""The orders of the list, each ending in the id so that it is total (a keyset can resume it)."""

_SORT_KEYS: dict[str, tuple[InstrumentedAttribute[Any], ...]] = {
    "due_date": (DisclosureCase.due_date,),
    "received_date": (DisclosureCase.received_date,),
    "number": (DisclosureCase.year, DisclosureCase.seq),
}
TOTAL_CAP = 1000
"""The count of a list stops here (``total_exact`` false): an exact count of a large register is a scan of it."""


class BadCursor(ValueError):
    """A cursor this list did not hand out (another sort, altered, or from an older version)."""


@dataclass(frozen=True)
class Page:
    rows: list[DisclosureCase]
    next_cursor: str | None
    """Where the next page starts (keyset: the last row's sort key), or None on the last page."""
    total: int | None = None
    """The number of matching cases, counted up to ``TOTAL_CAP`` (None when not asked for)."""
    total_exact: bool = True


def _filtered(f: CaseFilter, dialect: str = "sqlite") -> Select[DisclosureCase]:
    stmt = select(DisclosureCase).where(DisclosureCase.agency_id.in_(f.agency_ids))
    if f.status is not None:
        stmt = stmt.where(DisclosureCase.status == f.status.value)
    if f.applicant_type is not None:
        stmt = stmt.where(DisclosureCase.applicant_type == f.applicant_type.value)
    if f.received_from is not None:
        stmt = stmt.where(DisclosureCase.received_date >= f.received_from)
    if f.received_to is not None:
        stmt = stmt.where(DisclosureCase.received_date <= f.received_to)
    if f.due_before is not None:
        stmt = stmt.where(DisclosureCase.due_date < f.due_before)
    if f.overdue_as_of is not None:
        running = DisclosureCase.status.in_([s.value for s in CLOCK_RUNNING])
        late = and_(running, DisclosureCase.due_date < f.overdue_as_of)
        # and a case in breach since before a late correction notice (app.domain.clock), whatever its fresh period
        stmt = stmt.where(or_(late, DisclosureCase.statutory_breached_on < f.overdue_as_of))
    if f.external_ref is not None:
        stmt = stmt.where(DisclosureCase.external_ref == f.external_ref)
    if f.handler_user_id is not None:
        stmt = stmt.where(DisclosureCase.handler_user_id == f.handler_user_id)
    if f.open_only or f.overdue_as_of is not None or (f.status is not None and f.status is not CaseStatus.CONCLUDED):
        # also the predicate of the partial index of open cases (ix_disclosure_case_open_due)
        stmt = stmt.where(DisclosureCase.status != literal_column(f"'{CaseStatus.CONCLUDED.value}'"))
    if f.text:
        columns: list[InstrumentedAttribute[Any]] = [DisclosureCase.number, DisclosureCase.external_ref]
        if f.text_in_names:
            columns.append(DisclosureCase.applicant_name)
        stmt = stmt.where(or_(*(_prefix(column, f.text, dialect) for column in columns)))
    return stmt


def _prefix(column: InstrumentedAttribute[Any], text: str, dialect: str) -> ColumnElement[bool]:
    """``column`` starts with ``text`` (case-sensitive), in a form each database answers from a B-tree index:
    ``LIKE 'text%'`` on PostgreSQL (``text_pattern_ops`` indexes, whatever the database's collation), a range on
    SQLite (its ``LIKE`` ignores ASCII case and so cannot use a plain index)."""
    if dialect == "postgresql":
        return column.like(text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    last = ord(text[-1])
    if last >= 0x10FFFF:
        return column.startswith(text, autoescape=True)
    return and_(column >= text, column < text[:-1] + chr(last + 1))


def _encode(sort: str, row: DisclosureCase) -> str:
    key = [getattr(row, c.key) for c in _SORT_KEYS[sort.lstrip("-")]]
    data = [sort, [v.isoformat() if isinstance(v, date) else v for v in key], row.id]
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(sort: str, cursor: str) -> tuple[list[Any], int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        their_sort, key, last_id = data
        columns = _SORT_KEYS[sort.lstrip("-")]
        if their_sort != sort or not isinstance(last_id, int) or len(key) != len(columns):
            raise BadCursor(cursor)
        values = [
            None if v is None else date.fromisoformat(v) if c.key.endswith("date") else int(v)
            for c, v in zip(columns, key, strict=True)
        ]
    except (ValueError, TypeError, KeyError, binascii.Error) as e:
        raise BadCursor(cursor) from e
    if any(v is None for v in values[1:]) or (values[0] is None and columns[0] is not DisclosureCase.due_date):
        raise BadCursor(cursor)
    return values, last_id


def page(
    session: Session,
    f: CaseFilter,
    sort: str,
    limit: int,
    *,
    cursor: str | None = None,
    offset: int = 0,
    count: bool = True,
) -> Page:
    """One page of the list. The first page and every page after a ``cursor`` are keyset (seek) pages: an index range
    from the last row's sort key, as fast on the millionth case as on the first. ``offset`` (the old page numbers) is
    still answered, at the cost of reading the rows it skips. ``count``: also count the matches, up to ``TOTAL_CAP``."""
    dialect = session.get_bind().dialect.name
    stmt = _filtered(f, dialect)
    total: int | None = None
    exact = True
    if count:
        capped = stmt.with_only_columns(DisclosureCase.id).order_by(None).limit(TOTAL_CAP + 1).subquery()
        total = session.scalar(select(func.count()).select_from(capped)) or 0
        if total > TOTAL_CAP:
            total, exact = TOTAL_CAP, False
    if offset and cursor is None:
        rows = list(session.scalars(stmt.order_by(*SORTS[sort]).offset(offset).limit(limit + 1)))
    else:
        rows = _seek(session, stmt, sort, None if cursor is None else _decode(sort, cursor), limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, _encode(sort, rows[-1]) if more else None, total, exact)


def _seek(
    session: Session, stmt: Select[DisclosureCase], sort: str, after: tuple[list[Any], int] | None, limit: int
) -> list[DisclosureCase]:
    descending = sort.startswith("-")
    columns = [*_SORT_KEYS[sort.lstrip("-")], DisclosureCase.id]
    order = [c.desc() if descending else c.asc() for c in columns]
    nullable = columns[0] is DisclosureCase.due_date
    rows: list[DisclosureCase] = []
    if after is None or after[0][0] is not None:
        # the rows with a sort key (all of them, except cases without a due date, which come last either way)
        part = stmt.where(columns[0].is_not(None)) if nullable else stmt
        if after is not None:
            key, bound = tuple_(*columns), tuple_(*after[0], after[1])
            part = part.where(key < bound if descending else key > bound)
        rows = list(session.scalars(part.order_by(*order).limit(limit)))
    if nullable and len(rows) < limit:
        part = stmt.where(columns[0].is_(None))
        if after is not None and after[0][0] is None:
            part = part.where(DisclosureCase.id < after[1] if descending else DisclosureCase.id > after[1])
        by_id = DisclosureCase.id.desc() if descending else DisclosureCase.id.asc()
        rows += session.scalars(part.order_by(by_id).limit(limit - len(rows)))
    return rows


# The statements of every request on one case and of every creation, built once (``app.auth.repository``).
_GET = (
    select(DisclosureCase)
    .where(DisclosureCase.id == bindparam("case_id"), DisclosureCase.agency_id.in_(bindparam("scope", expanding=True)))
    .options(selectinload(DisclosureCase.events), selectinload(DisclosureCase.reviews))
)
_GET_FOR_UPDATE = _GET.with_for_update(of=DisclosureCase)
_BY_EXTERNAL_REF = select(DisclosureCase).where(
    DisclosureCase.agency_id == bindparam("agency_id"), DisclosureCase.external_ref == bindparam("external_ref")
)


def get(
    session: Session, case_id: int, agency_ids: Collection[int], *, for_update: bool = False
) -> DisclosureCase | None:
    stmt = _GET_FOR_UPDATE if for_update else _GET
    return session.scalars(stmt, {"case_id": case_id, "scope": sorted(agency_ids)}).one_or_none()


def by_external_ref(session: Session, agency_id: int, external_ref: str) -> DisclosureCase | None:
    return session.scalars(_BY_EXTERNAL_REF, {"agency_id": agency_id, "external_ref": external_ref}).one_or_none()


def open_cases(session: Session, agency_id: int | None = None) -> list[DisclosureCase]:
    stmt = select(DisclosureCase).where(DisclosureCase.status != CaseStatus.CONCLUDED.value)
    if agency_id is not None:
        stmt = stmt.where(DisclosureCase.agency_id == agency_id)
    return list(
        session.scalars(
            stmt.options(selectinload(DisclosureCase.events))
            .order_by(DisclosureCase.id)
            .with_for_update(of=DisclosureCase)
        )
    )


_CASE_TABLE = cast(Table, DisclosureCase.__table__)
_EVENT_TABLE = cast(Table, CaseEvent.__table__)
_INSERT_CASE = insert(_CASE_TABLE).returning(_CASE_TABLE.c.id)
_INSERT_EVENT = insert(_EVENT_TABLE).returning(_EVENT_TABLE.c.id)
_CASE_COLUMNS = tuple(attr.key for attr in inspect(DisclosureCase).column_attrs if attr.key != "id")
_EVENT_COLUMNS = tuple(attr.key for attr in inspect(CaseEvent).column_attrs if attr.key != "id")


def add_new(session: Session, case: DisclosureCase) -> None:
    """INSERT a new case and its events by statement, then attach them to the session as rows just loaded: the
    ORM's unit of work (a topological sort, per-mapper actions, relationship bookkeeping) was a fifth of a
    creation's CPU for two rows (issue #9). Every column is written from the object (one left unset is a KeyError
    here, not a NULL or a default the object would not know), so nothing of it is expired and read back; its
    version starts at 1 as the ORM's versioning would start it."""
    case.agency_id = case.agency.id
    case.handler_user_id = case.handler_user.id if case.handler_user is not None else None
    case.version = 1
    connection = session.connection()
    case.id = connection.execute(_INSERT_CASE, {key: case.__dict__[key] for key in _CASE_COLUMNS}).scalar_one()
    for event in case.events:
        event.case_id = case.id
        event.id = connection.execute(_INSERT_EVENT, {key: event.__dict__[key] for key in _EVENT_COLUMNS}).scalar_one()
        make_transient_to_detached(event)
    make_transient_to_detached(case)
    session.add(case)
    # Rows the ORM inserts, a rollback of their transaction or savepoint expunges (the importer's savepoint per
    # line, then the next line's case taking the same id); SQLAlchemy keeps them in the transaction's ``_new``, and
    # no public call puts a row inserted by statement there. Pinned SQLAlchemy; the importer's tests cover it.
    transaction = session.get_nested_transaction() or session.get_transaction()
    assert transaction is not None  # session.connection() above began one
    for row in (case, *case.events):
        transaction._new[inspect(row)] = True


_COUNTER_TABLE = cast(Table, CaseCounter.__table__)
_COUNTERS = _COUNTER_TABLE.c
_INCREMENT = (
    update(_COUNTER_TABLE)
    .where(_COUNTERS.agency_id == bindparam("counter_agency"), _COUNTERS.year == bindparam("counter_year"))
    .values(last_value=_COUNTERS.last_value + 1)
    .returning(_COUNTERS.last_value)
)


def next_sequence(session: Session, agency_id: int, year: int) -> int:
    """The next case number of an agency's year, gap-free under concurrency: the counter row is created if missing,
    then incremented with one UPDATE … RETURNING, which holds its row lock until the creating transaction ends (a
    rolled-back creation gives its number back). The row is created only on the year's first number. A Core
    statement built once, on the session's connection: the counter is never loaded as an object."""
    key = {"counter_agency": agency_id, "counter_year": year}
    connection = session.connection()
    value = connection.execute(_INCREMENT, key).scalar()
    if value is None:
        insert_or_ignore(session, CaseCounter, agency_id=agency_id, year=year, last_value=0)
        value = connection.execute(_INCREMENT, key).scalar()
    assert isinstance(value, int)
    return value
