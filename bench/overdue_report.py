"""The nightly overdue report at scale, against the bare candidate query it is built on, in the same run.

    .venv/bin/python bench/overdue_report.py [--db sqlite|postgresql|both] [--cases 1000000] [--repeat 7]
        [--open-share 0.005] [--straggler-share 0.03]

Builds a fresh migrated database (SQLite in a temporary file; PostgreSQL as a new database next to
``GONGKAI_TEST_PG_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``, dropped afterwards) and
bulk-inserts N cases over 10 agencies with Core ``executemany``, shaped like a register that keeps up:

* received on the working days (real holiday calendar) of the five years up to ``as_of`` = 2026-11-27;
* ``--open-share`` of them not concluded (default 0.5 %); of those, ``1 - --straggler-share`` (default 97 %) were
  received within the 15-working-day reply period, the younger more likely (triangular: every case is concluded
  some time within the period), and the stragglers 16-120 working days ago (past the agency's deadline and mostly
  the statutory one);
* of the unconcluded, 80 % open, 8 % awaiting a correction, 7 % in consultation, 5 % awaiting a fee; deadlines
  computed on the calendar (reply 15 working days, statutory 20, correction notice 7, waits 15/15/20 with the clock
  paused since the wait began); concluded cases concluded 1-15 working days after receipt;
* a ``received`` event per case, a ``concluded`` one per concluded case, and a ``correction_requested`` one for every
  case awaiting a correction and for one other case in ten (asked and answered).

With the defaults that is about 5,000 unconcluded cases and a report of a few hundred overdue, due-soon and lapsed
findings plus the correction notices falling due. ``--open-share 0.1 --straggler-share 0.5`` is the pathological
register (100,000 unconcluded, half of them long overdue), like the data of the first version of this benchmark.

Then, for the report of every agency on ``as_of`` (due-soon window 3 working days), it prints

* ``EXPLAIN`` of the candidate query (each branch of the union must be an index range on ``disclosure_case``);
* the SQL statements one report executes (no N+1: their number must not grow with the candidates);
* ``bare``: ``app.overdue.repository.candidates_query`` executed and its rows fetched, nothing more: the indexed
  candidate selection with exactly the columns the report reads (the baseline);
* ``items``: ``app.overdue.service.items_for`` (what ``gongkai report overdue`` and ``GET /reports/overdue`` do:
  that query, the classification, the report lines, sorted);
* ``report``: ``items`` plus rendering the JSON document the OA system reads;

each the median of ``--repeat`` runs, with the ratios to ``bare``.
"""

from __future__ import annotations

import argparse
import bisect
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, literal, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import migrate
from app.db import make_engine, make_session_factory, transaction
from app.domain.calendar import WorkingCalendar
from app.domain.lifecycle import CaseStatus
from app.domain.overdue import horizon
from app.holiday import service as calendar_service
from app.holiday.repository import load_calendar
from app.models import Agency, CaseEvent, DisclosureCase
from app.overdue import render
from app.overdue.repository import candidates_query
from app.overdue.service import ALL_AGENCIES, RunKey, items_for, report
from app.settings import Settings

AS_OF = date(2026, 11, 27)
AGENCIES = 10
YEARS = 5
CHUNK = 20_000
DUE_WITHIN = 3
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REPLY, STATUTORY, NOTICE = 15, 20, 7
WAITS = {CaseStatus.AWAITING_CORRECTION: 15, CaseStatus.IN_CONSULTATION: 15, CaseStatus.AWAITING_FEE: 20}
UNCONCLUDED = [CaseStatus.OPEN] * 80 + [CaseStatus.AWAITING_CORRECTION] * 8
UNCONCLUDED += [CaseStatus.IN_CONSULTATION] * 7 + [CaseStatus.AWAITING_FEE] * 5


