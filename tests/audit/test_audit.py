"""The audit trail: one record per change, in the same transaction, hash-chained and verifiable."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from app.audit import service as audit
from app.cli import cli
from app.db import transaction
from app.domain.roles import Role
from app.models import AuditRecord

CONCLUSION = {"on": "2026-03-10", "disposition": "disclosed"}


def _records(api, **where):
    with transaction(api.factory) as session:
        stmt = select(AuditRecord).order_by(AuditRecord.chain, AuditRecord.seq)
        for name, value in where.items():
            stmt = stmt.where(getattr(AuditRecord, name) == value)
        return list(session.scalars(stmt))


def test_every_change_leaves_a_record_with_before_after_actor_and_request_id(api, make_case):
    case = make_case()
    concluded = api.client.post(
        f"/api/v1/cases/{case['id']}/conclusion", json=CONCLUSION, headers={**api.headers("a1"), "X-Request-ID": "r-42"}
    )
    assert concluded.status_code == 200
    rows = _records(api, entity_type="case", entity_id=str(case["id"]))
    assert [r.action for r in rows] == ["case.create", "case.step.concluded"]
    create, step = rows
    assert create.before is None
    assert create.after["applicant_name"] == "张三"
    assert step.before["status"] != "concluded"
    assert step.after["status"] == "concluded"
    assert step.after["event"]["type"] == "concluded"
    assert step.actor.startswith("token:test-supervisor#")
    assert step.request_id == "r-42"
    actions = {r.action for r in _records(api, chain="a1")}
    assert {"agency.create", "token.create", "case.create", "case.step.concluded"} <= actions


@pytest.mark.parametrize("given", ['<b>forged</b> "quote', "x" * 65, "two words", "r\u00e9"])
def test_a_request_id_that_is_not_a_plain_id_is_replaced_not_recorded(api, make_case, given):
    """The audit trail records the request's id: a caller's ``X-Request-ID`` is kept only if it is a plain id (a
    UUID, a trace id), never a text of the caller's choosing."""
    case = make_case()
    headers = {**api.headers("a1"), "X-Request-ID": given.encode()}
    concluded = api.client.post(f"/api/v1/cases/{case['id']}/conclusion", json=CONCLUSION, headers=headers)
    assert concluded.status_code == 200
    rid = concluded.headers["x-request-id"]
    assert rid != given
    assert len(rid) == 32
    (step,) = _records(api, action="case.step.concluded")
    assert step.request_id == rid


def test_calendar_import_is_audited_on_the_global_chain(api, make_case):
    make_case()
    notice = {"year": 2027, "source": "测试通知", "holidays": ["2027-01-01"], "makeup_workdays": []}
    assert api.client.put("/api/v1/calendar/2027", json=notice, headers=api.system_admin()).status_code == 200
    row = _records(api, chain="global")[-1]
    assert row.action == "calendar.import"
    assert row.agency_id is None
    assert row.after["days"][0][0] == "2027-01-01"


def test_a_failed_change_leaves_no_record(api, make_case):
    case = make_case()
    before = len(_records(api))
    bad = api.client.post(
        f"/api/v1/cases/{case['id']}/conclusion",
        json={**CONCLUSION, "disposition": "granted"},
        headers=api.headers("a1"),
    )
    assert bad.status_code == 422
    assert len(_records(api)) == before


@pytest.fixture
def verify(settings, monkeypatch):
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)

    def run(*args: str):
        return CliRunner().invoke(cli, ["audit", "verify", *args])

    return run


def _tamper(api, statement):
    with transaction(api.factory) as session:
        session.execute(statement)


def test_intact_chains_verify(api, make_case, verify):
    case = make_case()
    api.client.post(f"/api/v1/cases/{case['id']}/conclusion", json=CONCLUSION, headers=api.headers("a1"))
    result = verify()
    assert result.exit_code == 0, result.output
    assert verify("--chain", "a1").exit_code == 0


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda: update(AuditRecord).where(AuditRecord.seq == 2).values(actor="someone-else"), "内容被改动"),
        (lambda: update(AuditRecord).where(AuditRecord.seq == 2).values(hash="f" * 64), "哈希值被改动"),
        (lambda: delete(AuditRecord).where(AuditRecord.seq == 2), "记录缺失"),
        (lambda: delete(AuditRecord).where(AuditRecord.seq == 4), "末尾记录缺失"),
    ],
    ids=["edited-content", "edited-hash", "deleted-row", "deleted-last-row"],
)
def test_tampering_is_detected(api, make_case, verify, tamper, problem):
    make_case()  # a1: agency.create, token.create, case.create
    make_case()
    assert [r.seq for r in _records(api, chain="a1")] == [1, 2, 3, 4]
    _tamper(api, tamper().where(AuditRecord.chain == "a1"))
    result = verify()
    assert result.exit_code == 1
    assert "链 a1" in result.output
    assert problem in result.output
    with transaction(api.factory) as session:
        _, breaks = audit.verify(session, "a1")
    assert len(breaks) == 1
    assert breaks[0].chain == "a1"


