"""Benchmark 4: the case list and search (what ``GET /api/v1/cases`` runs), at each data-set size, against the bare
query it is built on, in the same process on the same data.

    .venv/bin/python -m bench cases [--db sqlite|postgresql|both] [--sizes 10000,1000000]

For each scenario, ``real`` is ``app.case.repository.page`` (the filtered, sorted page and its exact ``total``) plus
``views.summary`` of each row with the calendar (the endpoint minus HTTP); ``bare`` is one Core SELECT of the same
rows (same filter, order, offset, limit), fetched, without the total. Scenarios: the first page (sorted by due date),
a deep page (offset 5,000), a filter (status and applicant type), and the search box ``q`` by applicant name, by case
number, and the ``external_ref`` filter. The last column is the real time against the smallest size's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine, Select, select
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


def _scenarios(agency_ids: list[int]) -> dict[str, tuple[repository.CaseFilter, str, int]]:
    base = {"agency_ids": agency_ids}
    return {
        "first page": (repository.CaseFilter(**base), "due_date", 0),  # type: ignore[arg-type]
        "deep page (offset 5000)": (repository.CaseFilter(**base), "due_date", 5000),  # type: ignore[arg-type]
        "filter status+type": (
            repository.CaseFilter(
                **base,  # type: ignore[arg-type]
                status=CaseStatus.CONCLUDED,
                applicant_type=ApplicantType.COMMERCIAL_ENTERPRISE,
            ),
            "-received_date",
            0,
        ),
        "search name": (repository.CaseFilter(**base, text="王芳"), "due_date", 0),  # type: ignore[arg-type]
        "search number": (repository.CaseFilter(**base, text="2025-000123"), "due_date", 0),  # type: ignore[arg-type]
        "external_ref": (repository.CaseFilter(**base, external_ref="OA-00000077"), "due_date", 0),  # type: ignore[arg-type]
    }


def _bare(f: repository.CaseFilter, sort: str, offset: int) -> Select[Any]:
    stmt: Select[Any] = repository._filtered(f)  # the same WHERE, built once in the repository
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
            for name, (f, sort, offset) in _scenarios(agency_ids).items():

                def real(
                    f: repository.CaseFilter = f,
                    sort: str = sort,
                    offset: int = offset,
                    factory: sessionmaker[Session] = factory,
                ) -> object:
                    with factory() as session:
                        rows, total = repository.page(session, f, sort, offset, PAGE)
                        calendar = load_calendar(session)
                        return [views.summary(case, calendar, TODAY) for case in rows], total

                def bare(
                    f: repository.CaseFilter = f, sort: str = sort, offset: int = offset, engine: Engine = engine
                ) -> object:
                    columns = DisclosureCase.__table__.c
                    with engine.connect() as conn:
                        return conn.execute(_bare(f, sort, offset).with_only_columns(*columns)).all()

                fns: list[Callable[[], object]] = [bare, real]
                b, r = timed(fns, runs)
                reference.setdefault(name, r)
                print(
                    f"  {name:24} bare {b * 1000:8.2f} ms  real {r * 1000:8.2f} ms  real/bare {r / b:5.2f}"
                    f"  vs {sizes[0]:,}: {r / reference[name]:5.2f}x",
                    flush=True,
                )
            engine.dispose()
