"""管理 pages: users, tokens, agencies, calendar, webhooks, audit — each through the services the API uses."""

from __future__ import annotations

import re

from app.db import transaction
from app.domain.roles import Role
from app.user import service as user_service
from tests.web.test_web import CSRF, PASSWORD, browser, make_user

NEW_PASSWORD = "春眠不觉晓-2027"


def _admin(api):
    api.agency("a1")
    api.agency("a2")
    make_user(api, "boss", role=Role.ADMIN)
    with transaction(api.factory) as session:  # the national calendar is the system administrator's alone
        user_service.set_system_admin(session, user_service.get_user(session, "boss"), True, actor="test")
    make_user(api, "zhang")
    make_user(api, "other", agency="a2", role=Role.ADMIN)
    client = browser(api, "boss")
    return client, CSRF.search(client.get("/admin/users").text)[1]


def _secret(page):
    return re.search(r'<p class="secret">([^<]+)</p>', page)[1]


def test_an_admin_creates_a_clerk_who_must_choose_a_password(api):
    client, csrf = _admin(api)
    created = client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "chen", "display_name": "陈六", "agency": "a1", "role": "clerk"},
    )
    assert created.status_code == 201, created.text
    temporary = _secret(created.text)
    taken = client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "chen", "display_name": "x", "agency": "a1", "role": "clerk"},
    )
    assert taken.status_code == 409
    assert "已被使用" in taken.text
    foreign = client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "wu", "display_name": "x", "agency": "a2", "role": "clerk"},
    )
    assert foreign.status_code == 404
    clerk = browser(api)
    signed = clerk.post("/login", data={"username": "chen", "password": temporary}, follow_redirects=False)
    assert signed.headers["location"] == "/account/password"
    page = clerk.get("/account/password").text
    changed = clerk.post(
        "/account/password",
        data={
            "csrf_token": CSRF.search(page)[1],
            "current_password": temporary,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert clerk.get("/").status_code == 200
    users = client.get("/admin/users").text
    assert "陈六" in users
    assert "other" not in users  # another agency's admin is not listed


def test_roles_reset_unlock_and_deactivate(api):
    client, csrf = _admin(api)
    page = client.get("/admin/users").text
    zhang_id = re.search(r"/admin/users/(\d+)/password-reset", page[page.index("zhang 名") :])[1]
    promoted = client.post(
        f"/admin/users/{zhang_id}/role",
        data={"csrf_token": csrf, "agency": "a1", "role": "supervisor"},
        follow_redirects=False,
    )
    assert promoted.status_code == 303
    assert "主管" in client.get("/admin/users").text
    reset = client.post(f"/admin/users/{zhang_id}/password-reset", data={"csrf_token": csrf})
    temporary = _secret(reset.text)
    assert browser(api).post("/login", data={"username": "zhang", "password": PASSWORD}).status_code == 401
    assert browser(api).post("/login", data={"username": "zhang", "password": temporary}, follow_redirects=False)
    stopped = client.post(f"/admin/users/{zhang_id}/deactivation", data={"csrf_token": csrf}, follow_redirects=False)
    assert stopped.status_code == 303
    assert "已停用" in client.get("/admin/users").text
    assert browser(api).post("/login", data={"username": "zhang", "password": temporary}).status_code == 401
    outsider = browser(api, "other")
    other_csrf = CSRF.search(outsider.get("/admin/users").text)[1]
    assert outsider.post(f"/admin/users/{zhang_id}/unlock", data={"csrf_token": other_csrf}).status_code == 404


def test_tokens_show_their_secret_once_and_can_be_rotated_and_revoked(api):
    client, csrf = _admin(api)
    created = client.post(
        "/admin/tokens",
        data={"csrf_token": csrf, "name": "oa-prod", "agency": "a1", "role": "integration", "expires_days": ""},
    )
    assert created.status_code == 201
    plain = _secret(created.text)
    assert plain.startswith("gk_")
    assert api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    listing = client.get("/admin/tokens").text
    assert plain not in listing
    token_id = re.search(r"/admin/tokens/(\d+)/revocation", listing[listing.index("oa-prod") :])[1]
    rotated = client.post(f"/admin/tokens/{token_id}/rotation", data={"csrf_token": csrf})
    assert _secret(rotated.text).startswith("gk_")
    client.post(f"/admin/tokens/{token_id}/revocation", data={"csrf_token": csrf})
    assert api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    bad = client.post("/admin/tokens", data={"csrf_token": csrf, "name": "x", "agency": "a1", "role": "nope"})
    assert bad.status_code == 422


def test_agencies_sub_agency_rename_and_policy_lists_moved_cases(api, make_case):
    client, csrf = _admin(api)
    case = make_case(received="2026-11-20")
    renamed = client.post("/admin/agencies/a1/name", data={"csrf_token": csrf, "name": "某某市自然资源局"})
    assert renamed.status_code == 200
    assert "某某市自然资源局" in client.get("/admin/agencies").text
    sub = client.post(
        "/admin/agencies",
        data={
            "csrf_token": csrf,
            "parent": "a1",
            "code": "a1-east",
            "name": "东区分局",
            "reply_days": "15",
        },
    )
    assert sub.status_code == 200
    assert "东区分局" in client.get("/admin/agencies").text
    policy = client.post(
        "/admin/agencies/a1/policy",
        data={"csrf_token": csrf, "reply_days": "10", "extension_limit": ""},
    )
    assert policy.status_code == 200
    assert f'/cases/{case["id"]}"' in policy.text
    wrong = client.post(
        "/admin/agencies/a1/policy",
        data={"csrf_token": csrf, "reply_days": "25", "extension_limit": ""},
    )
    assert wrong.status_code == 422
    assert client.post("/admin/agencies/a2/name", data={"csrf_token": csrf, "name": "x"}).status_code == 404


def test_the_calendar_page_imports_a_year_from_a_file_or_the_form(api, make_case):
    client, csrf = _admin(api)
    page = client.get("/admin/calendar").text
    assert "2027 年的节假日安排尚未导入" in page
    typed = client.post(
        "/admin/calendar",
        data={
            "csrf_token": csrf,
            "content": "date,kind,name\n2027-01-01,holiday,元旦\n",
            "source": "国办发明电〔2026〕1号",
        },
    )
    assert typed.status_code == 200, typed.text
    assert "已导入 2027 年节假日安排" in typed.text
    notice = '{"year": 2028, "source": "国办发明电〔2027〕1号", "holidays": [{"date": "2028-01-03", "name": "元旦"}]}'
    uploaded = client.post(
        "/admin/calendar",
        data={"csrf_token": csrf},
        files={"file": ("2028.json", notice.encode(), "application/json")},
    )
    assert "已导入 2028 年节假日安排" in uploaded.text
    broken = client.post(
        "/admin/calendar", data={"csrf_token": csrf}, files={"file": ("x.json", b"\xff\xfe", "application/json")}
    )
    assert broken.status_code == 422
    assert "UTF-8" in broken.text
    assert "元旦" in client.get("/admin/calendar?year=2028").text
    clerk = browser(api, "zhang")
    assert clerk.get("/admin/calendar").status_code == 403


def test_the_banner_says_next_years_calendar_is_missing(api):
    client, _ = _admin(api)
    assert "2027 年的节假日安排尚未导入" in client.get("/").text  # today is 2026-11-27 in the tests


def test_webhooks_and_their_delivery_log(api, make_case):
    client, csrf = _admin(api)
    # a public address written as one (a name would need DNS, which the destination check asks at subscription)
    created = client.post(
        "/admin/webhooks",
        data={"csrf_token": csrf, "agency": "a1", "url": "https://93.184.216.34/hook", "event:case.created": "1"},
    )
    assert created.status_code == 201, created.text
    assert _secret(created.text).startswith("whsec_")
    bad = client.post("/admin/webhooks", data={"csrf_token": csrf, "agency": "a1", "url": "not a url"})
    assert bad.status_code == 422
    assert "接收地址" in bad.text
    make_case()
    listing = client.get("/admin/webhooks").text
    subscription_id = re.search(r'href="/admin/webhooks/(\d+)"', listing)[1]
    log = client.get(f"/admin/webhooks/{subscription_id}").text
    assert "登记申请" in log
    assert "待发送" in log


def test_the_audit_trail_filters_and_verifies(api, make_case):
    client, _ = _admin(api)
    make_case()
    page = client.get("/admin/audit", params={"action": "case"}).text
    assert "case.create" in page
    assert "user.create" not in page
    verified = client.get("/admin/audit", params={"verify": "1"}).text
    assert "审计链完整" in verified
    bad = client.get("/admin/audit", params={"since": "yesterday"})
    assert "日期格式" in bad.text
    for bound in ({"since": "0001-01-01"}, {"until": "9999-12-31"}):
        edge = client.get("/admin/audit", params=bound)
        assert edge.status_code < 500
        assert "超出可查询的时间范围" in edge.text
    assert browser(api, "zhang").get("/admin/audit").status_code == 403


def test_digit_like_and_overlong_numbers_are_refused_or_ignored_never_a_500(api, make_case):
    """``str.isdigit`` accepts '²', which ``int`` refuses, and ``int`` refuses more than 4,300 digits: every number
    a page or a header reads gives a refusal or its default, never a 500 (an adversarial probe found eleven)."""
    client, csrf = _admin(api)
    case = make_case()
    for odd in ("²", "9" * 5000):
        for url in (
            f"/overdue?due_within={odd}",
            f"/admin/audit?page={odd}",
            f"/reports/annual?year={odd}",
            f"/admin/calendar?year={odd}",
        ):
            assert client.get(url).status_code < 500, url
        form = {"csrf_token": csrf, "version": odd, "reason": "x"}
        assert client.post(f"/cases/{case['id']}/steps/withdrawal", data=form).status_code < 500
        assert client.post(f"/cases/{case['id']}/handler", data=form).status_code < 500
        policy = {"csrf_token": csrf, "reply_days": odd}
        assert client.post("/admin/agencies/a1/policy", data=policy).status_code < 500
        if not odd.isascii():
            continue  # a header is ASCII
        stale = api.client.post(
            f"/api/v1/cases/{case['id']}/reasons-request",
            json={"on": "2026-03-03"},
            headers={**api.headers("a1"), "If-Match": f'"{odd}"'},
        )
        assert (stale.status_code, stale.json()["code"]) == (412, "precondition_failed")


def test_admin_forms_refuse_names_no_database_or_document_can_hold(api):
    """The admin forms have no API schema in front of the services: a NUL (PostgreSQL cannot store it: a 500), a
    control character (stored, it broke the agency's annual DOCX), a bidirectional override or an overlong name is
    refused by the service with a message, and nothing is stored."""
    client, csrf = _admin(api)
    for bad in ("子\x00机关", "子\x01机关", "子\u202e机关", "长" * 300):
        agency = {"csrf_token": csrf, "parent": "a1", "code": "a1-x", "name": bad, "reply_days": "15"}
        refused = client.post("/admin/agencies", data=agency)
        assert refused.status_code == 422, refused.text
        assert "机关名称" in refused.text
        assert client.post("/admin/agencies/a1/name", data={"csrf_token": csrf, "name": bad}).status_code == 422
        user = {"csrf_token": csrf, "username": "chen", "display_name": bad[:150], "agency": "a1", "role": "clerk"}
        assert client.post("/admin/users", data=user).status_code == 422
        token = {"csrf_token": csrf, "name": bad[:150], "agency": "a1", "role": "integration", "expires_days": ""}
        assert client.post("/admin/tokens", data=token).status_code == 422
    assert "a1-x" not in client.get("/admin/agencies").text
    assert "chen" not in client.get("/admin/users").text
