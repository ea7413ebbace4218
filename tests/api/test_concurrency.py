"""Bounded waits under load (issue #9): a request that cannot get its turn, a connection or a lock in time is answered
503 problem+json with ``Retry-After``; bookkeeping rows are not written inside the request's transaction; webhook
delivery holds no transaction while it waits on a receiver. Real databases, real locks; no timing assertions."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anyio
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app import errors
from app.agency import repository as agency_repository
from app.agency import service as agency_service
from app.auth.principal import Principal
from app.clock import utcnow
from app.concurrency import RequestSlots
from app.db import transaction
from app.deps import get_today
from app.domain.clock import DeadlinePolicy
from app.domain.roles import Role
from app.holiday import service as calendar_service
from app.main import create_app
from app.models import Agency, ApiToken, AppUser, CaseCounter, Membership, WebhookDelivery
from app.report import service as report_service
from app.settings import Settings
from app.user import service as user_service
from app.webhook import delivery
from tests.api.test_calendar import NOTICE_2027
from tests.conftest import Api, Clock
from tests.document.steps import PROFILE, fee_case, post

CASE = {
    "agency": "a1",
    "applicant": {"type": "natural_person", "name": "张三"},
    "channel": "in_person",
    "receipt": {"submitted_on": "2026-11-02"},
    "request": {"description": "某地块征收批复"},
}


@pytest.fixture
def quick(settings: Settings, factory: sessionmaker[Session]) -> Iterator[Api]:
    """The API with a short ``busy_timeout``, so that a blocked request gives up quickly."""
    # The webhook test's receiver is on this machine: allowed by name, as an OA system on the intranet would be.
    app = create_app(settings.model_copy(update={"busy_timeout": 0.5, "webhook_allow_hosts": "127.0.0.1"}))
    clock = Clock()
    app.dependency_overrides[get_today] = lambda: clock.today
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, factory, clock)
        api.agency("a1")
        yield api


@contextmanager
def locked(factory: sessionmaker[Session], entity: type[CaseCounter] | type[ApiToken]) -> Iterator[None]:
    """Another transaction holds the rows of ``entity`` (PostgreSQL: their row locks; SQLite: the write lock)."""
    with transaction(factory) as session:
        session.execute(select(entity).with_for_update()).all()
        yield


def assert_busy(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["code"] == "database_unavailable"


def test_a_write_that_cannot_get_its_lock_in_time_is_answered_503_and_changes_nothing(quick: Api) -> None:
    headers = quick.headers("a1")
    assert quick.client.post("/api/v1/cases", json=CASE, headers=headers).status_code == 201
    with locked(quick.factory, CaseCounter):
        assert_busy(quick.client.post("/api/v1/cases", json=CASE, headers=headers))
        keyed = {**headers, "Idempotency-Key": "burst-1"}
        assert_busy(quick.client.post("/api/v1/cases", json=CASE, headers=keyed))
    retried = quick.client.post("/api/v1/cases", json=CASE, headers=keyed)
    assert retried.status_code == 201, retried.text
    assert retried.json()["number"] == "2026-0002"  # the refused attempts used no number
    assert "Idempotent-Replayed" not in retried.headers


def test_a_write_blocked_by_another_process_on_sqlite_is_answered_503(quick: Api, settings: Settings) -> None:
    """Another process (the CLI, a second server) holding SQLite's write lock: this process's writer queue is free,
    so the wait is SQLite's own ``BEGIN IMMEDIATE`` (busy_timeout), and its refusal is a 503 like any other."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's file lock")
    headers = quick.headers("a1")
    other = sqlite3.connect(make_url(settings.database_url).database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        assert_busy(quick.client.post("/api/v1/cases", json=CASE, headers=headers))
    finally:
        other.rollback()
        other.close()
    assert quick.client.post("/api/v1/cases", json=CASE, headers=headers).status_code == 201


def test_a_refusal_of_bad_input_does_not_wait_for_the_writers(quick: Api) -> None:
    """A request refused before its worker thread has its credentials checked by the error handler: a read, which
    on SQLite must not queue for the write lock (it did: a 422 became a 503 after busy_timeout behind one writer)."""
    headers = quick.headers("a1")
    with locked(quick.factory, CaseCounter):
        refused = quick.client.get("/api/v1/cases", params={"page": 0}, headers=headers)
    assert refused.status_code == 422, refused.text


def test_a_request_is_answered_while_its_tokens_row_is_locked(quick: Api) -> None:
    """The token's last use is not written in the request's transaction (one OA token, many parallel calls)."""
    headers = quick.headers("a1")
    with locked(quick.factory, ApiToken):
        response = quick.client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 200, response.text


def test_the_last_use_of_a_token_is_recorded_at_most_once_a_minute(api: Api) -> None:
    api.agency("a1")
    headers = api.headers("a1")
    assert api.client.get("/api/v1/cases", headers=headers).status_code == 200
    with transaction(api.factory) as session:
        first = session.scalars(select(ApiToken.last_used_at)).one()
    assert first is not None
    assert first <= utcnow()
    assert api.client.get("/api/v1/cases", headers=headers).status_code == 200
    with transaction(api.factory) as session:
        assert session.scalars(select(ApiToken.last_used_at)).one() == first


def test_requests_beyond_the_slots_wait_their_turn_then_get_503() -> None:
    async def main() -> tuple[httpx.Response, httpx.Response]:
        entered, release = anyio.Event(), anyio.Event()
        app = FastAPI()
        errors.install(app)
        app.add_middleware(RequestSlots, slots=1, timeout=0.2)

        @app.get("/api/v1/cases")
        async def slow() -> dict[str, str]:
            entered.set()
            await release.wait()
            return {}

        transport = httpx.ASGITransport(app=app)
        answers: list[httpx.Response] = []
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://test") as client,
            anyio.create_task_group() as tasks,
        ):

            async def first() -> None:
                answers.append(await client.get("/api/v1/cases"))

            tasks.start_soon(first)
            await entered.wait()
            second = await client.get("/api/v1/cases")
            release.set()
        return answers[0], second

    first, second = anyio.run(main)
    assert first.status_code == 200
    assert_busy(second)


