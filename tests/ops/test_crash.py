"""SIGKILL the real server while clients write, again and again: nothing acknowledged is lost, nothing is done twice.

``gongkai serve`` runs in a process of its own (uvicorn) on the suite's database (SQLite in WAL mode, or
PostgreSQL). Four clients create cases and record steps on them, each request with an ``Idempotency-Key``; a request
that got no answer (the server died) or a 5xx is retried with the same key until it is acknowledged, as an OA
system would. Meanwhile the server is killed with SIGKILL ``KILLS`` times, each time at a random moment after it
has acknowledged a write (so that every life of the server has writes in flight, however slow the machine), and
restarted.
Afterwards: every acknowledged write is in the database, complete (a case with its receipt, a step as its event),
no write happened twice, the case numbers are gap-free, and every audit chain verifies.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import select

from app.agency import service as agency_service
from app.auth import service as auth_service
from app.db import transaction
from app.domain.roles import Role
from app.models import CaseEvent, DisclosureCase
from tests.ops.cluster import GONGKAI, Server

KILLS = 5
CLIENTS = 4
RUN_BETWEEN_KILLS = (0.0, 1.5)  # seconds the server lives after its first acknowledged write, before the SIGKILL


@dataclass
class Ledger:
    """What the clients were told: each acknowledged write by its key."""

    cases: dict[str, dict[str, object]] = field(default_factory=dict)  # key -> the 201 body
    steps: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (case id, event type)
    answers: Counter[str] = field(default_factory=Counter)  # "201", "replayed", "connection", "503" …
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged_since_start: threading.Event = field(default_factory=threading.Event)


class Client(threading.Thread):
    def __init__(self, server: Server, token: str, ledger: Ledger, stop: threading.Event, seed: int) -> None:
        super().__init__(daemon=True)
        self.server, self.ledger, self.stop, self.random = server, ledger, stop, random.Random(seed)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.failure: BaseException | None = None

    def acknowledged(self, path: str, body: dict[str, object]) -> tuple[str, httpx.Response]:
        """POST until acknowledged, always with the same key (a lost answer is retried, never re-keyed)."""
        key = uuid.uuid4().hex
        while True:
            try:
                response = httpx.post(
                    self.server.base + path, json=body, headers={**self.headers, "Idempotency-Key": key}, timeout=15
                )
            except httpx.HTTPError:
                self.count("connection")
                time.sleep(0.05)
                continue
            if response.status_code >= 500:
                self.count(str(response.status_code))
                time.sleep(0.05)
                continue
            assert response.status_code in (200, 201), response.text
            self.ledger.acknowledged_since_start.set()
            self.count("replayed" if response.headers.get("Idempotent-Replayed") else str(response.status_code))
            return key, response

    def count(self, answer: str) -> None:
        with self.ledger.lock:
            self.ledger.answers[answer] += 1

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                body = {
                    "agency": "a1",
                    "applicant": {"type": "natural_person", "name": "张三"},
                    "channel": "in_person",
                    "receipt": {"submitted_on": "2026-11-02"},
                    "request": {"description": "某地块征收批复"},
                }
                key, created = self.acknowledged("/api/v1/cases", body)
                case = created.json()
                with self.ledger.lock:
                    self.ledger.cases[key] = case
                if self.random.random() < 0.6:
                    step = {"on": "2026-11-04", "party": "third_party", "addressee": "某公司"}
                    key, _ = self.acknowledged(f"/api/v1/cases/{case['id']}/consultation", step)
                    with self.ledger.lock:
                        self.ledger.steps[key] = (case["id"], "consultation_started")
        except BaseException as exc:  # reported by the test
            self.failure = exc


@pytest.fixture
def token(factory) -> str:
    with transaction(factory) as session:
        agency = agency_service.create_agency(session, code="a1", name="a1 机关")
        _, plain = auth_service.create_token(session, agency, Role.SUPERVISOR, "crash-test")
    return plain


def test_sigkill_while_writing_loses_nothing_acknowledged_and_duplicates_nothing(settings, factory, token, tmp_path):
    server = Server({"GONGKAI_DATABASE_URL": settings.database_url, "GONGKAI_ENVIRONMENT": "test"}, tmp_path / "log")
    ledger, stop = Ledger(), threading.Event()
    chance = random.Random()
    server.start()
    clients = [Client(server, token, ledger, stop, chance.randrange(1 << 30)) for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    try:
        for _ in range(KILLS):
            ledger.acknowledged_since_start.wait(timeout=120)  # the server lives until it has answered a write
            time.sleep(chance.uniform(*RUN_BETWEEN_KILLS))
            server.kill()
            ledger.acknowledged_since_start.clear()
            server.start()
        time.sleep(1.0)
        stop.set()
        for client in clients:
            client.join(timeout=60)
    finally:
        stop.set()
        server.kill()
    assert [c.failure for c in clients] == [None] * CLIENTS
    assert not any(c.is_alive() for c in clients)
    assert ledger.answers["connection"] > 0, "no request was ever cut off: the kills tested nothing"

    with transaction(factory) as session:
        cases = {c.id: c for c in session.scalars(select(DisclosureCase))}
        events = Counter((e.case_id, e.type) for e in session.scalars(select(CaseEvent)))
    acknowledged = {int(str(body["id"])): body for body in ledger.cases.values()}
    assert len(acknowledged) == len(ledger.cases)  # no two keys were answered with the same case
    assert set(cases) == set(acknowledged)  # nothing lost, and no case that nobody was told about
    for case_id, body in acknowledged.items():
        assert cases[case_id].number == body["number"]
        assert events[(case_id, "received")] == 1
    stepped = Counter(ledger.steps.values())
    assert all(count == 1 for count in stepped.values())
    for case_id in cases:
        assert events[(case_id, "consultation_started")] == stepped[(case_id, "consultation_started")]
    assert sorted(c.seq for c in cases.values()) == list(range(1, len(cases) + 1))  # gap-free

    verify = subprocess.run(
        [*GONGKAI, "audit", "verify"],
        env={**server.env, "GONGKAI_DATABASE_URL": settings.database_url},
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stderr
    print(
        f"\n{settings.database_url.split(':')[0]}: {KILLS} kills, {len(cases)} cases and {len(ledger.steps)} steps "
        f"acknowledged and found, 0 duplicates; answers {dict(ledger.answers)}"
    )
