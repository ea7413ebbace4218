"""Accounts (own password, administrator's reset), handlers as user accounts, 我的待办, and the polish a clerk
reads: Chinese validation messages, local times, display names."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.db import transaction
from app.domain.roles import Role
from app.models import AuditRecord
from tests.web.test_web import CSRF, PASSWORD, browser, form_of, make_user

URL = "/api/v1"
NEW_PASSWORD = "春眠不觉晓-2027"


@pytest.fixture
def office(api):
    api.agency("a1")
    api.agency("a2")
    make_user(api, "zhang")
    make_user(api, "qian")
    make_user(api, "wang", role=Role.SUPERVISOR)
    make_user(api, "li", role=Role.AUDITOR)
    make_user(api, "zhao", agency="a2")
    return api


def _user_id(api, username):
    users = api.client.get(f"{URL}/users", headers=api.headers("a1", Role.ADMIN)).json()
    return next(u["id"] for u in users if u["username"] == username)


def _api_login(client, username, password):
    return client.post(f"{URL}/auth/login", json={"username": username, "password": password})


# --- passwords ------------------------------------------------------------------------------------------------------


def test_a_user_changes_their_password_through_the_api(office):
    client = browser(office)
    csrf = _api_login(client, "zhang", PASSWORD).json()["csrf_token"]
    headers = {"X-CSRF-Token": csrf}
    wrong = client.post(
        f"{URL}/auth/password", json={"current_password": "nope", "new_password": NEW_PASSWORD}, headers=headers
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "current_password_wrong")
    assert wrong.json()["detail"] == "当前密码不正确。"
    weak = client.post(
        f"{URL}/auth/password", json={"current_password": PASSWORD, "new_password": "zhang12345"}, headers=headers
    )
    assert weak.json()["code"] == "password_weak"
    assert "密码不能包含用户名" in weak.json()["detail"]
    done = client.post(
        f"{URL}/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=headers
    )
    assert done.status_code == 204, done.text
    assert client.get(f"{URL}/auth/me").status_code == 200  # this session stays
    assert _api_login(browser(office), "zhang", PASSWORD).status_code == 401
    assert _api_login(browser(office), "zhang", NEW_PASSWORD).status_code == 200
    token = office.client.post(
        f"{URL}/auth/password",
        json={"current_password": "x", "new_password": NEW_PASSWORD},
        headers=office.headers("a1", Role.ADMIN),
    )
    assert (token.status_code, token.json()["code"]) == (403, "forbidden")


def test_an_admin_reset_forces_a_new_password_at_next_sign_in(office):
    victim = browser(office, "zhang")  # signed in before the reset: signed out by it
    reset = office.client.post(
        f"{URL}/users/{_user_id(office, 'zhang')}/password-reset", headers=office.headers("a1", Role.ADMIN)
    )
    assert reset.status_code == 200, reset.text
    temporary = reset.json()["temporary_password"]
    assert victim.get("/", follow_redirects=False).headers["location"] == "/login"

    client = browser(office)
    signed = client.post("/login", data={"username": "zhang", "password": temporary}, follow_redirects=False)
    assert signed.headers["location"] == "/account/password"
    assert client.get("/", follow_redirects=False).headers["location"] == "/account/password"
    page = client.get("/account/password").text
    assert "管理员已为您重置密码" in page
    api_call = client.get(f"{URL}/cases")
    assert (api_call.status_code, api_call.json()["code"]) == (403, "password_change_required")
    csrf = CSRF.search(page)[1]
    mismatch = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": temporary,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": "x",
        },
    )
    assert "两次输入的新密码不一致" in mismatch.text
    changed = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": temporary,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 200
    assert "密码已修改" in changed.text
    assert client.get("/").status_code == 200
    with transaction(office.factory) as session:
        actions = [r.action for r in session.query(AuditRecord).filter(AuditRecord.entity_type == "user")]
    assert "user.reset_password" in actions
    assert "user.change_password" in actions


def test_another_agencys_admin_cannot_reset(office):
    answer = office.client.post(
        f"{URL}/users/{_user_id(office, 'zhang')}/password-reset", headers=office.headers("a2", Role.ADMIN)
    )
    assert answer.status_code == 404


def test_the_cli_prints_a_temporary_password_as_its_last_line(office, settings, monkeypatch):
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli, ["user", "reset-password", "--username", "zhang"])
    assert result.exit_code == 0, result.output
    temporary = result.stdout.strip().splitlines()[-1]
    signed = browser(office).post("/login", data={"username": "zhang", "password": temporary}, follow_redirects=False)
    assert signed.headers["location"] == "/account/password"
    missing = CliRunner().invoke(cli, ["user", "reset-password", "--username", "nobody"])
    assert missing.exit_code == 2
    assert "用户「nobody」不存在" in missing.output


# --- handlers and 我的待办 -------------------------------------------------------------------------------------------


def test_a_named_handler_is_matched_to_the_account_or_kept_as_text(office, make_case):
    by_name = make_case(handler="zhang 名")
    assert (by_name["handler"], by_name["handler_username"]) == ("zhang 名", "zhang")
    unknown = make_case(handler="外单位老李")
    assert (unknown["handler"], unknown["handler_username"]) == ("外单位老李", None)
    foreign = make_case(handler="zhao")  # a user of another agency is not matched
    assert foreign["handler_username"] is None


def test_assigning_is_audited_and_needs_a_supervisor_to_reassign(office, make_case):
    case = make_case()
    url = f"{URL}/cases/{case['id']}/assignment"
    zhang = browser(office)
    zhang_csrf = _api_login(zhang, "zhang", PASSWORD).json()["csrf_token"]
    taken = zhang.post(url, json={"username": "zhang"}, headers={"X-CSRF-Token": zhang_csrf})
    assert taken.status_code == 200, taken.text
    assert taken.json()["handler_username"] == "zhang"
    again = zhang.post(url, json={"username": "qian"}, headers={"X-CSRF-Token": zhang_csrf})
    assert (again.status_code, again.json()["code"]) == (403, "forbidden")
    supervisor = office.headers("a1", Role.SUPERVISOR)
    outsider = office.client.post(url, json={"username": "zhao"}, headers=supervisor)
    assert (outsider.status_code, outsider.json()["code"]) == (422, "handler_not_member")
    auditor = office.client.post(url, json={"username": "li"}, headers=supervisor)
    assert auditor.json()["code"] == "handler_not_member"  # an auditor handles no cases
    moved = office.client.post(url, json={"username": "qian"}, headers=supervisor)
    assert moved.json()["handler"] == "qian 名"
    stale = office.client.post(url, json={"username": "zhang"}, headers={**supervisor, "If-Match": '"1"'})
    assert stale.status_code == 412
    with transaction(office.factory) as session:
        records = session.query(AuditRecord).filter(AuditRecord.action == "case.assign").order_by(AuditRecord.id)
        handlers = [(r.before["handler"], r.after["handler"]) for r in records]
    assert handlers == [(None, "zhang 名"), ("zhang 名", "qian 名")]


def _conclude(api, case):
    body = {"on": "2026-11-27", "disposition": "disclosed", "delivery": "email", "document_number": "公开〔2026〕1号"}
    answer = api.client.post(
        f"{URL}/cases/{case['id']}/conclusion", json=body, headers=api.headers("a1", Role.SUPERVISOR)
    )
    assert answer.status_code == 200, answer.text


def test_my_list_shows_my_open_cases_and_supervisors_switch_to_the_office(office, make_case):
    mine = make_case(handler="zhang")
    theirs = make_case(handler="qian")
    done = make_case(handler="zhang")
    _conclude(office, done)
    zhang = browser(office, "zhang")
    page = zhang.get("/").text
    assert f'/cases/{mine["id"]}"' in page
    assert f'/cases/{theirs["id"]}"' not in page
    assert f'/cases/{done["id"]}"' not in page  # concluded cases leave the list
    assert "本机关全部" not in page  # a clerk has no switch
    assert f'/cases/{theirs["id"]}"' not in zhang.get("/?view=office").text
    assert f'/cases/{done["id"]}"' in zhang.get("/?status=concluded").text
    wang = browser(office, "wang")
    assert f'/cases/{theirs["id"]}"' not in wang.get("/").text
    office_page = wang.get("/?view=office").text
    assert f'/cases/{mine["id"]}"' in office_page
    assert f'/cases/{theirs["id"]}"' in office_page
    auditor = browser(office, "li").get("/").text  # handles nothing: the office by default
    assert f'/cases/{theirs["id"]}"' in auditor


def test_the_case_page_assigns_and_a_clerk_takes_an_unassigned_case(office, make_case):
    case = make_case()
    zhang = browser(office, "zhang")
    page = zhang.get(f"/cases/{case['id']}").text
    assert "由我承办" in page
    assert "保存承办人" not in page
    taken = zhang.post(
        f"/cases/{case['id']}/handler", data={**form_of(zhang, case["id"]), "handler": "zhang"}, follow_redirects=False
    )
    assert taken.status_code == 303
    assert f'/cases/{case["id"]}"' in zhang.get("/").text
    wang = browser(office, "wang")
    moved = wang.post(f"/cases/{case['id']}/handler", data={**form_of(wang, case["id"]), "handler": "nobody"})
    assert moved.status_code == 422
    assert "不是本机关可办理申请的在用账户" in moved.text


# --- polish ---------------------------------------------------------------------------------------------------------


def test_validation_messages_are_chinese(office):
    answer = office.client.post(f"{URL}/cases", json={"agency": "a1"}, headers=office.headers("a1"))
    assert answer.status_code == 422
    messages = {e["field"]: e["message"] for e in answer.json()["errors"]}
    assert messages["applicant"] == "必填。"
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in messages.values()), messages
    extra = office.client.post(f"{URL}/users", json={"bogus": 1}, headers=office.headers("a1", Role.ADMIN))
    assert "不认识的字段" in {e["field"]: e["message"] for e in extra.json()["errors"]}["bogus"]


def test_times_are_local_and_actors_are_display_names(office, make_case):
    zhang = browser(office, "zhang")
    page = zhang.get("/cases/new").text
    data = {
        "csrf_token": CSRF.search(page)[1],
        "agency": "a1",
        "handler": "zhang",
        "applicant.type": "natural_person",
        "applicant.name": "张三",
        "channel": "in_person",
        "receipt@in_person": "2026-11-20",
        "request.description": "某文件",
    }
    created = zhang.post("/cases", data=data, follow_redirects=False)
    assert created.status_code == 303, created.text
    case_page = zhang.get(created.headers["location"]).text
    assert "UTC" not in case_page
    assert "user:zhang" not in case_page
    assert "zhang 名" in case_page
    with transaction(office.factory) as session:
        record = session.query(AuditRecord).filter(AuditRecord.action == "case.create").one()
        local = record.at.astimezone(office.client.app.state.settings.tz).strftime("%Y-%m-%d %H:%M")
    assert local in case_page


def test_the_login_page_says_when_a_secure_cookie_cannot_be_set_over_http(office, settings):
    from fastapi.testclient import TestClient

    from app.main import create_app

    production = create_app(settings.model_copy(update={"environment": "production"}))
    with TestClient(production, base_url="http://192.0.2.10:8000") as client:
        page = client.get("/login").text
        assert "HTTPS" in page
        assert "GONGKAI_ENVIRONMENT=development" in page
        refused = client.post("/login", data={"username": "zhang", "password": PASSWORD}, follow_redirects=False)
        assert refused.status_code == 400
        assert "反向代理" in refused.text
        assert "set-cookie" not in refused.headers
    with TestClient(production, base_url="https://gongkai.example") as client:
        assert "HTTPS" not in client.get("/login").text
        signed = client.post("/login", data={"username": "zhang", "password": PASSWORD}, follow_redirects=False)
        assert signed.status_code == 303
        assert "Secure" in signed.headers["set-cookie"]
