"""Optimistic concurrency (ETag/If-Match), Idempotency-Key, body size, CORS and security headers."""

from __future__ import annotations

import threading
import typing
from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import func, select

from app.agency import service as agency_service
from app.auth.dependencies import PrincipalDep, current_principal
from app.auth.schemas import UserRead
from app.db import make_session_factory, transaction
from app.deps import SessionDep, UnitRoute
from app.domain.roles import Role
from app.main import create_app
from app.models import Agency, DisclosureCase
from tests.conftest import Api, Clock

CONCLUSION = {"on": "2026-03-10", "disposition": "disclosed"}


def _case_count(api) -> int:
    with transaction(api.factory) as session:
        return session.scalar(select(func.count()).select_from(DisclosureCase)) or 0


def test_etag_on_reads_and_writes_and_stale_if_match_is_412_changing_nothing(api, make_case):
    case = make_case()
    headers = api.headers("a1")
    read = api.client.get(f"/api/v1/cases/{case['id']}", headers=headers)
    assert read.headers["ETag"] == f'"{case["version"]}"'
    url = f"/api/v1/cases/{case['id']}/conclusion"
    stale = api.client.post(url, json=CONCLUSION, headers={**headers, "If-Match": '"0"'})
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert "刷新" in stale.json()["detail"]
    after = api.client.get(f"/api/v1/cases/{case['id']}", headers=headers)
    assert after.headers["ETag"] == read.headers["ETag"]
    assert after.json()["status"] == case["status"]
    done = api.client.post(url, json=CONCLUSION, headers={**headers, "If-Match": read.headers["ETag"]})
    assert done.status_code == 200
    assert done.headers["ETag"] == f'"{done.json()["version"]}"' != read.headers["ETag"]


