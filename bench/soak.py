"""Soak: a steady mixed load on the real server for a few minutes, watching errors, memory and connections.

    .venv/bin/python bench/soak.py --db sqlite --minutes 3
    .venv/bin/python bench/soak.py --db postgresql --minutes 3 [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

A fresh database is created (a temporary SQLite file, or a new PostgreSQL database that is dropped at the end),
migrated and given an agency and a token; ``gongkai serve`` runs in its own process on a free loopback port.
``--clients`` threads send ``--rate`` requests per second in total, each at a fixed pace: 25% create a case, 15%
record a step on one of the client's open cases (consultation, its reply, conclusion; every POST with an
Idempotency-Key), 60% read (the case list by status, a case, its deadline explanation, a text search). Every
``--every`` seconds a line reports the requests and errors of the interval, the latency median and 95th percentile,
the server's resident memory (VmRSS) and its database connections (PostgreSQL: rows of ``pg_stat_activity`` for the
database; SQLite: the server's open descriptors on the database file). Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import migrate  # noqa: E402
from app.agency import service as agency_service  # noqa: E402
from app.auth import service as auth_service  # noqa: E402
from app.db import make_engine, make_session_factory, transaction  # noqa: E402
from app.domain.roles import Role  # noqa: E402
from app.holiday import service as calendar_service  # noqa: E402
from app.settings import Settings  # noqa: E402

GONGKAI = [sys.executable, "-c", "from app.cli import main; main()"]


@dataclass
class Window:
    requests: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.window = Window()
        self.total = 0
        self.errors: Counter[str] = Counter()

    def record(self, seconds: float, error: str | None) -> None:
        with self.lock:
            self.window.requests += 1
            self.window.latencies.append(seconds)
            self.total += 1
            if error:
                self.window.errors[error] += 1
                self.errors[error] += 1

    def take(self) -> Window:
        with self.lock:
            window, self.window = self.window, Window()
            return window


CASE = {
    "agency": "a1",
    "applicant": {"type": "natural_person", "name": "张三", "phone": "13800000000"},
    "channel": "in_person",
    "receipt": {"submitted_on": "2026-11-02"},
    "request": {"description": "某地块征收批复及附图"},
}


def client(base: str, token: str, rate: float, stop: threading.Event, stats: Stats, seed: int) -> None:
    chance = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    open_cases: list[tuple[int, int]] = []  # (case id, steps taken)
    period = 1.0 / rate
    next_at = time.monotonic() + chance.uniform(0, period)
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        while not stop.is_set():
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += period
            roll = chance.random()
            started = time.monotonic()
            error: str | None = None
            try:
                if roll < 0.25 or not open_cases:
                    response = http.post("/api/v1/cases", json=CASE, headers={"Idempotency-Key": uuid.uuid4().hex})
                    if response.status_code == 201:
                        open_cases.append((response.json()["id"], 0))
                elif roll < 0.40:
                    index = chance.randrange(len(open_cases))
                    case_id, steps = open_cases[index]
                    path, body = [
                        ("consultation", {"on": "2026-11-04", "party": "third_party", "addressee": "某公司"}),
                        ("consultation-reply", {"on": "2026-11-09"}),
                        ("conclusion", {"on": "2026-11-16", "disposition": "disclosed"}),
                    ][steps]
                    response = http.post(
                        f"/api/v1/cases/{case_id}/{path}", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
                    )
                    if steps == 2:
                        open_cases.pop(index)
                    else:
                        open_cases[index] = (case_id, steps + 1)
                else:
                    case_id = chance.choice(open_cases)[0]
                    path = chance.choice(
                        [
                            "/api/v1/cases?status=open&page_size=50",
                            f"/api/v1/cases/{case_id}",
                            f"/api/v1/cases/{case_id}/deadline",
                            "/api/v1/cases?q=%E5%BC%A0%E4%B8%89&page_size=20",
                        ]
                    )
                    response = http.get(path)
                if not response.is_success:
                    error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            stats.record(time.monotonic() - started, error)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def connections(url: str, pid: int, admin: str | None) -> int:
    if admin is None:
        database = os.path.realpath(str(make_url(url).database))
        count = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == database:
                    count += 1
            except OSError:
                pass
        return count
    engine = create_engine(admin)
    try:
        with engine.connect() as connection:
            name = make_url(url).database
            query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()")
            return int(connection.scalar(query, {"name": name}) or 0)
    finally:
        engine.dispose()


def prepare(url: str) -> str:
    engine = make_engine(Settings(database_url=url))
    migrate.upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        calendar_service.seed_from_package(session)
        agency = agency_service.create_agency(session, code="a1", name="a1 机关")
        _, token = auth_service.create_token(session, agency, Role.SUPERVISOR, "soak")
    engine.dispose()
    return token


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second, all clients together")
    parser.add_argument("--every", type=float, default=15.0, help="seconds between report lines")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="gongkai-soak-"))
    admin: str | None = None
    if args.db == "sqlite":
        url = f"sqlite:///{scratch / 'soak.db'}"
    else:
        admin = args.pg_url
        name = f"gongkai_soak_{uuid.uuid4().hex[:8]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    token = prepare(url)
    port = 20000 + random.randrange(20000)
    env = {**os.environ, "GONGKAI_DATABASE_URL": url, "GONGKAI_ENVIRONMENT": "test"}
    log = (scratch / "server.log").open("wb")
    server = subprocess.Popen(
        [*GONGKAI, "serve", "--no-migrate", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    stats, stop = Stats(), threading.Event()
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        threads = [
            threading.Thread(target=client, args=(base, token, args.rate / args.clients, stop, stats, seed))
            for seed in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        print(f"soak on {args.db}: {args.clients} clients, {args.rate:g} req/s, {args.minutes:g} min, pid {server.pid}")
        print(f"{'t (s)':>6} {'req':>6} {'err':>4} {'p50 ms':>7} {'p95 ms':>7} {'RSS MB':>7} {'conns':>5}")
        samples: list[tuple[float, float, int]] = []
        started = time.monotonic()
        end = started + args.minutes * 60
        while time.monotonic() < end:
            time.sleep(min(args.every, max(0.0, end - time.monotonic())))
            window = stats.take()
            lat = sorted(window.latencies) or [0.0]
            rss, conns = rss_mb(server.pid), connections(url, server.pid, admin)
            elapsed = time.monotonic() - started
            samples.append((elapsed, rss, conns))
            p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
            print(
                f"{elapsed:6.0f} {window.requests:6d} {sum(window.errors.values()):4d} "
                f"{statistics.median(lat) * 1000:7.1f} {p95 * 1000:7.1f} {rss:7.1f} {conns:5d}",
                flush=True,
            )
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
        log.close()
        if admin is not None:
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
            engine.dispose()
    rss_values = [s[1] for s in samples]
    half = len(rss_values) // 2
    print(
        f"total {stats.total} requests, {sum(stats.errors.values())} errors {dict(stats.errors) or ''}; "
        f"RSS first {rss_values[0]:.1f} MB, max {max(rss_values):.1f} MB, last {rss_values[-1]:.1f} MB "
        f"(second-half growth {rss_values[-1] - rss_values[half]:+.1f} MB); "
        f"connections min {min(s[2] for s in samples)}, max {max(s[2] for s in samples)}"
    )
    return 1 if stats.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
