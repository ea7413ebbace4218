"""An office's day in Chromium: an administrator adds a clerk, the clerk changes the temporary password, registers
an application, requests and records a correction, sees a refused step explained, finds the case in 我的待办; a
supervisor-administrator extends and concludes it, sees the year-end table change and clicks through a cell to the
case; then resets the clerk's password, which the clerk changes. Every page is photographed, checked for a label on
every field, and for what must never show: English error text, UTC, a stack trace."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.db import transaction
from app.domain.roles import Role
from app.user import service as user_service
from tests.web.test_web import PASSWORD, make_user

NEVER = re.compile(r"UTC|Traceback|Internal Server Error|Field required|Not Found|user:[a-z]|None\b")
CLERK_PASSWORD = "春眠不觉晓-2027"
CLERK_PASSWORD_2 = "夜来风雨声-2028"

UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(e => !e.labels.length && !e.getAttribute('aria-label')).map(e => e.name)"""


class Office:
    taken = 0
    """Screenshots so far, across every person's browser: their files are numbered in the order taken."""

    def __init__(self, server: str, chromium: Any, shots: Path) -> None:
        self.server = server
        self.context = chromium.new_context(
            viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        self.page = self.context.new_page()
        self.shots = shots
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))

    def go(self, path: str) -> None:
        self.page.goto(self.server + path)

    def shot(self, name: str) -> None:
        """Photograph the page and check what every page owes its reader."""
        Office.taken += 1
        self.page.screenshot(path=self.shots / f"{Office.taken:02d}-{name}.png", full_page=True)
        text = self.page.inner_text("body")
        assert not NEVER.search(text), (name, NEVER.search(text))
        assert self.page.evaluate(UNLABELLED) == [], name
        assert self.page.locator("h1").count() >= 1, name

    def sign_in(self, username: str, password: str) -> None:
        self.go("/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="退出登录").click()
        assert self.page.url.endswith("/login")

    def step(self, title: str, values: dict[str, str], selects: dict[str, str] | None = None) -> None:
        """Open the step's form on the case page, fill it and submit it."""
        self.page.locator("summary", has_text=title).click()
        form = self.page.locator("details[open] form.step-form")
        for name, value in values.items():
            form.locator(f'[name="{name}"]').fill(value)
        for name, value in (selects or {}).items():
            form.locator(f'[name="{name}"]').select_option(value)
        form.get_by_role("button", name="登记").click()

    def change_password(self, current: str, new: str) -> None:
        assert "/account/password" in self.page.url
        self.page.locator('input[name="current_password"]').fill(current)
        self.page.locator('input[name="new_password"]').fill(new)
        self.page.locator('input[name="new_password_confirm"]').fill(new)
        self.page.get_by_role("button", name="修改密码").click()
        assert "密码已修改" in self.page.inner_text("main")

    def disclosed_cell(self) -> Any:
        return self.page.locator("table.official a[href*='row=disclosed'][href*='column=natural_person']")


def test_an_office_works_through_the_browser(api, server, chromium, shots, make_case):
    api.agency("a1")
    make_user(api, "boss", role=Role.ADMIN)
    with transaction(api.factory) as session:  # the national calendar is the system administrator's alone
        user_service.set_system_admin(session, user_service.get_user(session, "boss"), True, actor="test")
    late = make_case(received="2026-09-01", applicant={"type": "commercial_enterprise", "name": "某某建设有限公司"})
    admin = Office(server, chromium, shots)
    page = admin.page

    admin.go("/")
    assert page.url.endswith("/login")
    admin.shot("login")
    admin.sign_in("boss", PASSWORD)
    admin.shot("admin-list")

    admin.go("/admin/users")
    page.get_by_label("用户名（登录用）").fill("chen")
    page.get_by_label("姓名").fill("陈六")
    page.get_by_role("button", name="创建并生成临时密码").click()
    temporary = page.locator("p.secret").inner_text().strip()
    admin.shot("admin-user-created")
    for section in ("tokens", "agencies", "calendar", "webhooks", "audit"):
        admin.go(f"/admin/{section}")
        admin.shot(f"admin-{section}")
    admin.sign_out()

    clerk = Office(server, chromium, shots)
    cpage = clerk.page
    clerk.sign_in("chen", temporary)
    clerk.shot("password-forced")
    clerk.change_password(temporary, CLERK_PASSWORD)
    clerk.shot("password-changed")

    cpage.get_by_role("link", name="登记新申请").click()
    clerk.shot("register")
    cpage.locator('[name="applicant.name"]').fill("王某某")
    cpage.locator('[name="receipt@in_person"]').fill("2026-11-20")
    cpage.locator('[name="request.description"]').fill("2025年度某地块征收补偿安置方案")
    cpage.get_by_role("button", name="登记").click()
    assert re.search(r"/cases/\d+$", cpage.url)
    case_url = cpage.url.removeprefix(server)
    number = re.search(r"申请 (\d{4}-\d{4})", cpage.inner_text("h1"))[1]
    assert "陈六" in cpage.inner_text("main")
    clerk.shot("case-registered")

    clerk.step("告知补正", {"on": "2026-11-23", "until": "2026-12-04", "items": "请补充地块的具体位置"})
    clerk.step("收到补正", {"on": "2026-12-20"})  # a future date: refused, and said why
    alert = cpage.locator("#errors").inner_text()
    assert "未能登记" in alert
    assert re.search(r"[\u4e00-\u9fff]", alert)
    clerk.shot("step-refused")
    cpage.goto(server + case_url)
    clerk.step("收到补正", {"on": "2026-11-25"})
    assert "收到补正" in cpage.locator("#timeline").inner_text()
    clerk.shot("case-corrected")
    cpage.get_by_role("link", name="逐日说明期限如何计算 →").click()
    clerk.shot("deadline")

    clerk.go("/")
    assert number in cpage.locator("table.cases").inner_text()
    clerk.shot("my-cases")
    clerk.sign_out()

    admin.sign_in("boss", PASSWORD)
    admin.go(case_url)
    admin.step("延期答复", {"on": "2026-11-26", "days": "10", "approver": "王主任", "notice_on": "2026-11-26"})
    assert "延期答复" in page.locator("#timeline").inner_text()
    admin.go("/reports/annual?year=2026&agency=a1")
    before = int(admin.disclosed_cell().inner_text())
    admin.shot("annual-before")
    admin.go(case_url)
    admin.step("办结答复", {"on": "2026-11-27"}, {"disposition": "disclosed"})
    assert "已办结" in page.inner_text("main")
    admin.shot("case-concluded")
    admin.go("/reports/annual?year=2026&agency=a1")
    assert int(admin.disclosed_cell().inner_text()) == before + 1
    admin.shot("annual-after")
    admin.disclosed_cell().click()
    admin.shot("annual-cell-cases")
    page.get_by_role("link", name=number).click()
    assert page.url.endswith(case_url)
    admin.go("/overdue")
    assert late["number"] in page.locator("main").inner_text()
    assert "【违法超期】" in page.locator("main").inner_text()
    admin.shot("overdue")

    admin.go("/admin/users")
    row = page.locator("tr", has_text="陈六")
    row.get_by_role("button", name="重置密码").click()
    reset = page.locator("p.secret").inner_text().strip()
    admin.shot("admin-password-reset")
    admin.go("/docs")
    page.locator(".swagger-ui .info").wait_for(timeout=30_000)
    page.screenshot(path=shots / "99-api-docs.png")

    clerk.sign_in("chen", reset)
    clerk.change_password(reset, CLERK_PASSWORD_2)
    clerk.go("/")
    assert number not in cpage.locator("table.cases").inner_text()  # concluded: it left 我的待办
    clerk.shot("my-cases-after")
    assert admin.problems == []
    assert clerk.problems == []