@pytest.mark.parametrize("if_match", [True, False], ids=["with-if-match", "without"])
def test_two_clerks_concluding_at_once_exactly_one_wins(api, make_case, settings, if_match):
    case = make_case()
    headers = api.headers("a1")
    if if_match:
        headers = {**headers, "If-Match": f'"{case["version"]}"'}
    barrier = threading.Barrier(2)
    results: list[int] = []

    def conclude(client: TestClient) -> None:
        barrier.wait()
        results.append(
            client.post(f"/api/v1/cases/{case['id']}/conclusion", json=CONCLUSION, headers=headers).status_code
        )

    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        threads = [threading.Thread(target=conclude, args=(c,)) for c in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    winner, loser = sorted(results)
    assert winner == 200, results
    assert loser in (409, 412), results
    timeline = api.client.get(f"/api/v1/cases/{case['id']}", headers=api.headers("a1")).json()["timeline"]
    assert [e["type"] for e in timeline].count("concluded") == 1


def _create_body(ref: str = "OA-1") -> dict[str, object]:
    return {
        "agency": "a1",
        "external_ref": ref,
        "applicant": {"type": "natural_person", "name": "李四"},
        "channel": "in_person",
        "receipt": {"submitted_on": "2026-03-02"},
        "request": {"description": "某文件"},
    }


def test_idempotent_replay_has_no_second_effect(api, make_case):
    make_case()
    headers = {**api.headers("a1"), "Idempotency-Key": "k-1"}
    first = api.client.post("/api/v1/cases", json=_create_body(), headers=headers)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    count = _case_count(api)
    again = api.client.post("/api/v1/cases", json=_create_body(), headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert _case_count(api) == count
    reused = api.client.post("/api/v1/cases", json=_create_body("OA-2"), headers=headers)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    elsewhere = api.client.post("/api/v1/cases?agency=a2", json=_create_body(), headers=headers)
    assert elsewhere.json()["code"] == "idempotency_key_reused"  # the query string is part of the request
    assert _case_count(api) == count


def test_a_failed_post_does_not_keep_its_key(api, make_case):
    make_case()
    headers = {**api.headers("a1"), "Idempotency-Key": "k-2"}
    bad = {**_create_body(), "agency": "nope"}
    assert api.client.post("/api/v1/cases", json=bad, headers=headers).status_code == 404
    assert api.client.post("/api/v1/cases", json=bad, headers=headers).status_code == 404


def test_concurrent_duplicates_make_one_case(api, make_case, settings):
    make_case()
    headers = {**api.headers("a1"), "Idempotency-Key": "k-3"}
    count = _case_count(api)
    barrier = threading.Barrier(2)
    responses = []

    def create(client: TestClient) -> None:
        barrier.wait()
        responses.append(client.post("/api/v1/cases", json=_create_body("OA-9"), headers=headers))

    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        threads = [threading.Thread(target=create, args=(c,)) for c in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    assert _case_count(api) == count + 1


def test_body_too_large_is_413(api, make_case):
    make_case()
    body = _create_body()
    body["request"] = {"description": "x" * (1024 * 1024)}
    response = api.client.post("/api/v1/cases", json=body, headers=api.headers("a1"))
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert response.headers["content-type"] == "application/problem+json"


def test_cors_preflight_is_allowed_only_for_listed_origins(settings):
    app = create_app(settings.model_copy(update={"cors_origins": "https://oa.example.gov.cn"}))
    request = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Idempotency-Key"}
    with TestClient(app) as client:
        allowed = client.options("/api/v1/cases", headers={**request, "Origin": "https://oa.example.gov.cn"})
        denied = client.options("/api/v1/cases", headers={**request, "Origin": "https://evil.example"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://oa.example.gov.cn"
    assert denied.status_code == 400
    assert "access-control-allow-origin" not in denied.headers
    assert denied.headers["content-type"] == "application/problem+json"  # not Starlette's English text
    assert denied.json()["code"] == "cors_refused"
    assert "GONGKAI_CORS_ORIGINS" in denied.json()["detail"]


def test_security_headers_on_every_response(api):
    for response in (api.client.get("/healthz"), api.client.get("/api/v1/cases")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "Strict-Transport-Security" not in response.headers
    assert api.client.get("/api/v1/cases").headers["Cache-Control"] == "no-store"
    docs = api.client.get("/docs")
    assert "cdn" not in docs.headers["Content-Security-Policy"]
    assert "script-src 'self';" in docs.headers["Content-Security-Policy"]


def test_the_api_reference_is_served_from_the_package_without_a_cdn(api):
    for page, asset in (
        ("/docs", "/static/vendor/swagger-ui/swagger-ui-bundle.js"),
        ("/redoc", "/static/vendor/redoc/redoc.standalone.js"),
    ):
        html = api.client.get(page)
        assert html.status_code == 200
        assert "http" not in html.text.replace("http-equiv", "")  # no other origin
        assert asset in html.text
        script = api.client.get(asset)
        assert script.status_code == 200
        assert len(script.content) > 500_000


def test_malformed_json_is_told_as_such_not_as_a_field(api, make_case):
    """The character offset pydantic puts in the location of a JSON error is not a field name (「请检查：29」)."""
    make_case()
    response = api.client.post(
        "/api/v1/cases",
        content=b'{"agency": "a1", "channel": }',
        headers={**api.headers("a1"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "请求内容有误，请检查：请求体"
    assert body["errors"][0]["field"] == ""
    assert body["errors"][0]["message"].startswith("不是有效的 JSON（第 ")


def test_a_problems_title_is_a_chinese_summary_of_its_status(api, make_case):
    """RFC 9457's ``title`` is read by people: the same Chinese summary for every occurrence of a code, beside the
    detail of this occurrence and the English code a program matches on."""
    make_case()
    answers = [
        api.client.get("/api/v1/cases/1"),
        api.client.get("/api/v1/cases/999999", headers=api.headers("a1")),
        api.client.post("/api/v1/cases", json={}, headers=api.headers("a1")),
        api.client.get("/api/v1/no-such-thing", headers=api.headers("a1")),
        api.client.post("/api/v1/cases", json=_create_body(), headers=api.headers("a1", Role.AUDITOR)),
    ]
    titles = {a.status_code: a.json()["title"] for a in answers}
    assert titles == {401: "需要登录或访问令牌", 404: "未找到", 422: "请求内容有误", 403: "无权进行此项操作"}
    assert all(a.headers["content-type"] == "application/problem+json" for a in answers)


def _models(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation)
    for argument in typing.get_args(annotation):
        yield from _models(argument)


def test_every_json_body_refuses_a_field_it_does_not_declare():
    """Every model a JSON body is read into, nested ones too, forbids extra fields (``app.inputs.Input``, or its own
    ``model_config``): a field it does not know is refused, never dropped (a misspelt policy field was read as "not
    given" and reset the policy to its defaults). FastAPI's own models of multipart forms are not JSON bodies."""
    from app.main import API_ROUTERS

    bodies = [route.body_field for router in API_ROUTERS for route in router.routes if route.body_field is not None]
    models = {model for body in bodies for model in _models(body.field_info.annotation)}
    json_models = {model for model in models if not model.__name__.startswith("Body_")}
    assert len(json_models) > 20
    assert [m.__name__ for m in json_models if m.model_config.get("extra") != "forbid"] == []


def test_every_api_route_serves_its_blocking_work_in_one_worker_thread(api, make_case, request):
    """The caller's identity, the endpoint and the commit in one hop to a worker thread (``app.deps.UnitRoute``),
    not one per dependency, endpoint, answer validation and commit (four, issue #9)."""
    from app.main import API_ROUTERS

    assert all(isinstance(route, UnitRoute) for router in API_ROUTERS for route in router.routes)
    case = make_case()
    headers = api.headers("a1")
    hops = request.getfixturevalue("thread_hops")
    assert api.client.get(f"/api/v1/cases/{case['id']}", headers=headers).status_code == 200
    assert api.client.post("/api/v1/cases", json=_create_body(), headers=headers).status_code == 201
    assert api.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert len(hops) == 3, hops


def test_a_bad_token_with_a_bad_body_is_told_about_the_token(api, make_case):
    """The token is checked in the endpoint's worker thread, which a body failing validation never reaches: the
    validation error checks it first, so that an invalid token learns nothing about the body."""
    make_case()
    bad_token = {"Authorization": "Bearer gk_not-a-token"}
    refused = api.client.post("/api/v1/cases", json={"agency": 1}, headers=bad_token)
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] == "invalid_token"
    nothing = api.client.post("/api/v1/cases", json={"agency": 1})
    assert nothing.json()["code"] == "unauthenticated"
    told = api.client.post("/api/v1/cases", json={"agency": 1}, headers=api.headers("a1"))
    assert told.status_code == 422


def actor_of(principal: PrincipalDep) -> str:
    """A dependency that needs the caller's identity itself (so it cannot be deferred to the endpoint's thread)."""
    return principal.actor


def test_credentials_are_checked_wherever_the_principal_is_asked_for(settings):
    """Where the caller's identity is deferred to the endpoint's worker thread and where it cannot be: a route's
    ``dependencies``, an ``async`` endpoint, another dependency that needs it, a route that is not a ``UnitRoute``.
    An invalid token gets 401 in each, and nothing of the endpoint runs."""

    ran: list[str] = []

    router = APIRouter(route_class=UnitRoute)

    @router.get("/listed", dependencies=[Depends(current_principal)])
    def listed() -> dict[str, str]:
        ran.append("listed")
        return {"ok": "listed"}

    @router.get("/async")
    async def on_the_loop(principal: PrincipalDep) -> dict[str, str]:
        ran.append("async")
        return {"ok": principal.actor}

    @router.get("/nested")
    def nested(actor: Annotated[str, Depends(actor_of)]) -> dict[str, str]:
        ran.append("nested")
        return {"ok": actor}

    plain = APIRouter()

    @plain.get("/plain")
    def not_a_unit_route(principal: PrincipalDep) -> dict[str, str]:
        ran.append("plain")
        return {"ok": principal.actor}

    app = create_app(settings)
    app.include_router(router, prefix="/api/v1/probe")
    app.include_router(plain, prefix="/api/v1/probe")
    with TestClient(app) as client:
        api = Api(client, make_session_factory(app.state.engine), Clock())
        api.agency("a1")
        good = api.headers("a1")
        for path in ("listed", "async", "nested", "plain"):
            refused = client.get(f"/api/v1/probe/{path}", headers={"Authorization": "Bearer gk_not-a-token"})
            assert refused.status_code == 401, (path, refused.text)
            assert not ran
        for path in ("listed", "async", "nested", "plain"):
            answered = client.get(f"/api/v1/probe/{path}", headers=good)
            assert answered.status_code == 200, (path, answered.text)
            assert answered.json()["ok"] in (path, "token:test-supervisor#1")
    assert ran == ["listed", "async", "nested", "plain"]


def test_an_answer_that_fails_validation_rolls_back_its_effect(settings):
    """The unit of work commits in the worker thread once the answer is valid: an endpoint whose answer does not fit
    its model answers 500 and leaves nothing behind (a retry without an Idempotency-Key would otherwise repeat it)."""

    router = APIRouter(route_class=UnitRoute)

    @router.post("/broken")
    def broken(session: SessionDep, principal: PrincipalDep) -> UserRead:
        agency_service.create_agency(session, code="zz", name="不该留下的机关")
        return {"id": "not a user"}  # type: ignore[return-value]

    app = create_app(settings)
    app.include_router(router, prefix="/api/v1/probe")
    with TestClient(app, raise_server_exceptions=False) as client:
        factory = make_session_factory(app.state.engine)
        api = Api(client, factory, Clock())
        api.agency("a1")
        answer = client.post("/api/v1/probe/broken", headers=api.headers("a1"))
        assert answer.status_code == 500
        with transaction(factory) as session:
            assert session.scalars(select(Agency).where(Agency.code == "zz")).first() is None


def test_a_bad_token_is_told_before_a_bad_if_match(api, make_case):
    case = make_case()
    bad = {"Authorization": "Bearer gk_not-a-token", "If-Match": "abc"}
    refused = api.client.post(f"/api/v1/cases/{case['id']}/conclusion", json={}, headers=bad)
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] == "invalid_token"
