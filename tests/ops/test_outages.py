"""The database goes away and comes back: every request gets a 503 problem (or, on a page, 暂时无法服务) in bounded
time, ``/healthz`` stays up while ``/readyz`` says why not, and service resumes by itself, without a restart.

PostgreSQL outages use a cluster of the test's own (``tests/ops/cluster.py``) that the test stops and starts; the
shared server is never touched. They run in the PostgreSQL pass of the suite; SQLite's full and read-only
filesystems (a small tmpfs, mounted as root) in the SQLite pass.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from app import migrate
from app.agency import repository as agencies
from app.cli import cli
from app.clock import utcnow
from app.db import make_engine, make_session_factory, transaction, unavailable
from app.domain.roles import Role
from app.holiday import service as calendar_service
from app.main import create_app
from app.models import DisclosureCase, OverdueRun
from app.overdue import service as overdue_service
from app.settings import Settings
from app.user import service as user_service
from tests.conftest import BACKEND, Api, Clock
from tests.ops.cluster import AS_ROOT, GONGKAI, PG_BIN, Cluster
from tests.webhook.test_delivery import Receiver

PASSWORD = "correct-horse-battery"
CASE = {
    "agency": "a1",
    "applicant": {"type": "natural_person", "name": "张三"},
    "channel": "in_person",
    "receipt": {"submitted_on": "2026-11-02"},
    "request": {"description": "某地块征收批复"},
}

on_postgresql = pytest.mark.skipif(
    BACKEND != "postgresql" or not (PG_BIN / "initdb").exists(), reason="PostgreSQL pass, with initdb installed"
)
on_sqlite_as_root = pytest.mark.skipif(
    BACKEND != "sqlite" or not AS_ROOT, reason="SQLite pass, as root (mounts a small filesystem)"
)


def prepare(url: str) -> None:
    engine = make_engine(Settings(database_url=url, environment="test"))
    migrate.upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        calendar_service.seed_from_package(session)
    engine.dispose()


def make_api(settings: Settings) -> tuple[Api, TestClient]:
    app = create_app(settings)
    client = TestClient(app, raise_server_exceptions=False)
    client.__enter__()
    api = Api(client, app.state.session_factory, Clock())
    api.agency("a1")
    return api, client


def assert_unavailable(response, reason_word: str = "数据库") -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == "database_unavailable"
    assert reason_word in body["detail"]


def case_count(api: Api) -> int:
    with transaction(api.factory) as session:
        return int(session.scalar(select(func.count()).select_from(DisclosureCase)) or 0)


@pytest.fixture(scope="module")
def cluster():
    if BACKEND != "postgresql" or not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL pass, with initdb installed")
    own = Cluster()
    yield own
    own.destroy()


@pytest.fixture
def pg(cluster):
    """A migrated database on the test's own cluster, and an API over it; the cluster is running again after."""
    url = cluster.createdb(f"outage_{uuid.uuid4().hex[:8]}")
    prepare(url)
    # the webhook receiver runs on this machine: allowed by name, as an OA system on the intranet would be
    settings = Settings(database_url=url, environment="test", db_connect_timeout=2, webhook_allow_hosts="127.0.0.1")
    api, client = make_api(settings)
    yield api, settings
    client.__exit__(None, None, None)
    with contextlib.suppress(subprocess.CalledProcessError):
        cluster.stop()
    cluster.start()


@on_postgresql
def test_postgresql_stopped_then_back_503_readyz_page_and_recovery_without_restart(cluster, pg):
    api, _ = pg
    with transaction(api.factory) as session:
        user_service.create_user(
            session, "zhang", "张", PASSWORD, [(agencies.get_agency(session, "a1"), Role.CLERK)], actor="test"
        )
    headers = api.headers("a1")
    created = api.client.post("/api/v1/cases", json=CASE, headers=headers)
    assert created.status_code == 201
    page_client = TestClient(api.client.app, raise_server_exceptions=False)
    assert page_client.post("/login", data={"username": "zhang", "password": PASSWORD}).status_code == 200
    assert api.client.get("/readyz").json() == {"status": "ready", "database": "ok"}

    cluster.stop()
    assert api.client.get("/healthz").status_code == 200
    assert_unavailable(api.client.get("/readyz"), "无法连接数据库")
    assert_unavailable(api.client.get("/api/v1/cases", headers=headers))
    assert_unavailable(api.client.get(f"/api/v1/cases/{created.json()['id']}", headers=headers))
    retried = {**headers, "Idempotency-Key": "outage-1"}
    assert_unavailable(api.client.post("/api/v1/cases", json=CASE, headers=retried))
    assert_unavailable(api.client.post("/api/v1/cases", json=CASE, headers=headers))
    page = page_client.get("/")
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "暂时无法服务" in page.text
    assert "无法连接数据库" in page.text
    assert int(page.headers["Retry-After"]) > 0

    cluster.start()  # the same process, no restart: dead pooled connections are replaced at checkout
    assert api.client.get("/readyz").status_code == 200
    assert api.client.get("/api/v1/cases", headers=headers).json()["total"] == 1
    again = api.client.post("/api/v1/cases", json=CASE, headers=retried)
    assert again.status_code == 201, again.text
    assert api.client.post("/api/v1/cases", json=CASE, headers=retried).headers["Idempotent-Replayed"] == "true"
    assert page_client.get("/").status_code == 200
    assert case_count(api) == 2


