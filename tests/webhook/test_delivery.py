"""Outbound webhooks against a real HTTP receiver on 127.0.0.1: signatures, retries with backoff, recovery,
exactly-once processing on the receiver side (deduplicated by event id), and the admin endpoints."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.audit import service as audit_service
from app.cli import cli
from app.clock import utcnow
from app.db import transaction
from app.domain.roles import Role
from app.models import AuditRecord, OutboxEvent, WebhookDelivery
from app.settings import Settings
from app.webhook import delivery
from app.webhook.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, verify


class Receiver:
    """An OA system's endpoint: verifies, deduplicates by event id, and can be told to fail."""

    def __init__(self) -> None:
        self.secret = ""
        self.fail_next = 0  # answer 500 without processing
        self.lose_ack_of: set[str] = set()  # event types to process and then answer 500 once (a lost answer)
        self.requests: list[tuple[str, bool]] = []  # (event id, signature valid)
        self.processed: Counter[str] = Counter()
        self.types: dict[str, str] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event_id = self.headers[EVENT_ID_HEADER]
                valid = verify(receiver.secret, self.headers[SIGNATURE_HEADER], body, int(time.time()))
                status = receiver.handle(event_id, self.headers[EVENT_TYPE_HEADER], body, valid)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, event_id: str, event_type: str, body: bytes, valid: bool) -> int:
        with self.lock:
            self.requests.append((event_id, valid))
            if not valid:
                return 401
            if self.fail_next:
                self.fail_next -= 1
                return 500
            assert json.loads(body)["id"] == event_id
            if event_id not in self.processed:  # dedupe: a retried event is acknowledged, not processed again
                self.processed[event_id] += 1
                self.types[event_id] = event_type
                if event_type in self.lose_ack_of:
                    self.lose_ack_of.discard(event_type)
                    return 500
            return 200


@pytest.fixture(autouse=True)
def allow_the_receiver(monkeypatch):
    """The receiver listens on loopback, which only an allow-listed host may be (``app.webhook.destination``)."""
    monkeypatch.setenv("GONGKAI_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")


@pytest.fixture
def receiver():
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def subscribed(api, make_case, receiver):
    make_case()  # creates a1 (its case.created happens before the subscription: never sent)
    response = api.client.post(
        "/api/v1/webhooks", json={"agency": "a1", "url": receiver.url}, headers=api.headers("a1", Role.ADMIN)
    )
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]
    return response.json()


def deliver_until_done(factory, rounds: int = 12) -> None:
    """Run the worker as the clock advances past every backoff."""
    now = utcnow()
    with delivery.http_client(Settings()) as client:
        for _ in range(rounds):
            delivery.deliver_due(factory, client, now)
            now += delivery.MAX_DELAY


def outbox_ids(factory) -> set[str]:
    with transaction(factory) as session:
        rows = session.scalars(select(WebhookDelivery)).all()
        return {str(r.event_id) for r in rows}


def test_failing_endpoint_then_recovery_delivers_every_event_exactly_once(
    api, make_case, receiver, subscribed, factory, settings, monkeypatch
):
    receiver.fail_next = 3
    receiver.lose_ack_of = {"case.concluded"}
    case = make_case(received="2026-11-02")
    make_case(received="2026-11-03")
    concluded = api.client.post(
        f"/api/v1/cases/{case['id']}/conclusion",
        json={"on": "2026-11-20", "disposition": "disclosed"},
        headers=api.headers("a1"),
    )
    assert concluded.status_code == 200
    assert receiver.requests == []  # nothing is sent during a request

    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    first = CliRunner().invoke(cli, ["webhooks", "deliver", "--once"])
    assert first.exit_code == 0, first.output
    assert "待重试 4 条" in first.output  # three 500s and one lost answer

    deliver_until_done(factory)
    expected = outbox_ids(factory)
    assert set(receiver.types.values()) >= {"case.created", "case.step_recorded", "case.concluded"}
    assert set(receiver.processed) == expected
    assert all(count == 1 for count in receiver.processed.values())
    assert all(valid for _, valid in receiver.requests)
    concluded_id = next(i for i, t in receiver.types.items() if t == "case.concluded")
    assert [i for i, _ in receiver.requests].count(concluded_id) == 2  # the lost answer was retried, then deduped
    with transaction(factory) as session:
        rows = session.scalars(select(WebhookDelivery)).all()
        assert {r.status for r in rows} == {"delivered"}
        assert max(r.attempts for r in rows) >= 2

    listed = api.client.get(
        f"/api/v1/webhooks/{subscribed['id']}/deliveries?status=delivered", headers=api.headers("a1", Role.ADMIN)
    )
    assert listed.status_code == 200
    assert {d["event_id"] for d in listed.json()} == expected


