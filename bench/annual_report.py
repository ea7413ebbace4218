"""Benchmark: the annual statistics tables over a million cases.

Generates N cases (bulk INSERT through SQLAlchemy Core, not the services) for a few agencies, spread over 2023–2025,
then times (a) the bare GROUP BY applicant_type × disposition over the year's concluded_on range for one agency and
(b) the full annual report through ``app.report.service`` (every table, the carry-over rows, reviews, data faults,
the JSON document) for the same agency and year, and prints the medians and b/a; then (c) the whole 年度报告
(``app.report.document_service``: the tables, the prose's figures of the year and of the year before). Each run
times (a), (b), (c) after one warm-up of each, so that all see the same cache state. The statistics are refreshed
after loading (``ANALYZE``; ``VACUUM ANALYZE`` on PostgreSQL, as autovacuum would after a bulk load, so that
index-only scans are possible and the timings do not depend on whether autovacuum happened to run). The database is
created and dropped by the script.

    .venv/bin/python -m bench.annual_report --db both --cases 1000000
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import cast

from sqlalchemy import Engine, Table, create_engine, func, select, text
from sqlalchemy.engine import make_url

from app import migrate
from app.agency import service as agency_service
from app.auth.principal import Principal
from app.db import make_engine, make_session_factory, transaction
from app.domain.codes import ApplicantType, Disposition, ReviewKind, ReviewOutcome
from app.domain.roles import Role
from app.models import Agency, CaseReview, DisclosureCase
from app.report import document_service, service
from app.settings import Settings
from bench.common import timed

PG_ADMIN_URL = os.environ.get("GONGKAI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
YEARS = (2023, 2024, 2025)
REPORT_YEAR = 2025
AS_OF = date(2026, 1, 10)
AGENCIES = {"gov": 0.40, "nrb": 0.25, "housing": 0.15, "police": 0.12, "env": 0.08}
APPLICANTS = [(ApplicantType.NATURAL_PERSON, 80), (ApplicantType.COMMERCIAL_ENTERPRISE, 10)] + [
    (a, 2.5) for a in list(ApplicantType)[2:]
]
DISPOSITION_WEIGHTS = {
    d: (30 if d is Disposition.DISCLOSED else 12 if d.value.startswith("unavailable") else 2) for d in Disposition
}
BATCH = 20_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_NAMES = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
]


def _cases(
    agency_ids: dict[str, int], n: int, rng: random.Random
) -> Iterator[tuple[list[dict[str, object]], list[tuple[int, int, date]]]]:
    """Batches of case rows, with (case id, agency id, concluded_on) of the cases that get a review."""
    codes = list(AGENCIES)
    code_cum = list(itertools.accumulate(AGENCIES.values()))
    types, type_weights = zip(*APPLICANTS, strict=True)
    type_values, type_cum = [t.value for t in types], list(itertools.accumulate(type_weights))
    dispositions, disposition_weights = zip(*DISPOSITION_WEIGHTS.items(), strict=True)
    disposition_values = [d.value for d in dispositions]
    disposition_cum = list(itertools.accumulate(disposition_weights))
    first, days = date(YEARS[0], 1, 1), (date(YEARS[-1], 12, 31) - date(YEARS[0], 1, 1)).days + 1
    calendar = [first + timedelta(days=i) for i in range(days + 400)]
    seq: dict[tuple[str, int], int] = {}
    now = datetime.now(UTC)
    batch: list[dict[str, object]] = []
    reviews: list[tuple[int, int, date]] = []
    choices, randrange, expovariate, random_ = rng.choices, rng.randrange, rng.expovariate, rng.random
    for case_id in range(1, n + 1):
        code = choices(codes, cum_weights=code_cum)[0]
        offset = randrange(days)
        received = calendar[offset]
        key = (code, received.year)
        seq[key] = seq.get(key, 0) + 1
        concluded: date | None = calendar[offset + min(int(expovariate(1 / 18)) + 1, 399)]
        if concluded > AS_OF or random_() < 0.005:  # type: ignore[operator]
            concluded = None
        disposition = choices(disposition_values, cum_weights=disposition_cum)[0] if concluded else None
        batch.append(
            {
                "id": case_id,
                "agency_id": agency_ids[code],
                "year": received.year,
                "seq": seq[key],
                "number": f"{received.year}-{seq[key]:06d}",
                "applicant_type": choices(type_values, cum_weights=type_cum)[0],
                "applicant_name": rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
                "external_ref": f"OA-{case_id:08d}",
                "channel": "online",
                "confirmed_on": received,
                "received_date": received,
                "request_description": "",
                "clock_start": received,
                "status": "concluded" if concluded else "open",
                "disposition": disposition,
                "concluded_on": concluded,
                "correction_notice_due": calendar[offset + 9],
                "due_date": calendar[offset + 28],
                "statutory_due_date": calendar[offset + 28],
                "paused": False,
                "provisional": False,
                "calendar_version": 0,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "created_by": "bench",
            }
        )
        if concluded and rng.random() < 0.01:
            reviews.append((case_id, agency_ids[code], concluded))
        if len(batch) == BATCH:
            yield batch, reviews
            batch, reviews = [], []
    if batch:
        yield batch, reviews


def _review_rows(reviews: list[tuple[int, int, date]], rng: random.Random) -> list[dict[str, object]]:
    rows = []
    for case_id, agency_id, concluded in reviews:
        filed = concluded + timedelta(days=rng.randrange(5, 60))
        decided = filed + timedelta(days=rng.randrange(30, 120))
        outcome = rng.choice([ReviewOutcome.UPHELD, ReviewOutcome.CORRECTED, ReviewOutcome.OTHER]).value
        rows.append(
            {
                "case_id": case_id,
                "agency_id": agency_id,
                "kind": rng.choice(list(ReviewKind)).value,
                "filed_on": filed,
                "outcome": outcome if decided <= AS_OF else ReviewOutcome.PENDING.value,
                "decided_on": decided if decided <= AS_OF else None,
            }
        )
    return rows


def populate(engine: Engine, n: int) -> dict[str, int]:
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        ids = {}
        for code in AGENCIES:
            parent = "gov" if code != "gov" else None
            ids[code] = agency_service.create_agency(session, code=code, name=f"{code} 机关", parent_code=parent).id
    rng = random.Random(20261127)
    started = time.perf_counter()
    _bulk_load(engine, ids, n, rng)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(f"  inserted {n:,} cases in {time.perf_counter() - started:.1f}s")
    return ids


def _raw(value: object, sqlite: bool) -> object:
    """A value as the driver takes it: SQLite keeps UTC datetimes as naive text, as SQLAlchemy's type writes them."""
    if sqlite and isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


