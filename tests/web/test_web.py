"""The clerks' web pages: sign-in, the list, registration, steps through forms, CSRF, scope, versions, roles."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.agency import repository as agencies
from app.db import transaction
from app.domain.clock import EXPLANATION_HORIZON_DAYS
from app.domain.roles import Role
from app.models import CaseEvent
from app.user import service as user_service

PASSWORD = "correct-horse-battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


def make_user(api, username, agency="a1", role=Role.CLERK):
    with transaction(api.factory) as session:
        user_service.create_user(
            session, username, f"{username} 名", PASSWORD, [(agencies.get_agency(session, agency), role)], actor="test"
        )


def browser(api, username=None):
    """A client of its own (its own cookie jar), signed in as ``username`` when given."""
    client = TestClient(api.client.app, raise_server_exceptions=False)
    if username:
        response = client.post(
            "/login", data={"username": username, "password": PASSWORD, "next": "/"}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
    return client


def csrf_of(client, path="/"):
    return CSRF.search(client.get(path).text)[1]


@pytest.fixture
def web(api):
    api.agency("a1")
    api.agency("a2")
    make_user(api, "zhang")
    make_user(api, "wang", role=Role.SUPERVISOR)
    make_user(api, "li", role=Role.AUDITOR)
    make_user(api, "zhao", agency="a2")
    return api


def form_of(client, case_id):
    page = client.get(f"/cases/{case_id}").text
    return {"csrf_token": CSRF.search(page)[1], "version": VERSION.search(page)[1]}


# --- signing in -----------------------------------------------------------------------------------------------------


def test_pages_without_a_session_redirect_to_the_login_form(web):
    client = browser(web)
    response = client.get("/cases/1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcases%2F1"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    page = client.get("/login")
    assert page.status_code == 200
    assert "登录" in page.text
    assert page.headers["content-type"].startswith("text/html")


def test_login_sets_the_api_session_cookie_and_logout_ends_it(web):
    client = browser(web)
    response = client.post(
        "/login", data={"username": "zhang", "password": PASSWORD, "next": "/cases/new"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/cases/new"
    cookie = response.headers["set-cookie"].lower()
    assert "gongkai_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert client.get("/api/v1/auth/me").json()["actor"] == "user:zhang"  # the same session as the API's
    home = client.get("/")
    assert "我的待办" in home.text
    assert "zhang 名" in home.text
    out = client.post("/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_never_redirects_off_site(web):
    client = browser(web)
    response = client.post(
        "/login", data={"username": "zhang", "password": PASSWORD, "next": "//evil.example/"}, follow_redirects=False
    )
    assert response.headers["location"] == "/"


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
)
def test_a_sign_in_posted_by_another_site_is_refused(web, headers):
    """Login CSRF: another site's page posting the form would sign the visitor in as the attacker (whose account
    then receives what the visitor records). Before a session there is no CSRF token: the browser's own headers tell."""
    client = browser(web)
    form = {"username": "zhang", "password": PASSWORD, "next": "/"}
    refused = client.post("/login", data=form, headers=headers, follow_redirects=False)
    assert refused.status_code == 403
    assert "来自其他网站" in refused.text
    assert "set-cookie" not in refused.headers
    own = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}
    assert client.post("/login", data=form, headers=own, follow_redirects=False).status_code == 303


def test_wrong_password_and_throttling_are_shown_on_the_form(web):
    client = browser(web)
    wrong = client.post("/login", data={"username": "zhang", "password": "nope-nope-nope"})
    assert wrong.status_code == 401
    assert "用户名或密码错误" in wrong.text
    assert 'value="zhang"' in wrong.text
    for _ in range(5):
        throttled = client.post("/login", data={"username": "zhang", "password": "nope-nope-nope"})
    assert throttled.status_code == 429
    assert "登录失败次数过多" in throttled.text
    right = client.post("/login", data={"username": "zhang", "password": PASSWORD})
    assert right.status_code == 429  # the failed attempts were counted although the page was an answer, not an error