def test_two_workers_never_send_an_event_twice(api, make_case, receiver, subscribed, factory):
    for day in range(2, 12):
        make_case(received=f"2026-11-{day:02d}")
    with transaction(factory) as session:
        events = len(session.scalars(select(WebhookDelivery)).all())

    def worker() -> None:
        with delivery.http_client(Settings()) as client:
            delivery.deliver_due(factory, client, utcnow())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(receiver.requests) == events == len(receiver.processed)


def test_gives_up_after_the_last_attempt(api, make_case, subscribed, factory, receiver):
    receiver.fail_next = 10_000
    make_case(received="2026-11-02")
    deliver_until_done(factory, rounds=delivery.MAX_ATTEMPTS + 2)
    with transaction(factory) as session:
        (row,) = session.scalars(select(WebhookDelivery)).all()
        assert (row.status, row.attempts, row.last_status_code) == ("failed", delivery.MAX_ATTEMPTS, 500)
    assert len(receiver.requests) == delivery.MAX_ATTEMPTS


def test_backoff_doubles_and_is_capped():
    assert [delivery.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert delivery.backoff(15) == delivery.MAX_DELAY


def test_admin_endpoints(api, make_case, subscribed, receiver, factory):
    admin = api.headers("a1", Role.ADMIN)
    assert api.client.get("/api/v1/webhooks", headers=api.headers("a1", Role.CLERK)).status_code == 403
    listed = api.client.get("/api/v1/webhooks", headers=admin).json()
    assert [s["id"] for s in listed] == [subscribed["id"]]
    assert "secret" not in listed[0]
    assert set(listed[0]["events"]) >= {"case.created", "report.generated"}
    make_case(received="2026-11-02")
    assert api.client.delete(f"/api/v1/webhooks/{subscribed['id']}", headers=admin).status_code == 204
    assert api.client.get("/api/v1/webhooks", headers=admin).json() == []
    gone = api.client.get(f"/api/v1/webhooks/{subscribed['id']}/deliveries", headers=admin)
    assert gone.status_code == 404
    assert gone.json()["code"] == "subscription_not_found"
    deliver_until_done(factory, rounds=1)
    assert receiver.requests == []  # its pending deliveries were given up
    with transaction(factory) as session:
        assert session.scalars(select(OutboxEvent)).all()  # the events themselves are kept


def test_a_receiver_address_it_cannot_take_is_refused_with_what_to_write(api):
    api.agency("a1")
    admin = api.headers("a1", Role.ADMIN)
    for url, said in (
        ("ftp://oa.example.gov.cn/hook", "网址应以 http:// 或 https:// 开头。"),
        ("https://oa.example.gov.cn:99999/hook", "端口应在 1–65535 之间"),
        ("https://oa.example.gov.cn/" + "a" * 600, "网址最多 500 个字符。"),
    ):
        response = api.client.post("/api/v1/webhooks", json={"agency": "a1", "url": url}, headers=admin)
        assert response.status_code == 422, response.text
        assert said in response.text, response.text
        assert "取值无效" not in response.text


class _Trickling(BaseHTTPRequestHandler):
    """A receiver that answers 200 at once, then its body a byte at a time, slower than any read time-out notices."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "40")
        self.end_headers()
        for _ in range(40):
            try:
                self.wfile.write(b"x")
                self.wfile.flush()
            except OSError:
                return  # the worker hung up: what it must do
            time.sleep(0.25)

    def log_message(self, *args: object) -> None:
        pass


def test_an_attempt_ends_at_its_time_limit_however_slowly_the_receiver_answers(api, make_case, factory, monkeypatch):
    """An attempt is bounded as a whole, not per read: a receiver trickling its answer held one for 11 minutes, past the
    batch's lease, and a second worker sent the event again (found by a probe)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Trickling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        make_case()
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        created = api.client.post(
            "/api/v1/webhooks", json={"agency": "a1", "url": url}, headers=api.headers("a1", Role.ADMIN)
        )
        assert created.status_code == 201, created.text
        make_case()
        monkeypatch.setattr(delivery, "TIMEOUT_SECONDS", 1.0)
        started = time.monotonic()
        with delivery.http_client(Settings()) as client:
            stats = delivery.deliver_due(factory, client, utcnow())
        assert time.monotonic() - started < 5  # the whole answer would take 10 s
        assert (stats.delivered, stats.retrying) == (0, 1)
        with transaction(factory) as session:
            row = session.scalars(select(WebhookDelivery)).one()
            assert (row.status, row.attempts) == ("pending", 1)
            assert (row.last_error or "").startswith("TimeoutError")
    finally:
        server.shutdown()
        server.server_close()


def test_an_outcome_is_recorded_only_by_the_worker_that_holds_the_lease(api, make_case, subscribed, factory):
    """A worker whose lease passed to another (it was too slow) does not overwrite the other's record."""
    make_case()
    now = utcnow()
    with transaction(factory) as session:
        [claimed] = delivery._claim(session, now, 10)
    with transaction(factory) as session:  # the lease ran out and another worker claimed it
        session.get_one(WebhookDelivery, claimed.delivery_id).next_attempt_at = now + 2 * delivery.LEASE
    with transaction(factory) as session:
        assert delivery._record(session, claimed, 200, None, now) == "leased"
    with transaction(factory) as session:
        row = session.get_one(WebhookDelivery, claimed.delivery_id)
        assert (row.status, row.attempts) == ("pending", 0)


def test_a_policy_change_announces_and_records_every_moved_case_once(api, make_case, receiver, subscribed, factory):
    """The recomputation writes its cases' notes, audit records and outbox events together (one statement per kind,
    not per case): each moved case still gets its own audit record, in case order on the agency's chain, which
    verifies, and its own ``case.deadline_changed`` event."""
    cases = [make_case(received=f"2026-11-0{day}") for day in (2, 3, 4)]
    with transaction(factory) as session:
        first = audit_service.repository.heads(session, "a1")["a1"].seq
    changed = api.client.put(
        "/api/v1/agencies/a1/policy", json={"reply_days": 10}, headers=api.headers("a1", Role.ADMIN)
    )
    assert changed.status_code == 200, changed.text
    ids = [c["id"] for c in cases]
    assert [c["case_id"] for c in changed.json()["changed_cases"]][-3:] == ids
    with transaction(factory) as session:
        records = session.scalars(
            select(AuditRecord).where(AuditRecord.chain == "a1", AuditRecord.seq > first).order_by(AuditRecord.seq)
        ).all()
        assert audit_service.verify(session, "a1")[1] == []
    recomputed = [r for r in records if r.action == "case.step.deadlines_recomputed"]
    assert [int(r.entity_id) for r in recomputed][-3:] == ids
    assert [r.seq for r in records] == list(range(first + 1, first + 1 + len(records)))
    assert records[-1].action == "agency.policy"
    deliver_until_done(factory)
    announced = [i for i, t in receiver.types.items() if t == "case.deadline_changed"]
    assert len(announced) >= 3
    assert all(receiver.processed[i] == 1 for i in announced)
