"""Benchmark 4: the case list and search (what ``GET /api/v1/cases`` runs), at each data-set size, against the bare
query it is built on, in the same process on the same data.

    .venv/bin/python -m bench cases [--db sqlite|postgresql|both] [--sizes 10000,1000000]

For each scenario, ``real`` is ``app.case.repository.page`` (the filtered, sorted page, and on a first page its
``total`` counted up to 1,000, as the endpoint asks) plus ``views.summary`` of each row with the calendar (the endpoint
minus HTTP); ``bare`` is one Core SELECT of the same rows (same filter, order, keyset bound or offset, limit), fetched,
without a count. Scenarios: the first page (sorted by due date), a deep keyset page (the ``cursor`` after row 5,000),
the same deep page by ``offset`` (the old paging, kept for existing clients), a filter (status and applicant type),
the search box ``q`` (a prefix) by applicant name and by case number, and the ``external_ref`` filter. The last
column is the real time against the smallest size's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Engine, Select, literal, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from app.case import repository, views
from app.db import make_session_factory
from app.domain.codes import ApplicantType
from app.domain.lifecycle import CaseStatus
from app.holiday.repository import load_calendar
from app.models import Agency, DisclosureCase
from bench.common import engine_for, timed
from bench.data import dataset

TODAY = date(2026, 1, 10)
PAGE = 50


DEEP = 5000


def _scenarios(agency_ids: list[int]) -> dict[str, tuple[repository.CaseFilter, str, int | str]]:
    """name: (filter, sort, offset or "cursor" for a keyset page after row DEEP)."""
    base = repository.CaseFilter(agency_ids=agency_ids)
    return {
        "first page": (base, "due_date", 0),
        f"deep page (cursor @{DEEP})": (base, "due_date", "cursor"),
        f"deep page (offset {DEEP})": (base, "due_date", DEEP),
        "filter status+type": (
            replace(base, status=CaseStatus.CONCLUDED, applicant_type=ApplicantType.COMMERCIAL_ENTERPRISE),
            "-received_date",
            0,
        ),
        "search name": (replace(base, text="王芳"), "due_date", 0),
        "search number": (replace(base, text="2025-000123"), "due_date", 0),
        "external_ref": (replace(base, external_ref="OA-00000077"), "due_date", 0),
    }


def _bare(f: repository.CaseFilter, sort: str, offset: int, after: DisclosureCase | None, dialect: str) -> Select[Any]:
    stmt: Select[Any] = repository._filtered(f, dialect)  # the same WHERE, built once in the repository
    if after is not None:
        stmt = stmt.where(
            tuple_(DisclosureCase.due_date, DisclosureCase.id) > tuple_(literal(after.due_date), literal(after.id))
        )
    return stmt.order_by(*repository.SORTS[sort]).offset(offset).limit(PAGE)


def run(backend: str, sizes: list[int], runs: int) -> None:
    reference: dict[str, float] = {}
    for n in sizes:
        with dataset(backend, n) as url:
            engine = engine_for(url)
            factory = make_session_factory(engine)
            with factory() as session:
                agency_ids = [a.id for a in session.scalars(select(Agency))]
            print(f"cases ({backend}, {n:,} cases, page of {PAGE}):")
            for name, (f, sort, where) in _scenarios(agency_ids).items():
                cursor, after, offset = None, None, where if isinstance(where, int) else 0
                if where == "cursor":
                    with factory() as session:
                        before = repository.page(session, f, sort, DEEP, count=False)
                        cursor, after = before.next_cursor, before.rows[-1]

                def real(
                    f: repository.CaseFilter = f,
                    sort: str = sort,
                    offset: int = offset,
                    cursor: str | None = cursor,
                    factory: sessionmaker[Session] = factory,
                ) -> object:
                    with factory() as session:
                        found = repository.page(session, f, sort, PAGE, cursor=cursor, offset=offset, count=not cursor)
                        calendar = load_calendar(session)
                        return [views.summary(case, calendar, TODAY) for case in found.rows], found.total

                def bare(
                    f: repository.CaseFilter = f,
                    sort: str = sort,
                    offset: int = offset,
                    after: DisclosureCase | None = after,
                    engine: Engine = engine,
                ) -> object:
                    columns = DisclosureCase.__table__.c
                    with engine.connect() as conn:
                        bare_stmt = _bare(f, sort, offset, after, engine.dialect.name)
                        return conn.execute(bare_stmt.with_only_columns(*columns)).all()

                fns: list[Callable[[], object]] = [bare, real]
                b, r = timed(fns, runs)
                reference.setdefault(name, r)
                print(
                    f"  {name:26} bare {b * 1000:8.2f} ms  real {r * 1000:8.2f} ms  real/bare {r / b:5.2f}"
                    f"  vs {sizes[0]:,}: {r / reference[name]:5.2f}x",
                    flush=True,
                )
            engine.dispose()