# --- the list -------------------------------------------------------------------------------------------------------


def test_the_list_filters_sorts_by_due_date_and_marks_breaches(web, make_case):
    late = make_case(received="2026-03-02", applicant={"type": "natural_person", "name": "张三"}, handler="zhang")
    fresh = make_case(
        received="2026-11-26", applicant={"type": "commercial_enterprise", "name": "某某有限公司"}, handler="zhang 名"
    )
    client = browser(web, "zhang")
    page = client.get("/").text
    assert page.index(late["number"]) < page.index(fresh["number"])  # soonest agency deadline first
    assert "【违法超期】" in page
    by_type = client.get("/", params={"applicant_type": "commercial_enterprise"}).text
    assert fresh["number"] in by_type
    assert late["number"] not in by_type
    overdue = client.get("/", params={"overdue": "1"}).text
    assert late["number"] in overdue
    assert f'/cases/{fresh["id"]}"' not in overdue
    text = client.get("/", params={"q": "某某有限"}).text
    assert f'/cases/{fresh["id"]}"' in text
    assert f'/cases/{late["id"]}"' not in text
    ranged = client.get("/", params={"received_from": "2026-11-01", "received_to": "2026-11-30"}).text
    assert f'/cases/{fresh["id"]}"' in ranged
    assert f'/cases/{late["id"]}"' not in ranged
    bad = client.get("/", params={"status": "nonsense", "received_from": "x"})
    assert bad.status_code == 200
    assert "筛选条件「状态」无效" in bad.text


def test_the_list_shows_only_the_visitors_agencies(web, make_case):
    case = make_case()
    other = browser(web, "zhao")
    assert f'/cases/{case["id"]}"' not in other.get("/").text
    assert other.get(f"/cases/{case['id']}").status_code == 404
    assert "不存在或不在您的权限范围内" in other.get(f"/cases/{case['id']}").text
    assert other.get(f"/cases/{case['id']}/deadline").status_code == 404


# --- registration ---------------------------------------------------------------------------------------------------


def registration(client, **changes):
    data = {
        "csrf_token": csrf_of(client, "/cases/new"),
        "agency": "a1",
        "applicant.type": "natural_person",
        "applicant.name": "李四",
        "applicant.id_number": "110101199001011234",
        "applicant.phone": "13800001234",
        "channel": "post",
        "receipt@post": "2026-11-02",
        "request.description": "某路段拓宽工程的立项批复",
        "request.delivery": "email",
    }
    data.update(changes)
    return client.post("/cases", data=data, follow_redirects=False)


def test_registration_errors_are_shown_next_to_the_fields_with_the_input_kept(web):
    client = browser(web, "zhang")
    invalid = registration(client, **{"applicant.name": "  "})
    assert invalid.status_code == 422
    assert invalid.headers["content-type"].startswith("text/html")
    assert re.search(r'name="applicant.name".*?<span class="field-error" role="alert">必填。', invalid.text, re.S)
    assert "某路段拓宽工程的立项批复" in invalid.text  # the clerk's input is kept
    assert 'value="post" selected' in invalid.text
    missing_fact = registration(client, **{"receipt@post": "", "receipt@in_person": "2026-11-02"})
    assert missing_fact.status_code == 422
    assert "须填写签收日期" in missing_fact.text
    assert re.search(r'name="receipt@post".*?field-error', missing_fact.text, re.S)
    done = registration(client)
    assert done.status_code == 303
    case_page = client.get(done.headers["location"])
    assert case_page.status_code == 200
    assert "李四" in case_page.text
    assert "110101199001011234" in case_page.text  # a clerk holds case.read_personal
    assert "2026-11-02" in case_page.text


def test_a_refused_registration_leaves_no_number_behind(web):
    client = browser(web, "zhang")
    registration(client, external_ref="OA-1")
    again = registration(client, external_ref="OA-1")
    assert again.status_code == 409
    assert "外部编号「OA-1」已登记过" in again.text
    third = registration(client, external_ref="OA-2")
    page = client.get(third.headers["location"]).text
    assert "申请 2026-0002" in page  # gap-free: the refused attempt's number was given back