def _bulk_load(engine: Engine, ids: dict[str, int], n: int, rng: random.Random) -> None:
    """The rows straight through the driver, in one transaction: ``COPY`` on PostgreSQL, ``executemany`` of tuples on
    SQLite (with a large page cache, as the indexes are filled in id order, not in their own). A million cases in
    about a minute on an idle 2-core machine, where Core ``executemany`` of dicts took half an hour under load."""
    cases, reviews = cast(Table, DisclosureCase.__table__), cast(Table, CaseReview.__table__)
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA cache_size = -400000")
        for rows, picked in _cases(ids, n, rng):
            for table, batch in ((cases, rows), (reviews, _review_rows(picked, rng))):
                if not batch:
                    continue
                defaults = {  # the Python-side defaults Core would have filled in
                    c.name: getattr(c.default, "arg", None)
                    for c in table.columns
                    if c.name not in batch[0] and c.default is not None and c.default.is_scalar
                }
                columns = [*batch[0], *defaults]
                batch = [{**row, **defaults} for row in batch]
                tuples = [tuple(_raw(row[c], sqlite) for c in columns) for row in batch]
                if engine.dialect.name == "postgresql":
                    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                        for values in tuples:
                            copy.write_row(values)
                else:
                    marks = ", ".join("?" * len(columns))
                    cursor.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", tuples)
        if engine.dialect.name == "postgresql":
            for table in (cases, reviews):
                name = table.name
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}")


def bench(engine: Engine, n: int, runs: int) -> None:
    measure(engine, populate(engine, n), runs)


def run_on(backend: str, n: int, runs: int) -> None:
    """The suite's entry (``python -m bench annual``): on the shared data set of ``n`` cases, generated once."""
    from bench.data import dataset

    with dataset(backend, n) as url:
        engine = make_engine(Settings(database_url=url, environment="test"))
        try:
            with engine.connect() as conn:
                ids = dict(conn.execute(select(Agency.code, Agency.id)).tuples().all())
            print(f"annual ({backend}, {n:,} cases):")
            measure(engine, ids, runs)
        finally:
            engine.dispose()


def measure(engine: Engine, ids: dict[str, int], runs: int) -> None:
    factory = make_session_factory(engine)
    agency = "gov"
    period = (date(REPORT_YEAR, 1, 1), date(REPORT_YEAR, 12, 31))
    bare = (
        select(DisclosureCase.applicant_type, DisclosureCase.disposition, func.count())
        .where(DisclosureCase.agency_id == ids[agency], DisclosureCase.concluded_on.between(*period))
        .group_by(DisclosureCase.applicant_type, DisclosureCase.disposition)
    )

    def query() -> object:
        with factory() as session:
            return session.execute(bare).all()

    def report() -> object:
        with factory() as session:
            return service.annual_report(session, principal, REPORT_YEAR, agency).to_dict()

    def document() -> object:
        with factory() as session:
            return document_service.annual_document(session, principal, REPORT_YEAR, agency, AS_OF).to_dict()

    with factory() as session:
        in_scope = session.scalar(select(func.count()).where(DisclosureCase.agency_id == ids[agency]))
        # Who asks is an input of the report, as a request's token gives it, not part of its cost: built once (the
        # passes before the sixth read the agencies for it inside every timed run, which the bare query did not).
        principal = Principal("bench", {a.id: Role.ADMIN for a in session.scalars(select(Agency))}, {})
    a, b, c = timed([query, report, document], runs)
    print(f"  agency {agency}: {in_scope:,} cases; report year {REPORT_YEAR}")
    print(f"  (a) bare GROUP BY      median {a * 1000:9.1f} ms over {runs} runs")
    print(f"  (b) full annual report median {b * 1000:9.1f} ms over {runs} runs")
    print(f"  b/a = {b / a:.2f}")
    print(f"  (c) whole document     median {c * 1000:9.1f} ms over {runs} runs (c/b = {c / b:.2f})")


def run(backend: str, n: int, runs: int) -> None:
    print(f"{backend}:")
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}", environment="test"))
            try:
                migrate.upgrade(engine)
                bench(engine, n, runs)
            finally:
                engine.dispose()
        return
    name = f"gongkai_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(Settings(database_url=url, environment="test"))
    try:
        migrate.upgrade(engine)
        bench(engine, n, runs)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(backend, args.cases, args.runs)


if __name__ == "__main__":
    main()