class SlowReceiver:
    """A webhook receiver that holds each request until told to answer."""

    def __init__(self) -> None:
        self.arrived, self.release = threading.Event(), threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.arrived.set()
                receiver.release.wait(30)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_webhook_delivery_waits_on_a_receiver_without_holding_a_transaction(quick: Api) -> None:
    settings = quick.client.app.state.settings  # type: ignore[attr-defined]
    receiver = SlowReceiver()
    try:
        admin = quick.headers("a1", Role.ADMIN)
        subscribed = quick.client.post("/api/v1/webhooks", json={"agency": "a1", "url": receiver.url}, headers=admin)
        assert subscribed.status_code == 201, subscribed.text
        assert quick.client.post("/api/v1/cases", json=CASE, headers=quick.headers("a1")).status_code == 201
        worker = threading.Thread(
            target=lambda: delivery.deliver_due(quick.factory, delivery.http_client(settings), utcnow()), daemon=True
        )
        worker.start()
        assert receiver.arrived.wait(30)
        # While the receiver keeps the worker waiting, a clerk's write goes through (busy_timeout is 0.5 s).
        created = quick.client.post("/api/v1/cases", json=CASE, headers=quick.headers("a1"))
        assert created.status_code == 201, created.text
        receiver.release.set()
        worker.join(30)
        with transaction(quick.factory) as session:
            statuses = session.scalars(select(WebhookDelivery.status).order_by(WebhookDelivery.id)).all()
        assert statuses == ["delivered", "pending"]
    finally:
        receiver.release.set()
        receiver.server.shutdown()
        receiver.server.server_close()


