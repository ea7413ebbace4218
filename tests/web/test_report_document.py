"""The annual report's web page: the document, its checks, the agency's passages edited in a form, the downloads."""

from __future__ import annotations

import html
import io
import re

from docx import Document

from app.domain.roles import Role
from tests.report.test_annual import case, load
from tests.web.test_web import CSRF, browser, make_user

PAGE = "/reports/annual-document"


def test_report_document_page_edit_texts_and_download(api):
    api.agency("a1")
    api.agency("a2")
    make_user(api, "boss", role=Role.ADMIN)
    make_user(api, "zhang")
    load(api, [case("2025-03-03", concluded="2025-03-14", disposition="disclosed"), case("2025-12-29")])
    admin = browser(api, "boss")
    page = admin.get(PAGE, params={"year": 2025, "agency": "a1"})
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert "三、收到和处理政府信息公开申请情况" in text
    assert "2025年，本机关共收到政府信息公开申请2件" in text
    assert "【待填写：总体情况" in text
    assert 'class="report-table"' in page.text
    assert "style=" not in page.text.split('<article class="report-document"')[1]  # the page's CSP forbids them
    token = CSRF.search(page.text)[1]
    overview = "（一）依申请公开\n<script>alert(1)</script>本年度收到申请2件。"
    saved = admin.post(
        f"{PAGE}/text",
        data={"csrf_token": token, "year": "2025", "agency": "a1", "text.overview": overview, "text.problems": "问题"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page = admin.get(saved.headers["location"])
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;本年度收到申请2件。" in page.text
    assert "<h3" in page.text  # （一）依申请公开 as a sub-heading
    wrong = admin.post(
        f"{PAGE}/text",
        data={"csrf_token": token, "year": "2025", "agency": "a1", "text.overview": "本年度收到申请9件。"},
        follow_redirects=True,
    )
    assert "「一、总体情况」第1段" in html.unescape(wrong.text)  # the prose check names the paragraph
    assert admin.post(f"{PAGE}/text", data={"year": "2025", "agency": "a1"}).status_code == 403  # no CSRF token

    link = html.unescape(re.search(r'href="([^"]*output=docx[^"]*)"', page.text)[1])
    download = admin.get(link)
    assert download.status_code == 200
    assert "一、总体情况" in [p.text for p in Document(io.BytesIO(download.content)).paragraphs]

    clerk = browser(api, "zhang")
    page = clerk.get(PAGE, params={"year": 2025, "agency": "a1"})
    assert page.status_code == 200
    assert "保存正文" not in page.text  # a clerk reads, an administrator writes
    assert clerk.get(PAGE, params={"year": 2025, "agency": "a2"}).status_code == 404
    assert browser(api).get(PAGE, follow_redirects=False).status_code == 303  # not signed in