@on_postgresql
def test_server_killed_mid_session_every_request_answers_and_the_pool_recovers(cluster, pg):
    api, _ = pg
    headers = api.headers("a1")
    for _ in range(3):
        assert api.client.post("/api/v1/cases", json=CASE, headers=headers).status_code == 201
    cluster.stop("immediate")  # a crash: pooled connections are reset, not closed politely
    for _ in range(3):
        assert_unavailable(api.client.get("/api/v1/cases", headers=headers))
    cluster.start()
    assert api.client.get("/api/v1/cases", headers=headers).json()["total"] == 3


@on_postgresql
def test_statement_timeout_cancels_a_long_statement(cluster):
    url = cluster.createdb(f"timeout_{uuid.uuid4().hex[:8]}")
    engine = make_engine(Settings(database_url=url, environment="test", db_statement_timeout=0.2))
    try:
        with pytest.raises(OperationalError) as raised, engine.connect() as connection:
            connection.execute(text("SELECT pg_sleep(5)"))
        outage = unavailable(raised.value)
        assert outage is not None
        assert outage.reason == "timeout"
        with engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "200ms"
    finally:
        engine.dispose()


def test_a_server_that_never_answers_is_given_up_after_the_connect_timeout(settings):
    if settings.is_sqlite:
        pytest.skip("PostgreSQL's connect timeout")
    with socket.socket() as silent:  # accepts TCP connections (the kernel does) but never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/none"
        app = create_app(Settings(database_url=url, environment="test", db_connect_timeout=1))
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.get("/healthz").status_code == 200
            assert_unavailable(client.get("/readyz"))
            assert_unavailable(client.get("/api/v1/cases", headers={"Authorization": "Bearer x"}))


def test_a_closed_port_is_503_on_the_api_and_on_pages():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/none"
    app = create_app(Settings(database_url=url, environment="test"))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert_unavailable(client.get("/readyz"), "无法连接数据库")
        assert_unavailable(client.get("/api/v1/cases", headers={"Authorization": "Bearer x"}))
        assert_unavailable(client.post("/api/v1/cases", json=CASE, headers={"Authorization": "Bearer x"}))
        keyed = {"Authorization": "Bearer x", "Idempotency-Key": "k1"}
        assert_unavailable(client.post("/api/v1/cases", json=CASE, headers=keyed))
        client.cookies.set("gongkai_session", "x")
        page = client.get("/")
        assert page.status_code == 503
        assert "暂时无法服务" in page.text


@on_postgresql
def test_overdue_job_exits_1_while_down_and_delivers_on_the_next_run(cluster, pg, monkeypatch):
    api, settings = pg
    assert api.client.post("/api/v1/cases", json=CASE, headers=api.headers("a1")).status_code == 201
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    cluster.stop()
    down = runner.invoke(cli, ["report", "overdue", "--as-of", "2026-11-30", "--format", "json"])
    assert down.exit_code == 1
    assert "无法连接数据库" in down.output
    assert "下次运行" in down.output
    cluster.start()
    delivered = runner.invoke(cli, ["report", "overdue", "--as-of", "2026-11-30", "--format", "json"])
    assert delivered.exit_code == 0, delivered.output
    assert '"as_of": "2026-11-30"' in delivered.output or '"as_of":"2026-11-30"' in delivered.output
    with transaction(api.factory) as session:
        runs = session.scalars(select(OverdueRun)).all()
        assert [(r.status, str(r.as_of)) for r in runs] == [("delivered", "2026-11-30")]