@contextmanager
def database(kind: str) -> Iterator[Engine]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}"))
            yield engine
            engine.dispose()
        return
    admin_url = os.environ.get("GONGKAI_TEST_PG_URL", PG_ADMIN)
    name = f"gongkai_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(Settings(database_url=url))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _case_rows(
    n: int, agency_ids: list[int], calendar: WorkingCalendar, open_share: float, straggler_share: float
) -> Iterator[tuple[list[dict[str, Any]], list[int]]]:
    """Chunks of case rows, each with the positions (in the chunk) of the cases that had a correction requested."""
    rng = random.Random(5)
    now = datetime.now(UTC)
    first = AS_OF.replace(year=AS_OF.year - YEARS)
    days = (first + timedelta(days=i) for i in range((AS_OF - first).days + 1))
    working = [d for d in days if calendar.is_working_day(d)]
    today = bisect.bisect_right(working, AS_OF) - 1  # the last working day up to as_of
    add = calendar.add_working_days
    seqs: dict[tuple[int, int], int] = {}
    chunk: list[dict[str, Any]] = []
    corrected: list[int] = []
    for _ in range(n):
        agency = rng.choice(agency_ids)
        status = CaseStatus.CONCLUDED
        if rng.random() < open_share:
            status = rng.choice(UNCONCLUDED)
            if rng.random() < straggler_share:
                age = rng.randint(REPLY + 1, 120)
            else:
                age = int(REPLY * (1 - rng.random() ** 0.5))  # triangular on [0, 15): the young are many
            received = working[today - age]
        else:
            received = working[rng.randrange(today)]
        seq = seqs[(agency, received.year)] = seqs.get((agency, received.year), 0) + 1
        due: date | None = add(received, REPLY)
        statutory: date | None = add(received, STATUTORY)
        concluded_on = pending_until = None
        if status is CaseStatus.CONCLUDED:
            concluded_on = min(add(received, rng.randint(1, REPLY)), AS_OF)
        elif status in WAITS:
            elapsed = calendar.working_days_between(received, AS_OF)
            window = NOTICE if status is CaseStatus.AWAITING_CORRECTION else REPLY
            started = add(received, rng.randint(0, max(min(elapsed, window), 0)))
            pending_until = add(started, WAITS[status])
            if status is CaseStatus.AWAITING_CORRECTION:
                due = statutory = None  # Art. 30: the period restarts when the correction arrives
            else:
                stopped = max(calendar.working_days_between(started, AS_OF), 0)  # paused since the wait began
                due, statutory = add(received, REPLY + stopped), add(received, STATUTORY + stopped)
        if status is CaseStatus.AWAITING_CORRECTION or (
            status is not CaseStatus.AWAITING_CORRECTION and rng.random() < 0.1
        ):
            corrected.append(len(chunk))
        chunk.append(
            {
                "agency_id": agency,
                "year": received.year,
                "seq": seq,
                "number": f"{received.year}-{seq:06d}",
                "applicant_type": "natural_person",
                "applicant_name": "张三",
                "channel": "online",
                "received_date": received,
                "request_description": "",
                "handler": rng.choice(["王", "李", "赵", None]),
                "clock_start": received,
                "status": status.value,
                "disposition": "disclosed" if concluded_on else None,
                "concluded_on": concluded_on,
                "due_date": due,
                "statutory_due_date": statutory,
                "correction_notice_due": add(received, NOTICE),
                "pending_until": pending_until,
                "paused": pending_until is not None,
                "provisional": False,
                "calendar_version": calendar.version,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "created_by": "bench",
            }
        )
        if len(chunk) == CHUNK:
            yield chunk, corrected
            chunk, corrected = [], []
    if chunk:
        yield chunk, corrected


