"""API create and get under 8, 32 and 64 concurrent clients, against a bare FastAPI endpoint doing one INSERT (one
SELECT for get) on the same database, served by the same uvicorn, driven by the same client in the same run.

    .venv/bin/python -m bench api [--db sqlite|postgresql|both] [--clients 8,32,64] [--seconds 8] [--workers 1,2]
                                  [--load httpx|wrk]

For each client count: the bare endpoint, then ``POST /api/v1/cases`` with one clerk's bearer token (an OA system's
burst: every request on one token), each for ``--seconds``; then the same for ``GET`` of existing rows; then, at the
first client count, the floor: ``GET /api/v1/auth/me``, an authenticated request that does nothing. Prints req/s,
p50, p99, errors (anything but 2xx, dropped connections, time-outs), the ratio real/bare, and the server's CPU time
per answered request (user + system of the server and its workers; on a shared machine it moves far less than the
rates do, and real/bare of it is what the throughput ratio tends to when the server is CPU-bound). The servers run as
``gongkai serve`` runs in production (its documented defaults) and ``uvicorn --factory bench.bare:create_app`` with
the same HTTP protocol (``app.serving``). ``--load wrk`` drives both with ``wrk`` (Debian's package) instead of this
suite's asyncio client: a tool nobody here wrote, which in C leaves the servers more of a two-core machine (the
asyncio client takes most of a core and was the bare endpoint's limit, which flattered the ratio).
"""

from __future__ import annotations

import os
import random
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from app import keys
from app.agency import service as agency_service
from app.auth import service as auth_service
from app.db import make_session_factory, transaction
from app.domain.roles import Role
from app.models import DisclosureCase
from app.serving import HTTP_PROTOCOL
from bench import load
from bench.common import cpu_seconds, engine_for, peak_rss_kib, server, venv_bin

NAMES = ["张三", "李四", "王五", "赵六", "陈七", "刘八", "周九", "吴十"]


@dataclass(frozen=True)
class Row:
    backend: str
    workers: int
    clients: int
    what: str
    bare: load.LoadResult | load.WrkResult
    real: load.LoadResult | load.WrkResult
    bare_cpu_ms: float
    """The bare server's CPU time per answered request."""
    real_cpu_ms: float

    @property
    def ratio(self) -> float:
        return self.real.rate / self.bare.rate if self.bare.rate else float("nan")


LOADERS: dict[str, Callable[[str, load.RequestFactory, int, float], load.LoadResult | load.WrkResult]] = {
    "httpx": load.run,
    "wrk": load.run_wrk,
}
"""The load tools: this suite's asyncio client, or ``wrk`` (``apt-get install wrk``), which nobody here wrote and
which, in C, leaves the servers more of a two-core machine."""


def _run(
    pid: int, url: str, factory: load.RequestFactory, clients: int, seconds: float, tool: str
) -> tuple[load.LoadResult | load.WrkResult, float]:
    """One load run, and the server's CPU milliseconds per answered request during it."""
    before = cpu_seconds(pid)
    result = LOADERS[tool](url, factory, clients, seconds)
    return result, (cpu_seconds(pid) - before) * 1000 / max(result.answered, 1)


SECRET_KEY = secrets.token_urlsafe(32)
"""The served app runs in production, which requires a key; the agency and token are written under the same key."""


def clerk_token(url: str) -> str:
    """The agency ``bench`` and a clerk's token for it, the OA system's, written under the served app's key."""
    engine = engine_for(url)
    try:
        with transaction(make_session_factory(engine, keys.keyring(SECRET_KEY, "bench", None))) as session:
            agency = agency_service.create_agency(session, code="bench", name="压测机关")
            _, token = auth_service.create_token(session, agency, Role.CLERK, "oa-bench")
        return token
    finally:
        engine.dispose()


def case_body(rng: random.Random) -> dict[str, Any]:
    """A ``POST /api/v1/cases`` body of the agency ``bench``, received today."""
    return {
        "agency": "bench",
        "channel": "online",
        "applicant": {"type": "natural_person", "name": rng.choice(NAMES)},
        "receipt": {"confirmed_on": date.today().isoformat()},
        "request": {"description": "请公开某项目的审批文件"},
    }


def _ids(url: str, table: str) -> list[int]:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            if table == "case":
                return list(conn.scalars(select(DisclosureCase.id)))
            from bench.bare import bare_row

            return list(conn.scalars(select(bare_row.c.id)))
    finally:
        engine.dispose()