def test_the_registration_form_submitted_twice_registers_once(web):
    """A double click or the browser's resubmission posts the same form again: it goes to the case the first
    registered instead of registering a second (found by a probe; the register has no way to delete a case). The form
    refused once and corrected still registers, with the same token."""
    client = browser(web, "zhang")
    once = re.search(r'name="once" value="([^"]+)"', client.get("/cases/new").text)
    assert once is not None
    refused = registration(client, once=once.group(1), **{"applicant.name": "  "})
    assert refused.status_code == 422
    assert f'name="once" value="{once.group(1)}"' in refused.text  # the re-shown form keeps its token
    first = registration(client, once=once.group(1))
    second = registration(client, once=once.group(1))
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert "申请 2026-0001" in client.get(first.headers["location"]).text
    other = re.search(r'name="once" value="([^"]+)"', client.get("/cases/new").text)
    assert other is not None
    assert other.group(1) != once.group(1)
    third = registration(client, once=other.group(1))
    assert "申请 2026-0002" in client.get(third.headers["location"]).text  # a new form is a new application


def test_auditors_get_no_registration_form(web):
    client = browser(web, "li")
    assert "登记新申请" not in client.get("/").text
    assert client.get("/cases/new").status_code == 403


# --- the case page and its steps ------------------------------------------------------------------------------------


def test_a_step_through_its_form(web, make_case):
    case = make_case(received="2026-11-20")
    client = browser(web, "zhang")
    page = client.get(f"/cases/{case['id']}")
    assert page.status_code == 200
    assert f'action="/cases/{case["id"]}/steps/correction-request"' in page.text
    assert "/steps/extension" not in page.text  # a clerk may not approve an extension
    assert "/steps/conclusion" not in page.text
    data = {**form_of(client, case["id"]), "on": "2026-11-24", "until": "2026-12-10", "items": "请写明文件名称"}
    response = client.post(f"/cases/{case['id']}/steps/correction-request", data=data, follow_redirects=False)
    assert response.status_code == 303
    after = client.get(f"/cases/{case['id']}").text
    assert "告知补正" in after
    assert "请写明文件名称" in after
    assert "等待补正" in after
    assert "/steps/correction-request" not in after  # no longer allowed
    assert '/steps/correction"' in after


def test_a_refused_step_is_shown_on_the_page_with_the_input_kept(web, make_case):
    case = make_case(received="2026-11-20")
    client = browser(web, "zhang")
    data = {**form_of(client, case["id"]), "on": "2026-11-24", "until": "2026-11-23", "items": "补充身份证明"}
    response = client.post(f"/cases/{case['id']}/steps/correction-request", data=data)
    assert response.status_code == 422
    assert "补正期限应晚于告知补正的日期" in response.text
    assert "补充身份证明" in response.text
    invalid = client.post(f"/cases/{case['id']}/steps/correction-request", data={**data, "on": "not a date"})
    assert invalid.status_code == 422
    assert "日期格式应为 YYYY-MM-DD" in invalid.text


def test_a_supervisor_concludes_with_a_grouped_disposition(web, make_case):
    case = make_case(received="2026-11-20")
    client = browser(web, "wang")
    page = client.get(f"/cases/{case['id']}").text
    assert '<optgroup label="（三）不予公开">' in page
    # A lapse has its own step, which checks that the period ran out; the conclusion does not offer it
    assert 'value="other.other"' in page
    assert 'value="other.fee_unpaid"' not in page
    assert 'value="other.correction_lapsed"' not in page
    data = {**form_of(client, case["id"]), "on": "2026-11-26", "disposition": "withheld.third_party_rights"}
    response = client.post(f"/cases/{case['id']}/steps/conclusion", data=data, follow_redirects=False)
    assert response.status_code == 303
    after = client.get(f"/cases/{case['id']}").text
    assert "（三）不予公开 4.保护第三方合法权益" in after
    assert "已办结" in after
    filing = {**form_of(client, case["id"]), "kind": "review", "filed_on": "2026-11-27"}
    assert client.post(f"/cases/{case['id']}/steps/reviews", data=filing, follow_redirects=False).status_code == 303
    page = client.get(f"/cases/{case['id']}").text
    decision = re.search(r'action="(/cases/\d+/steps/reviews/\d+/decision)"', page)[1]
    ruling = {**form_of(client, case["id"]), "on": "2026-11-27", "outcome": "upheld"}
    assert client.post(decision, data=ruling, follow_redirects=False).status_code == 303
    assert "结果维持" in client.get(f"/cases/{case['id']}").text


