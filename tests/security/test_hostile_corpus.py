"""The hostile-input corpus of the outside review, on both databases: SQL metacharacters, huge numbers, unicode
tricks, NUL, 2 MB and chunked bodies, deeply nested JSON, wrong content types, impossible dates, path traversal.
Every input is refused with a 4xx — problem+json from the API, an HTML error page from the clerks' pages — and
nothing is half-written (no table gains a row).

One database and one application serve the whole module (the inputs change nothing, which each test checks), so the
corpus costs a few seconds, not a database per input."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.agency import service as agency_service
from app.auth import service as auth_service
from app.clock import utcnow
from app.db import make_engine, make_session_factory, transaction
from app.deps import get_today
from app.domain.roles import Role
from app.main import create_app
from app.models import (
    ApiToken,
    AppUser,
    AuditRecord,
    CaseEvent,
    DisclosureCase,
    IdempotencyKey,
    WebhookSubscription,
)
from app.settings import Settings
from app.user import service as user_service
from tests.conftest import Clock

MB2 = 2 * 1024 * 1024
DEEP = 50_000
CASE = {
    "agency": "a1",
    "applicant": {"type": "natural_person", "name": "张三"},
    "channel": "in_person",
    "receipt": {"submitted_on": "2026-03-02"},
    "request": {"description": "某地块征收批复"},
}


def case_with(**changes: object) -> dict[str, object]:
    """The valid case body with dotted paths replaced (``applicant.name``)."""
    body: dict[str, object] = {key: dict(value) if isinstance(value, dict) else value for key, value in CASE.items()}
    for path, value in changes.items():
        head, _, tail = path.partition("__")
        if tail:
            body[head][tail] = value  # type: ignore[index]
        else:
            body[head] = value
    return body


@dataclass(frozen=True)
class Probe:
    method: str
    path: str  # "{case}" is the seeded case's id
    json: object = None
    content: bytes | None = None
    chunked: bool = False
    data: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    web: bool = False  # a clerks' page, signed in with the session cookie


def _chunks(size: int) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        yield b"[" + b"0," * 32_767 + b"0]"
        sent += 65_536


CORPUS: dict[str, Probe] = {
    # SQL metacharacters where a code, id, enum or date is expected
    "sql-id-in-path": Probe("GET", "/api/v1/cases/1'%20OR%20'1'='1"),
    "sql-sort": Probe("GET", "/api/v1/cases?sort=due_date;DROP%20TABLE%20disclosure_case"),
    "sql-status": Probe("GET", "/api/v1/cases?status=open'%20OR%201=1--"),
    "sql-audit-agency": Probe("GET", "/api/v1/audit?agency=a1'%20OR%20'1'='1"),
    "sql-case-agency": Probe("POST", "/api/v1/cases", json=case_with(agency="a1' OR 1=1--")),
    "sql-channel": Probe("POST", "/api/v1/cases", json=case_with(channel="online'; DROP TABLE x;--")),
    "sql-disposition": Probe(
        "POST", "/api/v1/cases/{case}/conclusion", json={"on": "2026-03-10", "disposition": "disclosed' OR '1'='1"}
    ),
    "sql-year": Probe("GET", "/api/v1/calendar/2026%20OR%201=1"),
    "sql-report-agency": Probe("GET", "/api/v1/reports/annual?year=2025&agency=a1'--"),
    "sql-login": Probe("POST", "/api/v1/auth/login", json={"username": "admin' OR '1'='1", "password": "' OR ''='"}),
    # numbers no column can hold
    "huge-case-id": Probe("GET", "/api/v1/cases/99999999999999999999999"),
    "huge-page": Probe("GET", "/api/v1/cases?page=100000000000000000000"),
    "huge-page-size": Probe("GET", "/api/v1/cases?page_size=1000000000000"),
    "huge-year": Probe("GET", "/api/v1/calendar/100000000000000000000000000000"),
    "huge-fee": Probe("POST", "/api/v1/cases/{case}/fee-notice", json={"on": "2026-03-05", "amount": 10**30}),
    "fee-over-bound": Probe("POST", "/api/v1/cases/{case}/fee-notice", json={"on": "2026-03-05", "amount": 2**31}),
    "huge-extension": Probe(
        "POST",
        "/api/v1/cases/{case}/extension",
        json={"on": "2026-03-20", "days": 10**20, "approver": "王主任", "notice_on": "2026-03-20"},
    ),
    "infinite-fee": Probe(
        "POST",
        "/api/v1/cases/{case}/fee-notice",
        content=b'{"on":"2026-03-05","amount":1e400}',
        headers={"Content-Type": "application/json"},
    ),
    "huge-audit-page": Probe("GET", "/api/v1/audit?page=100000000000000000000"),
    "huge-id-page": Probe("GET", "/cases/10000000000000000000000000", web=True),
    "huge-id-deadline-page": Probe("GET", "/cases/10000000000000000000000000/deadline", web=True),
    "huge-id-step-form": Probe("POST", "/cases/10000000000000000000000000/steps/withdrawal", web=True, data={}),
    # unicode tricks
    "rlo-override": Probe("POST", "/api/v1/cases", json=case_with(applicant__name="张三\u202egnp.exe")),
    "zero-width": Probe("POST", "/api/v1/cases", json=case_with(applicant__name="张\u200b三")),
    "bom": Probe("POST", "/api/v1/cases", json=case_with(applicant__name="\ufeff张三")),
    "lone-surrogate": Probe(
        "POST",
        "/api/v1/cases",
        content=b'{"agency":"a1","applicant":{"type":"natural_person","name":"\\ud800"},"channel":"in_person",'
        b'"receipt":{"submitted_on":"2026-03-02"},"request":{"description":"x"}}',
        headers={"Content-Type": "application/json"},
    ),
    "line-separator": Probe("POST", "/api/v1/cases", json=case_with(handler="张三\u2028李四")),
    "c1-control": Probe("POST", "/api/v1/cases", json=case_with(external_ref="OA-\x85-1")),
    "del-character": Probe("POST", "/api/v1/cases", json=case_with(external_ref="OA\x7f1")),
    "fullwidth-date": Probe("POST", "/api/v1/cases", json=case_with(receipt={"submitted_on": "２０２６-03-02"})),
    "fullwidth-agency": Probe("POST", "/api/v1/cases", json=case_with(agency="ａ1")),
    "overlong-utf8": Probe(
        "POST", "/api/v1/cases", content=b'{"agency":"a1\xc0\xaf"}', headers={"Content-Type": "application/json"}
    ),
    "bidi-isolate-token-name": Probe(
        "POST", "/api/v1/tokens", json={"agency": "a1", "role": "clerk", "name": "\u2066oa"}
    ),
    # NUL, in every place text comes in
    "nul-name": Probe("POST", "/api/v1/cases", json=case_with(applicant__name="张\x00三")),
    "nul-description": Probe("POST", "/api/v1/cases", json=case_with(request={"description": "a\x00b"})),
    "nul-note": Probe("POST", "/api/v1/cases/{case}/withdrawal", json={"on": "2026-03-05", "note": "x\x00"}),
    "nul-query": Probe("GET", "/api/v1/cases?external_ref=a%00b"),
    "nul-path": Probe("GET", "/api/v1/cases/1%00"),
    "nul-audit-actor": Probe("GET", "/api/v1/audit?actor=%00"),
    "nul-login": Probe("POST", "/api/v1/auth/login", json={"username": "admin\x00", "password": "x"}),
    "nul-token-name": Probe("POST", "/api/v1/tokens", json={"agency": "a1", "role": "clerk", "name": "oa\x00"}),
    "nul-webhook-url": Probe("POST", "/api/v1/webhooks", json={"agency": "a1", "url": "http://93.184.216.34/\x00"}),
    "nul-agency-name": Probe("POST", "/api/v1/agencies", json={"code": "sub9", "name": "分\x00局", "parent": "a1"}),
    "nul-override-header": Probe(
        "POST",
        "/api/v1/cases/{case}/withdrawal",
        json={"on": "2026-03-05"},
        headers={"X-Override-Published": "%E5%8E%9F%E5%9B%A0%00"},
    ),
    "nul-web-login": Probe("POST", "/login", web=True, data={"username": "admin\x00", "password": "x"}),
    "nul-web-case-form": Probe(
        "POST",
        "/cases",
        web=True,
        data={
            "agency": "a1",
            "applicant.type": "natural_person",
            "applicant.name": "张\x00三",
            "channel": "in_person",
            "receipt@in_person": "2026-03-02",
            "request.description": "某文件",
        },
    ),
    "nul-web-query": Probe("GET", "/?q=%00", web=True),
    "long-webhook-url": Probe(
        "POST", "/api/v1/webhooks", json={"agency": "a1", "url": "http://93.184.216.34/" + "a" * 5000}
    ),
    # 2 MB bodies, announced or streamed
    "2mb-json": Probe("POST", "/api/v1/cases", content=b"[" + b"0," * (MB2 // 2) + b"0]"),
    "2mb-chunked": Probe("POST", "/api/v1/cases", chunked=True),
    "2mb-calendar-chunked": Probe("PUT", "/api/v1/calendar/2031", chunked=True),
    "2mb-login": Probe("POST", "/api/v1/auth/login", content=b" " * MB2, headers={"Content-Type": "application/json"}),
    "2mb-web-form": Probe("POST", "/cases", web=True, data={"applicant.name": "张" * MB2}),
    # nesting no parser should follow
    "deep-array": Probe(
        "POST", "/api/v1/cases", content=b"[" * DEEP + b"]" * DEEP, headers={"Content-Type": "application/json"}
    ),
    "deep-object": Probe(
        "POST",
        "/api/v1/cases",
        content=b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        headers={"Content-Type": "application/json"},
    ),
    "deep-active-disclosure": Probe(
        "PUT",
        "/api/v1/reports/active-disclosure/2025?agency=a1",
        content=b'{"values":' + b"[" * DEEP + b"]" * DEEP + b"}",
        headers={"Content-Type": "application/json"},
    ),
    # bodies that are not what the endpoint takes
    "text-plain": Probe("POST", "/api/v1/cases", content=b"agency=a1", headers={"Content-Type": "text/plain"}),
    "xml": Probe(
        "POST",
        "/api/v1/cases",
        content=b"<case><agency>a1</agency></case>",
        headers={"Content-Type": "application/xml"},
    ),
    "multipart": Probe("POST", "/api/v1/cases", data={"agency": "a1"}),
    "no-body": Probe("POST", "/api/v1/cases"),
    "json-null": Probe("POST", "/api/v1/cases", content=b"null", headers={"Content-Type": "application/json"}),
    "json-string": Probe("POST", "/api/v1/cases", content=b'"a1"', headers={"Content-Type": "application/json"}),
    "json-truncated": Probe(
        "POST", "/api/v1/cases", content=b'{"agency": "a1', headers={"Content-Type": "application/json"}
    ),
    "json-to-web-login": Probe("POST", "/login", web=True, content=b'{"username":"x"}'),
    # dates that do not exist, or that the law does not allow
    "february-30": Probe("POST", "/api/v1/cases", json=case_with(receipt={"submitted_on": "2026-02-30"})),
    "month-13": Probe("POST", "/api/v1/cases", json=case_with(receipt={"submitted_on": "2026-13-01"})),
    "year-0": Probe("POST", "/api/v1/cases", json=case_with(receipt={"submitted_on": "0000-01-01"})),
    "not-a-leap-year": Probe("POST", "/api/v1/cases", json=case_with(receipt={"submitted_on": "2026-02-29"})),
    "far-future": Probe("POST", "/api/v1/cases", json=case_with(receipt={"submitted_on": "9999-12-31"})),
    "before-receipt": Probe(
        "POST", "/api/v1/cases/{case}/conclusion", json={"on": "2026-03-01", "disposition": "disclosed"}
    ),
    "overdue-as-of-feb-30": Probe("GET", "/api/v1/reports/overdue?as_of=2026-02-30"),
    "audit-since-feb-30": Probe("GET", "/api/v1/audit?since=2026-02-30T00:00:00Z"),
    "correction-until-before-on": Probe(
        "POST",
        "/api/v1/cases/{case}/correction-request",
        json={"on": "2026-03-05", "until": "2026-03-04", "items": "x"},
    ),
    # paths that try to climb out
    "static-dotdot-encoded": Probe("GET", "/static/..%2f..%2f..%2fetc%2fpasswd", web=True),
    "static-dot-segments": Probe("GET", "/static/%2e%2e/%2e%2e/app/settings.py", web=True),
    "api-case-dotdot": Probe("GET", "/api/v1/cases/..%2f..%2fetc%2fpasswd"),
    "report-agency-dotdot": Probe("GET", "/api/v1/reports/annual?year=2025&agency=../../etc/passwd"),
    "calendar-dotdot": Probe("GET", "/api/v1/calendar/..%2f2026"),
    "web-case-dotdot": Probe("GET", "/cases/..%2f..%2fetc%2fpasswd", web=True),
    "agency-code-dotdot": Probe("POST", "/api/v1/agencies", json={"code": "../../etc", "name": "x", "parent": "a1"}),
    # the second review's probes: broken multipart bodies (the form parser's own refusals), a date no deadline can be
    "web-login-multipart-no-boundary": Probe(
        "POST", "/login", web=True, content=b"x", headers={"Content-Type": "multipart/form-data"}
    ),
    "web-form-multipart-garbage": Probe(
        "POST",
        "/cases/{case}/documents",
        web=True,
        content=b"--BB\r\nnot a part",
        headers={"Content-Type": "multipart/form-data; boundary=BB"},
    ),
    "upload-multipart-no-boundary": Probe(
        "POST", "/api/v1/cases/{case}/documents", content=b"x", headers={"Content-Type": "multipart/form-data"}
    ),
    "art35-deadline-year-9999": Probe(
        "POST", "/api/v1/cases/{case}/agency-deadline", json={"on": "2026-03-05", "until": "9999-12-31"}
    ),
    "reasons-letter-until-year-1": Probe(
        "POST", "/api/v1/cases/{case}/letters", json={"kind": "reasons_notice", "reasons_until": "0001-01-01"}
    ),
}

TABLES = (DisclosureCase, CaseEvent, AuditRecord, ApiToken, AppUser, WebhookSubscription, IdempotencyKey)


@dataclass
class World:
    client: TestClient
    factory: object
    case_id: int
    api_headers: dict[str, str]
    web_headers: dict[str, str]

    def counts(self) -> dict[str, int]:
        with transaction(self.factory) as session:  # type: ignore[arg-type]
            return {t.__name__: session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}


@pytest.fixture(scope="module")
def world(databases) -> Iterator[World]:
    url = databases.copy()
    settings = Settings(database_url=url, environment="test")
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        agency = agency_service.create_agency(session, code="a1", name="a1 机关")
        _, token = auth_service.create_token(session, agency, Role.ADMIN, "corpus")
        user = user_service.create_user(
            session, "clerk1", "办事员", "corpus-password", [(agency, Role.ADMIN)], actor="t"
        )
        signed_in = auth_service.open_session(session, user, timedelta(hours=1), utcnow())
    app = create_app(settings)
    app.dependency_overrides[get_today] = lambda: Clock().today
    with TestClient(app, raise_server_exceptions=False) as client:
        api_headers = {"Authorization": f"Bearer {token}"}
        created = client.post("/api/v1/cases", json=CASE, headers=api_headers)
        assert created.status_code == 201, created.text
        web_headers = {"Cookie": f"gongkai_session={signed_in.cookie}", "Accept": "text/html"}
        client.cookies.clear()
        yield World(
            client, factory, created.json()["id"], api_headers, web_headers | {"X-CSRF": signed_in.identity.csrf_token}
        )
    engine.dispose()
    databases.drop(url)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_input_is_refused_and_nothing_is_written(world, name):
    probe = CORPUS[name]
    path = probe.path.replace("{case}", str(world.case_id))
    headers = dict(world.web_headers if probe.web else world.api_headers)
    csrf = headers.pop("X-CSRF", None)
    headers.update(probe.headers)
    data = probe.data
    if probe.web and data is not None and probe.method == "POST":
        data = {**data, "csrf_token": csrf or ""}
    content = _chunks(MB2) if probe.chunked else probe.content
    before = world.counts()
    kwargs: dict[str, object] = {"headers": headers}
    if probe.json is not None:
        kwargs["json"] = probe.json
    elif content is not None:
        kwargs["content"] = content
    elif data is not None:
        kwargs["data" if probe.web or name != "multipart" else "files"] = (
            data if probe.web or name != "multipart" else {k: (None, v) for k, v in data.items()}
        )
    response = world.client.request(probe.method, path, **kwargs)  # type: ignore[arg-type]
    assert 400 <= response.status_code < 500, f"{name}: {response.status_code} {response.text[:300]}"
    media = response.headers.get("content-type", "")
    if probe.web:
        assert media.startswith("text/html"), f"{name}: {media} {response.text[:200]}"
    else:
        assert media == "application/problem+json", f"{name}: {media} {response.text[:200]}"
        assert response.json()["code"]
        assert any("\u4e00" <= c <= "\u9fff" for c in response.json()["detail"]), f"{name}: {response.text[:200]}"
    assert world.counts() == before, name


def test_the_corpus_has_the_reviews_size():
    assert len(CORPUS) >= 74