def bench_api(
    url: str, backend: str, clients: list[int], seconds: float, workers: int, tool: str = "httpx"
) -> list[Row]:
    token = clerk_token(url)
    env = {
        "GONGKAI_DATABASE_URL": url,
        "GONGKAI_ENVIRONMENT": "production",
        "GONGKAI_SECRET_KEY": SECRET_KEY,
        "GONGKAI_SECRET_KEY_ID": "bench",
        "GONGKAI_WORKERS": str(workers),
    }
    real_cmd = [venv_bin("gongkai"), "serve", "--no-migrate", "--host", "127.0.0.1", "--port", "{port}"]
    if other := os.environ.get("GONGKAI_BENCH_SERVE_FROM"):
        # Another checkout's app (e.g. the version before a change), served the same way, for a before/after table.
        # (A checkout older than app/serving.py serves with Nagle on: compare two workers only from one after it.)
        start = f"import sys; sys.path.insert(0, {other!r}); from app.cli import main; sys.argv[0] = 'gongkai'; main()"
        real_cmd = [sys.executable, "-c", start, *real_cmd[1:]]
    # The same HTTP protocol as ``gongkai serve`` (h11 with TCP_NODELAY, ``app.serving``): without it, uvicorn's
    # worker processes answer each keep-alive request ~40 ms late and the bare endpoint measures that delay.
    bare_cmd = [venv_bin("uvicorn"), "--factory", "bench.bare:create_app", "--port", "{port}", "--http", HTTP_PROTOCOL]
    bare_cmd += ["--workers", str(workers)] if workers > 1 else []
    auth = {"Authorization": f"Bearer {token}"}
    rows: list[Row] = []
    rng = random.Random(9)
    with (
        server(bare_cmd, env, "/docs") as (bare_base, bare_proc),
        server(real_cmd, env, "/healthz") as (real_base, real_proc),
    ):

        def post(_w: int, _n: int) -> dict[str, Any]:
            return {"method": "POST", "json": case_body(rng), "headers": auth}

        for n in clients:
            bare, bare_cpu = _run(bare_proc.pid, bare_base + "/bare", post, n, seconds, tool)
            real, real_cpu = _run(real_proc.pid, real_base + "/api/v1/cases", post, n, seconds, tool)
            rows.append(Row(backend, workers, n, "create", bare, real, bare_cpu, real_cpu))
            _print(rows[-1])
        case_ids, bare_ids = _ids(url, "case"), _ids(url, "bare")
        for n in clients:
            bare, bare_cpu = _run(
                bare_proc.pid,
                bare_base + "/bare/0",
                lambda _w, _n: {"method": "GET", "url": f"{bare_base}/bare/{rng.choice(bare_ids)}"},
                n,
                seconds,
                tool,
            )
            real, real_cpu = _run(
                real_proc.pid,
                real_base + "/api/v1/cases/0",
                lambda _w, _n: {
                    "method": "GET",
                    "url": f"{real_base}/api/v1/cases/{rng.choice(case_ids)}",
                    "headers": auth,
                },
                n,
                seconds,
                tool,
            )
            rows.append(Row(backend, workers, n, "get", bare, real, bare_cpu, real_cpu))
            _print(rows[-1])
        # The floor: an authenticated request that does nothing (the token checked, a unit of work, the middlewares
        # and thread hops), the part of every request that no endpoint's own work can lower.
        floor, floor_cpu = _run(
            real_proc.pid,
            real_base + "/api/v1/auth/me",
            lambda _w, _n: {"method": "GET", "headers": auth},
            clients[0],
            seconds,
            tool,
        )
        print(f"  floor  {clients[0]:3} clients  GET /auth/me: {floor.line()}  CPU {floor_cpu:.2f} ms/req", flush=True)
        bare_rss, real_rss = peak_rss_kib(bare_proc.pid), peak_rss_kib(real_proc.pid)
        print(
            f"  peak memory of the server processes under this load: bare {bare_rss / 1024:.0f} MiB, "
            f"gongkai {real_rss / 1024:.0f} MiB ({real_rss / bare_rss:.2f}x)",
            flush=True,
        )
    return rows


def _print(row: Row) -> None:
    print(f"  {row.what:6} {row.clients:3} clients  bare: {row.bare.line()}  CPU {row.bare_cpu_ms:.2f} ms/req")
    print(
        f"  {'':6} {'':3}          real: {row.real.line()}  CPU {row.real_cpu_ms:.2f} ms/req  ratio {row.ratio:.2f}"
        f" (CPU bare/real {row.bare_cpu_ms / row.real_cpu_ms if row.real_cpu_ms else float('nan'):.2f})",
        flush=True,
    )
