"""What every benchmark shares: a throwaway database (SQLite file or a new PostgreSQL database), timing, servers."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from app import migrate
from app.db import make_engine, make_session_factory, transaction
from app.holiday.service import seed_from_package
from app.settings import Settings

PG_ADMIN_URL = os.environ.get("GONGKAI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")
CACHE_DIR = Path(os.environ.get("GONGKAI_BENCH_CACHE", Path(tempfile.gettempdir()) / "gongkai-bench"))


@contextmanager
def database(backend: str, name: str | None = None, keep: bool = False) -> Iterator[str]:
    """A migrated database, empty but for the calendar (``_migrate``; a kept one gets it on its next use); its URL.
    ``name`` + ``keep``: a database reused by later runs (the big data sets are generated once), otherwise dropped at
    the end."""
    if backend == "sqlite":
        if keep and name:
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{CACHE_DIR / f'{name}.db'}"
            _migrate(url)
            yield url
            return
        with tempfile.TemporaryDirectory(prefix="gk-bench-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            _migrate(url)
            yield url
        return
    db = f"gongkai_bench_{name}" if keep and name else f"gongkai_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": db})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{db}"'))
    url = make_url(PG_ADMIN_URL).set(database=db).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    """Migrated and seeded with the national calendar (2004 onward), as ``gongkai db upgrade`` leaves a database:
    without it every deadline is provisional and the clock counts on its slow path, which no deployment does."""
    engine = engine_for(url)
    try:
        migrate.upgrade(engine)
        with transaction(make_session_factory(engine)) as session:
            seed_from_package(session)
    finally:
        engine.dispose()


def engine_for(url: str) -> Engine:
    """The service's own engine (same pragmas, pool and time-outs as ``gongkai serve``)."""
    return make_engine(Settings(database_url=url, environment="test"))


def timed(fns: Sequence[Callable[[], object]], runs: int) -> list[float]:
    """Median seconds of each function; the functions interleaved within each run so that they share the cache
    state and the machine's load, after one warm-up each."""
    for fn in fns:
        fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, sample in zip(fns, samples, strict=True):
            started = time.perf_counter()
            fn()
            sample.append(time.perf_counter() - started)
    return [statistics.median(sample) for sample in samples]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server(argv: list[str], env: dict[str, str], health: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start a server (``{port}`` in ``argv`` is replaced), wait until ``health`` answers; its base URL and process."""
    port = free_port()
    args = [a.replace("{port}", str(port)) for a in argv]
    proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            try:
                if httpx.get(base + health, timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def venv_bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _tree(pid: int) -> Iterator[int]:
    """A process and its children at any depth (uvicorn's worker processes), from /proc (Linux)."""
    pids = [pid]
    while pids:
        current = pids.pop()
        yield current
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pids.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue


def peak_rss_kib(pid: int) -> int:
    """Peak resident memory (VmHWM) of a process and its children, from /proc (Linux), in KiB."""
    total = 0
    for current in _tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        except (OSError, StopIteration):
            continue
    return total


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children, from /proc (Linux). Unlike a rate, the
    CPU a server spends per request hardly depends on what else the machine runs."""
    ticks = 0
    for current in _tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")