def test_clients_trickling_their_bodies_hold_no_request_slot(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    """Slow bodies (a slowloris, or a phone on a bad line): a request takes one of the process's ``db_pool_size``
    slots only once its body is in. Eight bodies that never finish used to take all eight slots, and every other
    request got 503 after ``busy_timeout``."""
    app = create_app(settings.model_copy(update={"busy_timeout": 0.5}))
    api = Api(TestClient(app), factory, Clock())
    api.agency("a1")
    token = api.headers("a1")["Authorization"]

    async def scenario() -> int:
        stalled = anyio.Event()

        async def trickle() -> dict[str, object]:
            await stalled.wait()
            return {"type": "http.disconnect"}

        async def ignore(_message: dict[str, object]) -> None:
            return None

        headers = [(b"content-type", b"application/json"), (b"content-length", b"1000"), (b"host", b"t")]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/api/v1/cases",
            "raw_path": b"/api/v1/cases",
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("192.0.2.1", 1),
            "server": ("t", 80),
        }
        async with anyio.create_task_group() as slow:
            for _ in range(settings.db_pool_size):
                slow.start_soon(app, dict(scope), trickle, ignore)
            await anyio.sleep(0.1)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                answer = await client.get("/api/v1/auth/me", headers={"Authorization": token})
            stalled.set()
        return answer.status_code

    assert anyio.run(scenario) == 200


