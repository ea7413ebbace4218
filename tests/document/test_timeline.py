"""Generated letters and uploaded files stand in the case's timeline (API and web case page): each letter right after
the step it reports, each upload on its day; personal files' names only for case.read_personal."""

from __future__ import annotations

from app.domain.roles import Role
from tests.document.steps import CASES, PROFILE, post
from tests.web.test_web import browser, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_letters_and_uploads_in_the_timeline(api, make_case):
    case = make_case(received="2026-01-26")
    api.client.put("/api/v1/agencies/a1/letter-profile", json=PROFILE, headers=api.headers("a1", Role.ADMIN))
    receipt = post(api, f"{CASES}/{case['id']}/letters", {"kind": "receipt"}, 201)
    post(api, f"{CASES}/{case['id']}/fee-notice", {"on": "2026-02-02", "amount": 100})
    fee = post(api, f"{CASES}/{case['id']}/letters", {"kind": "fee_notice"}, 201)
    scan = api.client.post(
        f"{CASES}/{case['id']}/documents",
        files={"file": ("身份证.png", PNG, "image/png")},
        data={"kind": "identity_document"},
        headers=api.headers("a1", Role.SUPERVISOR),
    )
    assert scan.status_code == 201, scan.text

    timeline = api.client.get(f"{CASES}/{case['id']}/timeline", headers=api.headers("a1", Role.SUPERVISOR))
    assert timeline.status_code == 200, timeline.text
    entries = [(e["type"], e["seq"], e["document_id"], e["step_seq"]) for e in timeline.json()]
    assert entries[:4] == [
        ("step", 1, None, None),
        ("document", None, receipt["id"], 1),
        ("step", 2, None, None),
        ("document", None, fee["id"], 2),
    ]
    upload = timeline.json()[4]
    assert (upload["type"], upload["document_id"], upload["filename"]) == ("document", scan.json()["id"], "身份证.png")
    assert timeline.json()[3]["label"] == f"生成：收费通知书 {fee['number']}"
    assert upload["label"] == "上传：申请人身份证明"

    auditor = api.client.get(f"{CASES}/{case['id']}/timeline", headers=api.headers("a1", Role.AUDITOR)).json()
    assert auditor[4]["filename"] == "（含个人信息，文件名已隐藏）"

    make_user(api, "zhang")
    page = browser(api, "zhang").get(f"/cases/{case['id']}")
    assert page.status_code == 200
    timeline_html = page.text[page.text.index('id="timeline"') :]
    assert timeline_html.index("收到申请") < timeline_html.index(f"生成：政府信息公开申请登记回执 {receipt['number']}")
    assert timeline_html.index(f"生成：收费通知书 {fee['number']}") < timeline_html.index("上传：申请人身份证明")