def test_reordering_is_detected(api, make_case):
    make_case()
    make_case()
    with transaction(api.factory) as session:
        session.execute(update(AuditRecord).where(AuditRecord.chain == "a1", AuditRecord.seq == 3).values(seq=99))
        session.execute(update(AuditRecord).where(AuditRecord.chain == "a1", AuditRecord.seq == 4).values(seq=3))
        session.execute(update(AuditRecord).where(AuditRecord.chain == "a1", AuditRecord.seq == 99).values(seq=4))
    with transaction(api.factory) as session:
        _, (broken,) = audit.verify(session, "a1")
    assert broken.seq == 3
    assert "顺序" in broken.problem


def test_audit_endpoints_filter_and_stay_in_scope(api, make_case):
    case = make_case()
    api.agency("b1")
    api.client.post(f"/api/v1/cases/{case['id']}/conclusion", json=CONCLUSION, headers=api.headers("a1"))
    auditor = api.headers("a1", Role.AUDITOR)

    trail = api.client.get(f"/api/v1/cases/{case['id']}/audit", headers=auditor)
    assert trail.status_code == 200
    assert [r["action"] for r in trail.json()["items"]] == ["case.create", "case.step.concluded"]

    steps = api.client.get("/api/v1/audit", params={"agency": "a1", "action": "case.step"}, headers=auditor).json()
    assert [r["action"] for r in steps["items"]] == ["case.step.concluded"]
    by_actor = api.client.get("/api/v1/audit", params={"actor": steps["items"][0]["actor"]}, headers=auditor).json()
    assert by_actor["total"] >= 1
    assert all(r["actor"] == steps["items"][0]["actor"] for r in by_actor["items"])
    future = api.client.get("/api/v1/audit", params={"since": "2999-01-01T00:00:00Z"}, headers=auditor).json()
    assert future["total"] == 0
    for bound in ({"since": "0001-01-01T00:00:00+08:00"}, {"until": "9999-12-31T23:59:59-08:00"}):
        refused = api.client.get("/api/v1/audit", params=bound, headers=auditor)  # past year 1 or 9999 in UTC
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "datetime_out_of_range"
    everything = api.client.get("/api/v1/audit", headers=auditor).json()["items"]
    assert all(r["chain"] in ("a1", "global") for r in everything)

    other = api.headers("b1", Role.AUDITOR)
    assert api.client.get(f"/api/v1/cases/{case['id']}/audit", headers=other).status_code == 404
    assert api.client.get("/api/v1/audit", params={"agency": "a1"}, headers=other).status_code == 404
    assert api.client.get("/api/v1/audit", headers=api.headers("a1", Role.CLERK)).status_code == 403


def test_accounts_tokens_and_policies_are_audited_without_secrets(api, make_case):
    make_case()
    admin = api.headers("a1", Role.ADMIN)
    memberships = [{"agency": "a1", "role": "clerk"}]
    body = {"username": "wang", "display_name": "王五", "password": "a-long-password", "memberships": memberships}
    user = api.client.post("/api/v1/users", json=body, headers=admin).json()
    api.client.put(f"/api/v1/users/{user['id']}/memberships/a1", json={"role": "supervisor"}, headers=admin)
    api.client.post(f"/api/v1/users/{user['id']}/unlock", headers=admin)
    api.client.post(f"/api/v1/users/{user['id']}/deactivation", headers=admin)
    token = api.client.post("/api/v1/tokens", json={"agency": "a1", "role": "integration", "name": "oa"}, headers=admin)
    rotated = api.client.post(f"/api/v1/tokens/{token.json()['id']}/rotation", headers=admin).json()
    api.client.post(f"/api/v1/tokens/{rotated['id']}/revocation", headers=admin)
    api.client.put("/api/v1/agencies/a1/policy", json={"reply_days": 10}, headers=admin)

    users = _records(api, entity_type="user", entity_id=str(user["id"]))
    assert [r.action for r in users] == ["user.create", "user.grant", "user.unlock", "user.deactivate"]
    assert users[1].before["memberships"] != users[1].after["memberships"]
    assert all("password_hash" not in r.after for r in users)
    assert users[-1].after["is_active"] is False
    tokens = _records(api, entity_type="api_token")
    assert {"token.create", "token.rotate", "token.revoke"} <= {r.action for r in tokens}
    assert all("token_hash" not in r.after for r in tokens)
    policy = _records(api, action="agency.policy")
    assert (policy[0].before["reply_days"], policy[0].after["reply_days"]) == (15, 10)
