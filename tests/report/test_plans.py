"""The year-end figures are counted from indexes alone (issue #9): every read of the case table by the tables'
tally, the 年度报告's timeliness and its receipts by channel is an index-only range. A row lookup per case made the
whole document 17× the tables at 1M cases. SQLite's planner is asked (``EXPLAIN QUERY PLAN``) on an empty, never
analysed database, as a new installation is; PostgreSQL's choice depends on its statistics and visibility map, and
is measured by ``python -m bench annual`` instead."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from app.report import repository
from app.report.service import Period
from tests.conftest import BACKEND

READS: dict[str, Callable[[Session], object]] = {
    "tally": lambda session: repository.tally(session, [1, 2], Period(2025)),
    "timeliness": lambda session: repository.timeliness(session, [1, 2], Period(2025)),
    "channels": lambda session: repository.channels(session, [1, 2], Period(2025)),
    "year_inputs": lambda session: repository.year_inputs(session, 1, [1, 2], Period(2025)),
}


@pytest.mark.skipif(BACKEND != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's")
@pytest.mark.parametrize("read", READS)
def test_the_year_end_reads_of_the_case_table_are_covered_by_an_index(factory: sessionmaker[Session], read: str):
    statements: list[tuple[str, object]] = []
    engine = factory.kw["bind"]

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with factory() as session:
            READS[read](session)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    plans = []
    with engine.connect() as conn:
        for statement, parameters in statements:
            plans += [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    reads = [p for p in plans if " disclosure_case " in f"{p} "]
    assert reads, plans
    assert all("COVERING INDEX" in p for p in reads), reads