def test_form_posts_without_the_sessions_csrf_token_are_refused(web, make_case):
    case = make_case(received="2026-11-20")
    client = browser(web, "zhang")
    data = {"version": form_of(client, case["id"])["version"], "on": "2026-11-24", "until": "2026-12-10", "items": "x"}
    for token in (None, "forged"):
        body = data if token is None else {**data, "csrf_token": token}
        response = client.post(f"/cases/{case['id']}/steps/correction-request", data=body)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "安全令牌" in response.text
    assert client.post("/cases", data={"agency": "a1"}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    timeline = client.get(f"/cases/{case['id']}").text.split('id="timeline"')[1].split("</ol>")[0]
    assert "告知补正" not in timeline


def test_steps_on_another_agencys_case_are_404(web, make_case):
    case = make_case(received="2026-11-20")
    client = browser(web, "zhao")
    data = {"csrf_token": csrf_of(client), "version": "1", "on": "2026-11-24"}
    response = client.post(f"/cases/{case['id']}/steps/withdrawal", data=data)
    assert response.status_code == 404
    assert "不存在或不在您的权限范围内" in response.text


def test_a_stale_version_is_refused_with_the_message(web, make_case):
    case = make_case(received="2026-11-20")
    first, second = browser(web, "zhang"), browser(web, "wang")
    seen_by_first = form_of(first, case["id"])
    seen_by_second = form_of(second, case["id"])
    request = {"on": "2026-11-24", "until": "2026-12-10", "items": "请写明文件名称"}
    ok = first.post(f"/cases/{case['id']}/steps/correction-request", data={**seen_by_first, **request})
    assert ok.status_code == 200  # followed to the case page
    stale = second.post(f"/cases/{case['id']}/steps/withdrawal", data={**seen_by_second, "on": "2026-11-25"})
    assert stale.status_code == 412
    assert "已被他人修改" in stale.text
    assert "撤回" not in stale.text.split('id="timeline"')[1].split("</ol>")[0]


def test_auditors_see_no_write_forms_and_masked_numbers(web):
    clerk = browser(web, "zhang")
    created = registration(clerk)
    case_url = created.headers["location"]
    auditor = browser(web, "li")
    page = auditor.get(case_url)
    assert page.status_code == 200
    assert "/steps/" not in page.text
    assert "登记办理事项" not in page.text
    assert "110101199001011234" not in page.text
    assert "1101**********1234" in page.text
    assert "138****1234" in page.text
    refused = auditor.post(f"{case_url}/steps/withdrawal", data={"csrf_token": csrf_of(auditor), "on": "2026-11-25"})
    assert refused.status_code == 403


def test_the_deadline_page_explains_every_day(web, make_case):
    case = make_case(received="2026-09-30")
    client = browser(web, "zhang")
    page = client.get(f"/cases/{case['id']}/deadline")
    assert page.status_code == 200
    assert "收到申请当日，不计入" in page.text
    assert "法定节假日，不计入" in page.text  # the National Day holiday
    assert "第15日" in page.text
    assert "第20日" in page.text  # both deadlines are explained (the statutory one is the later)
    assert "本机关期限届满" in page.text
    assert "法定期限届满" in page.text


def test_a_recomputation_reads_in_chinese_on_the_timeline(web, make_case, api):
    case = make_case(received="2026-03-02")
    policy = api.client.put(
        "/api/v1/agencies/a1/policy", json={"reply_days": 10}, headers=api.headers("a1", Role.ADMIN)
    )
    assert policy.status_code == 200, policy.text
    page = browser(web, "zhang").get(f"/cases/{case['id']}").text
    assert "原因：本机关期限政策变更" in page
    assert "原期限：本机关答复期限 2026-03-23" in page
    assert "新期限：本机关答复期限 2026-03-16" in page


def test_a_breach_before_a_late_correction_notice_is_shown_on_the_case_and_its_deadline(web, make_case, api):
    """Received 2025-09-22, due by law 10-24, a correction asked for on 10-27: the pages say the deadline passed
    before the notice, and the case stays marked as a breach while the correction is awaited."""
    case = make_case(received="2025-09-22")
    body = {"on": "2025-10-27", "until": "2025-11-10", "items": "请写明文件名称"}
    url = f"/api/v1/cases/{case['id']}/correction-request"
    assert api.client.post(url, json=body, headers=api.headers("a1")).status_code == 200
    client = browser(web, "zhang")
    page = client.get(f"/cases/{case['id']}").text
    assert "【违法超期】" in page
    assert "2025-10-24（补正告知发出前已届满" in page
    assert "原法定答复期限已于 <strong>2025-10-24</strong> 届满" in client.get(f"/cases/{case['id']}/deadline").text


def test_a_deadline_stored_beyond_the_explanation_horizon_says_its_table_is_cut(web, make_case, api):
    """A correction period to 9999-12-31, accepted before periods were bounded: the page lists the first four years
    and says so (``clock.EXPLANATION_HORIZON_DAYS``) instead of presenting them as the whole period."""
    case = make_case(received="2026-03-02")
    body = {"on": "2026-03-04", "until": "2026-03-20", "items": "请写明文件名称"}
    url = f"/api/v1/cases/{case['id']}/correction-request"
    assert api.client.post(url, json=body, headers=api.headers("a1")).status_code == 200
    with transaction(api.factory) as session:
        event = session.scalars(select(CaseEvent).where(CaseEvent.type == "correction_requested")).one()
        event.data = {**event.data, "until": "9999-12-31"}
    client = browser(web, "zhang")
    assert "期限跨度过长" not in client.get(f"/cases/{make_case()['id']}/deadline").text
    page = client.get(f"/cases/{case['id']}/deadline")
    assert page.status_code == 200
    assert f"下表只列出法定收到日期起的前 {EXPLANATION_HORIZON_DAYS + 1} 日" in page.text
    explained = api.client.get(f"/api/v1/cases/{case['id']}/deadline", headers=api.headers("a1")).json()
    assert explained["truncated"] is True


def test_pages_carry_the_security_headers_and_their_own_csp(web):
    client = browser(web, "zhang")
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "style-src 'self'" in csp
    assert "script-src" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    css = client.get("/static/style.css")
    assert css.status_code == 200
    assert "@media print" in css.text


def test_unknown_pages_and_bad_ids_are_404_pages(web):
    client = browser(web, "zhang")
    for path in ("/cases/abc", "/cases/999999", "/cases/999999/deadline"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "页面不存在" in response.text or "不存在" in response.text


def test_a_page_makes_two_worker_thread_hops(web, request):
    """The visitor's session lookup, then the page and its commit in one (``PageRoute`` is a ``UnitRoute``); the CSRF
    check of a form is on the event loop. Before: four for a form (visitor, CSRF check, page, commit)."""
    client = browser(web, "zhang")
    token = csrf_of(client)
    hops = request.getfixturevalue("thread_hops")
    assert client.get("/").status_code == 200
    assert len(hops) == 2, hops
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert len(hops) == 4, hops


def test_a_form_too_large_for_the_server_gets_the_error_page_in_a_browser(web):
    """A browser's form over the body limit (a probe's 2 MB form) gets the clerks' error page, not problem+json."""
    client = browser(web, "zhang")
    page = client.post("/cases", data={"x": "字" * 400_000}, headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    assert "请求内容过大：最多 1 MB" in page.text
