"""The office pages: 年度报表 (tables with traced cells, checks, downloads, 主动公开, publishing) and 超期提醒."""

from __future__ import annotations

import re

from app.domain.roles import Role
from tests.web.test_web import CSRF, browser, make_user

URL = "/api/v1"


def _office(api):
    api.agency("a1")
    make_user(api, "zhang")
    make_user(api, "boss", role=Role.ADMIN)
    return api


def _conclude(api, case, on="2026-11-27", disposition="disclosed"):
    body = {"on": on, "disposition": disposition, "delivery": "email"}
    answer = api.client.post(
        f"{URL}/cases/{case['id']}/conclusion", json=body, headers=api.headers("a1", Role.SUPERVISOR)
    )
    assert answer.status_code == 200, answer.text


def _cell(page, row, column="total"):
    """The number shown in a traced cell, and its link."""
    link = rf'<a href="(/reports/annual/cases\?[^"]*row={re.escape(row)}&amp;column={column})">(\d+)</a>'
    match = re.search(link, page)
    assert match, f"no cell {row}/{column}"
    return int(match[2]), match[1].replace("&amp;", "&")


def test_the_annual_table_links_every_number_to_its_cases(api, make_case):
    _office(api)
    case = make_case(received="2026-03-02", handler="zhang")
    zhang = browser(api, "zhang")
    page = zhang.get("/reports/annual?year=2026&agency=a1").text
    assert "收到和处理政府信息公开申请情况" in page
    assert _cell(page, "received")[0] == 1
    assert _cell(page, "disclosed")[0] == 0
    _conclude(api, case)
    page = zhang.get("/reports/annual?year=2026&agency=a1").text
    count, link = _cell(page, "disclosed", "natural_person")
    assert count == 1
    traced = zhang.get(link).text
    assert f'href="/cases/{case["id"]}"' in traced
    assert "予以公开" in traced
    assert "✓ 通过" in page
    assert "/api/v1/reports/annual?year=2026&amp;agency=a1&amp;output=xlsx" in page
    xlsx = zhang.get("/api/v1/reports/annual?year=2026&agency=a1&output=xlsx")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    assert "发布并锁定" not in page  # clerks do not publish


def test_admins_enter_active_disclosure_and_publish_a_finished_year(api, make_case):
    _office(api)
    boss = browser(api, "boss")
    page = boss.get("/reports/annual?year=2025&agency=a1").text
    csrf = CSRF.search(page)[1]
    fields = dict.fromkeys(re.findall(r'name="(v:[^"]+)"', page), "0")
    assert fields
    bad = boss.post(
        "/reports/annual/active-disclosure",
        data={"csrf_token": csrf, "year": "2025", "agency": "a1", **fields, next(iter(fields)): "很多"},
    )
    assert bad.status_code == 422
    assert "应为" in bad.text
    saved = boss.post(
        "/reports/annual/active-disclosure",
        data={"csrf_token": csrf, "year": "2025", "agency": "a1", **fields},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "主动公开政府信息情况" in boss.get("/reports/annual?year=2025&agency=a1").text
    published = boss.post(
        "/reports/annual/publication", data={"csrf_token": csrf, "year": "2025", "agency": "a1"}, follow_redirects=False
    )
    assert published.status_code == 303
    page = boss.get("/reports/annual?year=2025&agency=a1").text
    assert "已于" in page
    assert "发布后没有修改" in page
    current = boss.post("/reports/annual/publication", data={"csrf_token": csrf, "year": "2026", "agency": "a1"})
    assert current.status_code == 409
    assert "尚未结束" in current.text


def test_a_change_to_a_published_year_needs_an_admins_reason(api, make_case):
    _office(api)
    case = make_case(received="2025-03-03")
    boss = browser(api, "boss")
    csrf = CSRF.search(boss.get("/").text)[1]
    boss.post("/reports/annual/publication", data={"csrf_token": csrf, "year": "2025", "agency": "a1"})
    page = boss.get(f"/cases/{case['id']}").text
    version = re.search(r'name="version" value="(\d+)"', page)[1]
    step = {"csrf_token": csrf, "version": version, "on": "2025-03-20", "disposition": "disclosed"}
    refused = boss.post(f"/cases/{case['id']}/steps/conclusion", data=step)
    assert refused.status_code == 409
    assert 'name="override_reason"' in refused.text
    forced = boss.post(
        f"/cases/{case['id']}/steps/conclusion",
        data={**step, "override_reason": "补录2025年漏登的答复"},
        follow_redirects=False,
    )
    assert forced.status_code == 303, forced.text
    annual = boss.get("/reports/annual?year=2025&agency=a1").text
    assert "补录2025年漏登的答复" in annual


def test_the_overdue_page_groups_by_kind_and_marks_breaches(api, make_case):
    _office(api)
    late = make_case(received="2026-03-02", handler="zhang")
    zhang = browser(api, "zhang")
    page = zhang.get("/overdue").text
    assert "【违法超期】超过法定答复期限" in page
    assert f'/cases/{late["id"]}"' in page
    assert "尚无已发送的期限报告" in page
    assert "statutory_overdue" not in page