@on_postgresql
def test_webhook_worker_backs_off_while_down_and_resumes(cluster, pg, tmp_path):
    api, settings = pg
    receiver = Receiver()
    receiver.thread.start()
    log = tmp_path / "worker.log"
    worker = None
    try:
        admin = api.headers("a1", Role.ADMIN)
        hook = api.client.post("/api/v1/webhooks", json={"agency": "a1", "url": receiver.url}, headers=admin)
        assert hook.status_code == 201, hook.text
        receiver.secret = hook.json()["secret"]
        assert api.client.post("/api/v1/cases", json=CASE, headers=api.headers("a1")).status_code == 201
        env = {
            **os.environ,
            "GONGKAI_DATABASE_URL": settings.database_url,
            "GONGKAI_DB_CONNECT_TIMEOUT": "2",
            "GONGKAI_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        }
        with log.open("wb") as out:
            worker = subprocess.Popen(
                [*GONGKAI, "webhooks", "deliver", "--interval", "0.2"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: len(receiver.processed) == 1, "the first event")

        cluster.stop()
        wait_for(lambda: "数据库不可用（第 3 次）" in log.read_text(), "three backed-off attempts")
        assert worker.poll() is None  # still running
        cluster.start()
        assert api.client.post("/api/v1/cases", json=CASE, headers=api.headers("a1")).status_code == 201
        wait_for(lambda: len(receiver.processed) == 2, "the event written after the outage")
        wait_for(lambda: "数据库已恢复" in log.read_text(), "the worker's notice (printed after the commit)")
        assert all(count == 1 for count in receiver.processed.values())
    finally:
        if worker is not None:
            worker.kill()
            worker.wait()
        receiver.server.shutdown()
        receiver.server.server_close()


def wait_for(condition, what: str, seconds: float = 180.0) -> None:
    """Bounded by a generous limit: the worker is a new process, and a saturated CI machine starts it slowly."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def small_disk(databases):
    """A 4 MB tmpfs holding a copy of the migrated template database."""
    mount = Path(tempfile.mkdtemp(prefix="gongkai-disk-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    try:
        url = f"sqlite:///{mount / 'gongkai.db'}"
        prepare(url)
        yield mount, Settings(database_url=url, environment="test")
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


@on_sqlite_as_root
def test_sqlite_on_a_full_disk_answers_503_and_loses_nothing_committed(small_disk):
    mount, settings = small_disk
    api, client = make_api(settings)
    try:
        headers = api.headers("a1")
        filler = mount / "filler"
        free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
        filler.write_bytes(b"\0" * max(free - 1024 * 1024, 0))  # room for a few cases (each writes ~100 KB of WAL)
        acknowledged: list[int] = []
        big = {**CASE, "request": {"description": "某地块征收批复" * 800}}
        for attempt in range(400):
            response = client.post("/api/v1/cases", json=big, headers={**headers, "Idempotency-Key": f"f{attempt}"})
            if response.status_code != 201:
                break
            acknowledged.append(response.json()["id"])
        assert_unavailable(response, "磁盘已满")
        assert acknowledged, "the disk filled before the first case"
        assert client.get("/healthz").status_code == 200
        listed = client.get("/api/v1/cases?page_size=500", headers=headers)
        if listed.status_code == 200:  # reading needs no space
            assert sorted(c["id"] for c in listed.json()["items"]) == acknowledged

        filler.unlink()  # the operator frees space: the same process serves again
        retried = client.post("/api/v1/cases", json=big, headers={**headers, "Idempotency-Key": f"f{attempt}"})
        assert retried.status_code == 201, retried.text
        assert case_count(api) == len(acknowledged) + 1
        with transaction(api.factory) as session:
            ids = set(session.scalars(select(DisclosureCase.id)))
        assert set(acknowledged) < ids
    finally:
        client.__exit__(None, None, None)


@on_sqlite_as_root
def test_sqlite_on_a_read_only_filesystem_answers_503_and_loses_nothing(small_disk):
    mount, settings = small_disk
    api, client = make_api(settings)
    try:
        headers = api.headers("a1")
        ids = [client.post("/api/v1/cases", json=CASE, headers=headers).json()["id"] for _ in range(3)]
        client.app.state.engine.dispose()  # files closed (Linux refuses to remount a file open for writing)
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        # SQLite cannot open a WAL database without creating its -shm file: reads are refused too, clearly.
        assert_unavailable(client.post("/api/v1/cases", json=CASE, headers=headers), "只读")
        assert_unavailable(client.post("/api/v1/cases", json=CASE, headers={**headers, "Idempotency-Key": "r"}))
        assert_unavailable(client.get("/api/v1/cases", headers=headers), "只读")
        assert_unavailable(client.get("/readyz"), "只读")
        assert client.get("/healthz").status_code == 200
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
        listed = client.get("/api/v1/cases", headers=headers)
        assert sorted(c["id"] for c in listed.json()["items"]) == ids
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
        assert client.post("/api/v1/cases", json=CASE, headers=headers).status_code == 201
        assert case_count(api) == 4
    finally:
        client.__exit__(None, None, None)


def test_an_overdue_run_left_running_is_taken_over_after_stale_run(factory):
    """A run whose process lost the database before it could record the failure is not stuck for ever."""
    key = overdue_service.RunKey(date(2026, 11, 30), "*", 3)
    with transaction(factory) as session:
        first = overdue_service.claim_run(session, key, "test").id
    with pytest.raises(overdue_service.RunExists), transaction(factory) as session:
        overdue_service.claim_run(session, key, "test")
    with transaction(factory) as session:
        run = session.get_one(OverdueRun, first)
        run.started_at = utcnow() - overdue_service.STALE_RUN - timedelta(seconds=1)
    with transaction(factory) as session:
        assert overdue_service.claim_run(session, key, "next").id == first
