"""The case file page: a clerk generates, previews, uploads and records a delivery through forms (session + CSRF)."""

from __future__ import annotations

from app.domain.roles import Role
from tests.web.test_web import CSRF, browser, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_case_file_page_round_trip(api, make_case):
    case = make_case()
    api.client.put(
        "/api/v1/agencies/a1/letter-profile",
        json={"level": "department", "review_body": "某市人民政府", "number_prefix": "某信公开"},
        headers=api.headers("a1", Role.ADMIN),
    )
    make_user(api, "zhang")
    client = browser(api, "zhang")
    assert "/cases/1/documents" in client.get(f"/cases/{case['id']}").text
    page = client.get(f"/cases/{case['id']}/documents")
    assert page.status_code == 200
    token = CSRF.search(page.text)[1]
    no_token = client.post(f"/cases/{case['id']}/documents/letters", data={"kind": "receipt"})
    assert no_token.status_code == 403
    made = client.post(
        f"/cases/{case['id']}/documents/letters", data={"kind": "receipt", "csrf_token": token}, follow_redirects=False
    )
    assert made.status_code == 303
    preview = client.get(made.headers["location"])
    assert "某信公开收〔2026〕1号" in preview.text
    assert "第三十一条" in preview.text
    refused = client.post(
        f"/cases/{case['id']}/documents/letters", data={"kind": "reply", "csrf_token": token}, follow_redirects=False
    )
    assert refused.status_code == 409
    assert "尚未办结" in refused.text
    uploaded = client.post(
        f"/cases/{case['id']}/documents/upload",
        data={"kind": "delivery_proof", "csrf_token": token},
        files={"file": ("回证.png", PNG, "image/png")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text
    forged = client.post(
        f"/cases/{case['id']}/documents/upload",
        data={"kind": "other", "csrf_token": token},
        files={"file": ("x.pdf", PNG, "application/pdf")},
    )
    assert forged.status_code == 422
    assert "不符" in forged.text
    wrong = client.post(
        f"/cases/{case['id']}/documents/1/deliveries",
        data={"method": "pigeon", "sent_on": "x", "csrf_token": token},
    )
    assert wrong.status_code == 422
    message = next(line for line in wrong.text.splitlines() if "送达记录有误" in line)
    assert "送达方式：" in message
    assert "交付或交邮日期：" in message
    assert "method" not in message  # the fields as the form names them
    assert "sent_on" not in message
    delivered = client.post(
        f"/cases/{case['id']}/documents/1/deliveries",
        data={"method": "direct", "sent_on": "2026-03-02", "received_on": "2026-03-02", "csrf_token": token},
        follow_redirects=False,
    )
    assert delivered.status_code == 303, delivered.text
    listing = client.get(f"/cases/{case['id']}/documents").text
    assert "直接送达" in listing
    assert "签收 2026-03-02" in listing
    assert "回证.png" in listing