def populate(engine: Engine, n: int, open_share: float, straggler_share: float) -> list[int]:
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        calendar_service.seed_from_package(session)
        agencies = [
            Agency(code=f"a{i}", name=f"机关{i}", reply_days=15, created_at=datetime.now(UTC)) for i in range(AGENCIES)
        ]
        session.add_all(agencies)
        session.flush()
        ids = [a.id for a in agencies]
        calendar = load_calendar(session)
    started = time.perf_counter()
    case = DisclosureCase
    with engine.begin() as conn:
        for chunk, corrected in _case_rows(n, ids, calendar, open_share, straggler_share):
            keys = conn.execute(insert(case).returning(case.id, sort_by_parameter_order=True), chunk).scalars().all()
            if corrected:
                now = chunk[0]["created_at"]
                rows = [
                    {"case_id": keys[i], "seq": 3, "type": "correction_requested", "on": AS_OF, "data": {}}
                    | {"actor": "bench", "recorded_at": now}
                    for i in corrected
                ]
                conn.execute(insert(CaseEvent), rows)
        columns = ["case_id", "seq", "type", "on", "data", "actor", "recorded_at"]
        for seq, kind, on, where in (
            (1, "received", case.received_date, case.id.is_not(None)),
            (2, "concluded", case.concluded_on, case.status == CaseStatus.CONCLUDED.value),
        ):
            fields = (case.id, literal(seq), literal(kind), on, text("'{}'"), literal("bench"), case.created_at)
            conn.execute(insert(CaseEvent).from_select(columns, select(*fields).where(where)))
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
        unconcluded = conn.scalar(select(func.count()).where(case.status != CaseStatus.CONCLUDED.value))
    print(f"  inserted {n:,} cases ({unconcluded:,} not concluded) in {time.perf_counter() - started:.1f}s")
    return ids


def median_ms(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), rows


def explain(session: Session, kind: str, ids: list[int], edge: date) -> None:
    stmt = candidates_query(ids, AS_OF, edge)
    sql = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
    plan = session.execute(text(prefix + str(sql))).all()
    print("  EXPLAIN candidate query:")
    for row in plan:
        print("    " + (f"{row[0]:>3} {row[1]:>3} {row[3]}" if kind == "sqlite" else row[0]))


def statements(session: Session, ids: list[int]) -> int:
    count = 0

    def counter(*_: object) -> None:
        nonlocal count
        count += 1

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        items_for(session, ids, AS_OF, DUE_WITHIN)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


def bench(kind: str, n: int, repeat: int, open_share: float, straggler_share: float) -> None:
    print(f"{kind}: {n:,} cases, open share {open_share:g}, straggler share {straggler_share:g}")
    with database(kind) as engine:
        ids = populate(engine, n, open_share, straggler_share)
        with Session(engine) as session:
            edge = horizon(AS_OF, load_calendar(session), DUE_WITHIN)
            explain(session, kind, ids, edge)
            print(f"  SQL statements per report: {statements(session, ids)}")

            def bare() -> int:
                return len(session.execute(candidates_query(ids, AS_OF, edge)).all())

            def items() -> int:
                return len(items_for(session, ids, AS_OF, DUE_WITHIN))

            def rendered() -> int:
                found = items_for(session, ids, AS_OF, DUE_WITHIN)
                render.render(report(found, RunKey(AS_OF, ALL_AGENCIES, DUE_WITHIN)), render.ReportFormat.JSON)
                return len(found)

            bare_ms, rows = median_ms(bare, repeat)
            items_ms, found = median_ms(items, repeat)
            report_ms, _ = median_ms(rendered, repeat)
    print(f"  bare candidate query (same rows, same columns): median {bare_ms:8.1f} ms, {rows:,} candidates")
    print(f"  items (query + classification + lines):         median {items_ms:8.1f} ms, {found:,} items")
    print(f"  report (items + JSON rendering):                median {report_ms:8.1f} ms")
    print(f"  ratios to bare: items {items_ms / bare_ms:.2f}x, report {report_ms / bare_ms:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--open-share", type=float, default=0.005, help="share of cases not concluded")
    parser.add_argument("--straggler-share", type=float, default=0.03, help="share of those past the reply period")
    args = parser.parse_args()
    for kind in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        bench(kind, args.cases, args.repeat, args.open_share, args.straggler_share)


if __name__ == "__main__":
    main()