def test_a_read_does_not_wait_for_a_writer_to_record_its_tokens_use(settings: Settings, factory: sessionmaker[Session]):
    """A token's last use is recorded after the request's commit, as bookkeeping: on SQLite it takes the write lock
    only if it is free at once, and is left to a later request otherwise. It used to wait ``busy_timeout`` behind
    another process's writer (a GET answered after 5 s; eight such held every request slot)."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's file lock")
    app = create_app(settings.model_copy(update={"busy_timeout": 30}))
    with TestClient(app) as client:
        api = Api(client, factory, Clock())
        api.agency("a1")
        headers = api.headers("a1")
        other = sqlite3.connect(make_url(settings.database_url).database, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            answer = client.get("/api/v1/auth/me", headers=headers)
            waited = time.monotonic() - started
        finally:
            other.rollback()
            other.close()
        assert answer.status_code == 200
        assert waited < 10  # not the 30 s of busy_timeout
        with transaction(factory) as session:
            assert session.scalars(select(ApiToken.last_used_at)).one() is None  # skipped, for a later request
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
        with transaction(factory) as session:
            assert session.scalars(select(ApiToken.last_used_at)).one() is not None


def _in_thread(work) -> tuple[threading.Thread, list[object]]:
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    return thread, result


def _until_another_waits_on_a_lock(session: Session) -> None:
    """On PostgreSQL, until another session of this database waits for a lock (at most 10 s); on SQLite, whose
    writers queue in the process before they read anything, a moment."""
    if session.get_bind().dialect.name != "postgresql":
        time.sleep(0.3)
        return
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        session.execute(text("SELECT pg_stat_clear_snapshot()"))  # else read once per transaction
        if session.connection().scalar(waiting):
            return
        time.sleep(0.02)


def _while_held(api: Api, hold: Callable[[Session], object], request: Callable[[], httpx.Response]) -> httpx.Response:
    """``request`` sent while a transaction that did ``hold`` is open, once it waits on that transaction's locks (on
    PostgreSQL); its answer, after the transaction committed."""
    with transaction(api.factory) as session:
        hold(session)
        thread, result = _in_thread(request)
        _until_another_waits_on_a_lock(session)
    thread.join()
    response = result[0]
    assert isinstance(response, httpx.Response)
    return response


def _policy(api: Api, policy: DeadlinePolicy) -> Callable[[Session], object]:
    def change(session: Session) -> object:
        agency = agency_repository.get_agency(session, "a1")
        return agency_service.change_policy(session, agency, policy, "test", api.clock.today)

    return change


def test_a_registration_during_a_policy_change_counts_with_the_new_policy(api: Api) -> None:
    """A policy change recomputes the open cases it finds; a case registered while it ran, with the old policy
    read before the change committed, was not among them and kept the old deadline (PostgreSQL; found by a probe).
    The registration share-locks the agency, so it waits for the change and reads the new policy."""
    api.agency("a1")
    headers = api.headers("a1")
    body = {**CASE, "receipt": {"submitted_on": "2026-11-02"}}  # 15 working days: 2026-11-23; 10: 2026-11-16
    register = lambda: api.client.post("/api/v1/cases", json=body, headers=headers)  # noqa: E731
    created = _while_held(api, _policy(api, DeadlinePolicy(reply_days=10)), register)
    assert created.status_code == 201, created.text
    assert created.json()["deadline"]["due_date"] == "2026-11-16"


def test_a_policy_change_and_steps_at_once_neither_deadlocks(api: Api) -> None:
    """A policy change took the audit chain's head, then the open cases; a step takes its case, then the head: at
    once on PostgreSQL they deadlocked and both were answered 500. Now the change takes the cases first."""
    api.agency("a1")
    headers = api.headers("a1", Role.ADMIN)
    ids = [api.client.post("/api/v1/cases", json=CASE, headers=headers).json()["id"] for _ in range(9)]

    def extend(case_id: int) -> httpx.Response:
        step = {"on": "2026-11-20", "days": 5, "approver": "王主任", "notice_on": "2026-11-20"}
        return api.client.post(f"/api/v1/cases/{case_id}/extension", json=step, headers=headers)

    def conclude(case_id: int) -> httpx.Response:  # alters a year's cells: guarded against publication
        step = {"on": "2026-11-20", "disposition": "disclosed"}
        return api.client.post(f"/api/v1/cases/{case_id}/conclusion", json=step, headers=headers)

    def change(days: int) -> httpx.Response:
        return api.client.put("/api/v1/agencies/a1/policy", json={"reply_days": days}, headers=headers)

    for attempt in range(3):
        extended, concluded = ids[attempt * 3 : attempt * 3 + 2], ids[attempt * 3 + 2]
        threads = [_in_thread(lambda c=c: extend(c)) for c in extended]
        threads.append(_in_thread(lambda c=concluded: conclude(c)))
        threads.append(_in_thread(lambda d=12 + attempt: change(d)))
        for thread, _ in threads:
            thread.join()
        for _, result in threads:
            response = result[0]
            assert isinstance(response, httpx.Response)
            assert response.status_code == 200, response.text


def test_a_token_is_rotated_once_however_many_ask_at_once(api: Api) -> None:
    """Two rotations at once both found the token not yet rotated and issued two successors (PostgreSQL)."""
    api.agency("a1")
    admin = api.headers("a1", Role.ADMIN)
    token = api.client.post("/api/v1/tokens", json={"agency": "a1", "role": "clerk", "name": "oa"}, headers=admin)
    assert token.status_code == 201, token.text
    token_id = token.json()["id"]
    with transaction(api.factory) as session:  # holds the token's row (SQLite: the writer) while both ask
        session.execute(select(ApiToken).where(ApiToken.id == token_id).with_for_update()).all()
        threads = [
            _in_thread(lambda: api.client.post(f"/api/v1/tokens/{token_id}/rotation", headers=admin)) for _ in range(2)
        ]
        threads[0][0].join(0.5)
    for thread, _ in threads:
        thread.join()
    statuses = sorted(result[0].status_code for _, result in threads)  # type: ignore[attr-defined]
    assert statuses == [201, 409], [result[0].text for _, result in threads]  # type: ignore[attr-defined]


def test_two_users_of_one_name_at_once_are_one_created_and_one_taken(api: Api) -> None:
    """The second of two simultaneous creations of one username got a generic 409 ``conflict`` from the unique
    index (PostgreSQL), not the ``username_taken`` the check gives."""
    api.agency("a1")
    admin = api.headers("a1", Role.ADMIN)
    body = {
        "username": "zhou",
        "display_name": "周九",
        "password": "Kx7-lantern-204",
        "memberships": [{"agency": "a1", "role": "clerk"}],
    }
    with transaction(api.factory) as session:  # the first creation waits here until both have checked the name
        session.execute(select(AppUser).with_for_update()).all()
        threads = [_in_thread(lambda: api.client.post("/api/v1/users", json=body, headers=admin)) for _ in range(2)]
        threads[0][0].join(0.5)
    for thread, _ in threads:
        thread.join()
    answers = sorted((result[0].status_code, result[0].json().get("code")) for _, result in threads)  # type: ignore[attr-defined]
    assert answers == [(201, None), (409, "username_taken")], answers


def test_a_conclusion_made_while_the_year_is_published_is_guarded_not_lost(api: Api) -> None:
    """Publishing built the tables and wrote the snapshot with no lock: a case concluded in the year while that ran
    was neither in the snapshot nor refused (PostgreSQL; found by a probe). Now the step waits for the publication
    and is then guarded (409 ``report_published`` for a supervisor)."""
    api.agency("a1")
    headers = api.headers("a1")
    body = {**CASE, "receipt": {"submitted_on": "2025-12-01"}}
    case = api.client.post("/api/v1/cases", json=body, headers=headers).json()
    conclusion = {"on": "2025-12-10", "disposition": "disclosed"}

    def publish(session: Session) -> object:
        agency = agency_repository.get_agency(session, "a1")
        admin = Principal(actor="admin", memberships={agency.id: Role.ADMIN}, descendants={})
        return report_service.publish(session, admin, 2025, "a1", api.clock.today)

    conclude = lambda: api.client.post(f"/api/v1/cases/{case['id']}/conclusion", json=conclusion, headers=headers)  # noqa: E731
    concluded = _while_held(api, publish, conclude)
    assert concluded.status_code == 409, concluded.text
    assert concluded.json()["code"] == "report_published"


def test_a_registration_during_a_calendar_import_counts_with_the_new_calendar(api: Api) -> None:
    """A calendar import recomputes the open cases it finds; one registered meanwhile with the calendar read before
    the import committed kept the old dates (PostgreSQL; found by a probe). The import locks every agency, which a
    registration share-locks before it reads the calendar."""
    api.clock.today = date(2026, 12, 20)
    api.agency("a1")
    headers = api.headers("a1")
    body = {**CASE, "receipt": {"submitted_on": "2026-12-18"}}  # +15 is in 2027: 01-08 unknown, 01-11 with 2027's
    notice = calendar_service.parse_json(json.dumps(NOTICE_2027))
    created = _while_held(
        api,
        lambda session: calendar_service.import_year(session, notice, "test", api.clock.today),
        lambda: api.client.post("/api/v1/cases", json=body, headers=headers),
    )
    assert created.status_code == 201, created.text
    assert (created.json()["deadline"]["due_date"], created.json()["deadline"]["provisional"]) == ("2027-01-11", False)


def test_every_writer_takes_its_agency_before_its_case_and_the_audit_head(api: Api, make_case) -> None:
    """The lock order of every writer on PostgreSQL is the agency (an advisory lock), the case's row, the audit
    chain's head: recording a fee notice's receipt took its agency after its case and deadlocked with a policy change
    (found by a review). Each writer below, through the API, in the order of its statements."""
    if api.client.app.state.engine.dialect.name != "postgresql":  # type: ignore[attr-defined]
        pytest.skip("SQLite has one writer at a time: no locks to order")
    case = fee_case(api, make_case)
    admin = api.headers("a1", Role.ADMIN)
    assert api.client.put("/api/v1/agencies/a1/letter-profile", json=PROFILE, headers=admin).status_code == 200
    letter = post(api, f"/api/v1/cases/{case['id']}/letters", {"kind": "fee_notice"}, 201)
    sent = post(
        api,
        f"/api/v1/documents/{letter['id']}/deliveries",
        {"method": "post", "carrier": "ems", "sent_on": "2026-02-02"},
        201,
    )
    other = make_case(received="2026-11-20")
    statements: list[str] = []
    engine = api.client.app.state.engine  # type: ignore[attr-defined]

    def seen(_conn, _cursor, statement: str, *_args) -> None:
        statements.append(statement)

    writers = {
        "receipt": lambda: post(api, f"/api/v1/deliveries/{sent['id']}/receipt", {"received_on": "2026-02-05"}),
        "letter": lambda: post(api, f"/api/v1/cases/{case['id']}/letters", {"kind": "fee_notice"}, 201),
        "assignment": lambda: post(api, f"/api/v1/cases/{case['id']}/assignment", {"username": None}),
        "step": lambda: post(
            api, f"/api/v1/cases/{other['id']}/conclusion", {"on": "2026-11-27", "disposition": "disclosed"}
        ),
        "registration": lambda: post(api, "/api/v1/cases", {**CASE, "receipt": {"submitted_on": "2026-02-02"}}, 201),
    }
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for name, write in writers.items():
            statements.clear()
            write()
            order = [
                "agency"
                if "pg_advisory_xact_lock" in s
                else "case"
                if "FOR UPDATE" in s and "disclosure_case" in s
                else "head"
                if s.startswith("UPDATE audit_chain_head")
                else None
                for s in statements
            ]
            # the first time each is taken (taking a lock again that the transaction holds waits for nothing)
            taken = list(dict.fromkeys(kind for kind in order if kind is not None))
            assert taken[0] == "agency", (name, taken)
            assert taken == sorted(taken, key=["agency", "case", "head"].index), (name, taken)
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_two_policy_changes_at_once_the_later_is_stored_whole(api: Api) -> None:
    """The second of two policy changes computed its UPDATE against the agency as loaded before the first committed:
    ``extension_limit`` back to null looked unchanged and was not written (found by a review)."""
    api.agency("a1")
    admin = api.headers("a1", Role.ADMIN)
    body = {"reply_days": 12, "extension_limit": None}
    change = lambda: api.client.put("/api/v1/agencies/a1/policy", json=body, headers=admin)  # noqa: E731
    changed = _while_held(api, _policy(api, DeadlinePolicy(10, 20)), change)
    assert changed.status_code == 200, changed.text
    with transaction(api.factory) as session:
        stored = session.execute(select(Agency.reply_days, Agency.extension_limit).where(Agency.code == "a1")).one()
    assert tuple(stored) == (12, None)


def test_two_admins_removing_a_users_last_two_roles_at_once_leave_one(api: Api) -> None:
    """Each administrator saw the other's role still there and removed their own: the account was left in no agency
    (found by a review). The user's row is locked while its roles are counted."""
    api.agency("a1")
    api.agency("a2")
    with transaction(api.factory) as session:
        both = [(agency_repository.get_agency(session, code), Role.CLERK) for code in ("a1", "a2")]
        user_id = user_service.create_user(session, "li", "李四", "Kx7-lantern-204", both, actor="test").id
    heads = [api.headers(code, Role.ADMIN) for code in ("a1", "a2")]
    with transaction(api.factory) as session:  # the user's row (SQLite: the writer) held while both ask
        session.execute(select(AppUser).where(AppUser.id == user_id).with_for_update()).all()
        threads = [
            _in_thread(
                lambda code=code, h=h: api.client.delete(f"/api/v1/users/{user_id}/memberships/{code}", headers=h)
            )
            for code, h in zip(("a1", "a2"), heads, strict=True)
        ]
        _until_another_waits_on_a_lock(session)
    for thread, _ in threads:
        thread.join()
    answers = sorted((result[0].status_code, result[0].json().get("code")) for _, result in threads)  # type: ignore[attr-defined]
    assert answers[0][0] == 200
    assert answers[1] == (409, "last_membership"), answers
    with transaction(api.factory) as session:
        assert session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == user_id)) == 1
