"""Item 3: the sign-in counters are atomic. Real parallel guesses against a uvicorn server with four worker
processes (on PostgreSQL with ``GONGKAI_TEST_DB=postgresql``): no more wrong passwords are checked than the limits
allow, however the attempts interleave (a success amid them takes back only its own count), and the right password is
refused once they are passed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.agency import service as agency_service
from app.auth import service as auth_service
from app.db import transaction
from app.domain.roles import Role
from app.user import service as user_service
from tests.conftest import BACKEND

PASSWORD = "the-right-password"
GUESSES = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(settings, factory):
    with transaction(factory) as session:
        agency = agency_service.create_agency(session, code="a", name="A 机关")
        for name in ("target", "spread"):
            user_service.create_user(session, name, "目标", PASSWORD, [(agency, Role.ADMIN)], actor="test")
    port = _free_port()
    env = {**os.environ, "GONGKAI_DATABASE_URL": settings.database_url, "GONGKAI_ENVIRONMENT": "test"}
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--port", str(port)]
    command += ["--host", "127.0.0.1", "--workers", "4", "--log-level", "warning"]
    command += ["--timeout-worker-healthcheck", "300"]  # a loaded test machine must not have workers killed
    command += ["--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"]  # lets the test speak from many addresses
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _storm(base: str, username: str, spread: bool, right_every: int = 5) -> list[int]:
    """GUESSES sign-ins at once, every ``right_every``-th with the right password; from one address, or each from
    its own (past the account's limit, it takes one attempt per ``ACCOUNT_INTERVAL``: the bound counts them)."""

    def attempt(n: int) -> int:
        password = PASSWORD if right_every and n % right_every == right_every - 1 else f"guess-{n}"
        headers = {"X-Forwarded-For": f"10.0.{n // 250}.{n % 250 + 1}"} if spread else {}
        body = {"username": username, "password": password}
        try:
            return httpx.post(f"{base}/api/v1/auth/login", json=body, headers=headers, timeout=60).status_code
        except httpx.HTTPError as exc:
            return repr(exc)

    with ThreadPoolExecutor(GUESSES) as pool:
        return list(pool.map(attempt, range(GUESSES)))


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite has one writer: every transaction is serialised")
def test_parallel_guesses_check_no_more_passwords_than_the_limits(server):
    """One server for both storms (starting four workers is the slow part)."""
    statuses = _storm(server, "target", spread=False)
    assert set(statuses) <= {200, 401, 429}, statuses
    assert statuses.count(401) <= auth_service.PAIR_LIMIT.attempts, statuses
    after = httpx.post(f"{server}/api/v1/auth/login", json={"username": "target", "password": PASSWORD})
    assert after.status_code == 429, after.text

    started = time.monotonic()
    statuses = _storm(server, "spread", spread=True, right_every=0)
    turns = int((time.monotonic() - started) / auth_service.ACCOUNT_INTERVAL.total_seconds()) + 1
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) <= auth_service.ACCOUNT_LIMIT.attempts + turns, statuses
