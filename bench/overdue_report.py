"""The nightly overdue report's query at scale, against the bare indexed SELECT on ``due_date``, in the same run.

    .venv/bin/python bench/overdue_report.py [--db sqlite|postgresql|both] [--cases 1000000] [--repeat 7]

Builds a fresh migrated database (SQLite in a temporary file; PostgreSQL as a new database next to
``GONGKAI_TEST_PG_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``, dropped afterwards),
bulk-inserts N cases over 10 agencies with Core ``executemany`` (90 % concluded over two years; the rest open or
waiting, received in the last 45 days), then times, for ``as_of`` = 2026-11-27 and every agency in scope:

* ``report``: ``app.overdue.service.items_for`` — the four-branch candidate query and the classification of each
  candidate (what ``gongkai report overdue`` and ``GET /reports/overdue`` do, without rendering);
* ``bare``: ``SELECT id FROM disclosure_case WHERE agency_id IN (…) AND status IN (running) AND due_date < horizon``.

Prints the median of ``--repeat`` runs of each and their ratio.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import migrate
from app.db import make_engine, make_session_factory, transaction
from app.domain.lifecycle import CLOCK_RUNNING, CaseStatus
from app.domain.overdue import horizon
from app.holiday import service as calendar_service
from app.holiday.repository import load_calendar
from app.models import Agency, CaseEvent, DisclosureCase
from app.overdue.service import items_for
from app.settings import Settings

AS_OF = date(2026, 11, 27)
AGENCIES = 10
CHUNK = 20_000
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def database(kind: str) -> Iterator[Engine]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}"))
            yield engine
            engine.dispose()
        return
    import os

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


def _case_rows(n: int, agency_ids: list[int], rng: random.Random) -> Iterator[list[dict[str, object]]]:
    now = datetime.now(UTC)
    start = AS_OF - timedelta(days=730)
    statuses = (
        [CaseStatus.CONCLUDED] * 90
        + [CaseStatus.OPEN] * 7
        + [
            CaseStatus.AWAITING_CORRECTION,
            CaseStatus.IN_CONSULTATION,
            CaseStatus.AWAITING_FEE,
        ]
    )
    seqs: dict[tuple[int, int], int] = {}
    chunk: list[dict[str, object]] = []
    for _ in range(n):
        agency = rng.choice(agency_ids)
        status = rng.choice(statuses)
        # concluded cases spread over two years; the others are recent, as in a register that keeps up
        received = (
            start + timedelta(days=rng.randrange(730))
            if status is CaseStatus.CONCLUDED
            else (AS_OF - timedelta(days=rng.randrange(45)))
        )
        seq = seqs[(agency, received.year)] = seqs.get((agency, received.year), 0) + 1
        concluded = status is CaseStatus.CONCLUDED
        waiting = status not in (CaseStatus.OPEN, CaseStatus.CONCLUDED)
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
                "disposition": "disclosed" if concluded else None,
                "concluded_on": received + timedelta(days=18) if concluded else None,
                "due_date": None if status is CaseStatus.AWAITING_CORRECTION else received + timedelta(days=21),
                "statutory_due_date": None
                if status is CaseStatus.AWAITING_CORRECTION
                else received + timedelta(days=28),
                "correction_notice_due": received + timedelta(days=9),
                "pending_until": received + timedelta(days=rng.randrange(10, 40)) if waiting else None,
                "paused": waiting,
                "provisional": False,
                "calendar_version": 1,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "created_by": "bench",
            }
        )
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def populate(engine: Engine, n: int) -> list[int]:
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        calendar_service.seed_from_package(session)
        agencies = [
            Agency(code=f"a{i}", name=f"机关{i}", reply_days=15, fee_wait_rule="pause", created_at=datetime.now(UTC))
            for i in range(AGENCIES)
        ]
        session.add_all(agencies)
        session.flush()
        ids = [a.id for a in agencies]
    rng = random.Random(5)
    started = time.perf_counter()
    with engine.begin() as conn:
        for chunk in _case_rows(n, ids, rng):
            conn.execute(insert(DisclosureCase), chunk)
        # a timeline row for every case not concluded (what the correction-requested EXISTS looks at)
        conn.execute(
            insert(CaseEvent).from_select(
                ["case_id", "seq", "type", "on", "data", "actor", "recorded_at"],
                select(
                    DisclosureCase.id,
                    text("1"),
                    text("'received'"),
                    DisclosureCase.received_date,
                    text("'{}'"),
                    text("'bench'"),
                    DisclosureCase.created_at,
                ).where(DisclosureCase.status != CaseStatus.CONCLUDED.value),
            )
        )
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    print(f"  inserted {n:,} cases in {time.perf_counter() - started:.1f}s")
    return ids


def median_ms(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), rows


def bench(kind: str, n: int, repeat: int) -> None:
    print(f"{kind}: {n:,} cases")
    with database(kind) as engine:
        ids = populate(engine, n)
        with Session(engine) as session:
            calendar = load_calendar(session)
            edge = horizon(AS_OF, calendar, 3)

            def report() -> int:
                return len(items_for(session, ids, AS_OF, 3))

            def bare() -> int:
                stmt = select(DisclosureCase.id).where(
                    DisclosureCase.agency_id.in_(ids),
                    DisclosureCase.status.in_([s.value for s in CLOCK_RUNNING]),
                    DisclosureCase.due_date < edge,
                )
                return len(session.scalars(stmt).all())

            report_ms, items = median_ms(report, repeat)
            bare_ms, rows = median_ms(bare, repeat)
    print(f"  report (candidates + classification): median {report_ms:8.1f} ms, {items:,} items")
    print(f"  bare indexed SELECT on due_date:      median {bare_ms:8.1f} ms, {rows:,} rows")
    print(f"  ratio report/bare: {report_ms / bare_ms:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    for kind in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        bench(kind, args.cases, args.repeat)


if __name__ == "__main__":
    main()
