"""Item 1: identity-document and phone numbers are masked in every audit read for roles without
``case.read_personal``; the chain still verifies over the stored (unmasked) content."""

from __future__ import annotations

import io
import zipfile

from app.agency import repository as agencies
from app.audit import service as audit
from app.db import transaction
from app.domain.roles import Role
from app.user import service as user_service

ID_NUMBER = "110101199001011234"
PHONE = "13800001234"


def _case(api) -> int:
    api.agency("p")
    api.agency("a", parent="p")
    body = {
        "agency": "a",
        "applicant": {"type": "natural_person", "name": "张三", "id_number": ID_NUMBER, "phone": PHONE},
        "channel": "in_person",
        "receipt": {"submitted_on": "2026-03-02"},
        "request": {"description": "某地块征收批复"},
    }
    response = api.client.post("/api/v1/cases", json=body, headers=api.headers("a"))
    assert response.status_code == 201, response.text
    case_id: int = response.json()["id"]
    step = {"on": "2026-03-10", "disposition": "disclosed"}
    concluded = api.client.post(f"/api/v1/cases/{case_id}/conclusion", json=step, headers=api.headers("a"))
    assert concluded.status_code == 200
    return case_id


def _reads(api, case_id: int, headers: dict[str, str]) -> list[str]:
    return [
        api.client.get(f"/api/v1/cases/{case_id}/audit", headers=headers).text,
        api.client.get("/api/v1/audit", headers=headers).text,
        api.client.get("/api/v1/audit", params={"agency": "a"}, headers=headers).text,
    ]


def _web_audit_page(api, agency: str, role: Role) -> str:
    """The 审计记录 page as a person of ``role`` in ``agency`` sees it (signed in with the session cookie)."""
    username = f"{agency}-{role.value}"
    with transaction(api.factory) as session:
        user_service.create_user(
            session, username, "读者", "audit-reader-pw-1", [(agencies.get_agency(session, agency), role)], actor="t"
        )
    api.client.cookies.clear()
    signed_in = api.client.post("/login", data={"username": username, "password": "audit-reader-pw-1"})
    assert signed_in.status_code in (200, 303), signed_in.text[:300]
    page = api.client.get("/admin/audit", params={"agency": "a"})
    assert page.status_code == 200, page.text[:300]
    api.client.cookies.clear()
    return page.text


def test_the_web_audit_page_masks_the_same_way(api):
    _case(api)
    for agency, role in (("a", Role.AUDITOR), ("p", Role.ADMIN)):
        text = _web_audit_page(api, agency, role)
        assert "applicant_id_number" in text
        assert ID_NUMBER not in text, (agency, role)
        assert PHONE not in text, (agency, role)
        assert "1101**********1234" in text


def test_a_personal_file_keeps_its_name_and_title_hidden_in_the_audit_trail_and_the_case_file(api):
    case_id = _case(api)
    name = f"张三身份证{ID_NUMBER}.pdf"
    uploaded = api.client.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": (name, b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        data={"kind": "identity_document", "title": f"身份证 {ID_NUMBER}"},
        headers=api.headers("a"),
    )
    assert uploaded.status_code == 201, uploaded.text
    for headers in (api.headers("a", Role.AUDITOR), api.headers("p", Role.ADMIN)):
        case_trail, whole, agency_a = _reads(api, case_id, headers)
        assert "document.upload" in whole
        assert "document.upload" in agency_a
        assert "（含个人信息，文件名已隐藏）" in whole
        assert "（含个人信息，标题已隐藏）" in whole
        listing = api.client.get(f"/api/v1/cases/{case_id}/documents", headers=headers)
        one = api.client.get(f"/api/v1/documents/{uploaded.json()['id']}", headers=headers)
        archive = api.client.get(f"/api/v1/cases/{case_id}/documents/archive", headers=headers)
        assert listing.status_code == one.status_code == archive.status_code == 200
        index = zipfile.ZipFile(io.BytesIO(archive.content)).read("index.csv").decode("utf-8-sig")
        texts = (case_trail, whole, agency_a, listing.text, one.text, index)
        assert not any(ID_NUMBER in text for text in texts)
        assert one.json()["title"] == "（含个人信息，标题已隐藏）"
    assert f"身份证 {ID_NUMBER}" in api.client.get(f"/api/v1/cases/{case_id}/documents", headers=api.headers("a")).text
    assert ID_NUMBER not in _web_audit_page(api, "a", Role.AUDITOR)
    assert name in api.client.get("/api/v1/audit", headers=api.headers("a", Role.ADMIN)).text


def test_auditors_and_parent_readers_see_masked_numbers_and_the_chain_still_verifies(api):
    case_id = _case(api)
    for agency, role in (("a", Role.AUDITOR), ("p", Role.AUDITOR), ("p", Role.ADMIN)):
        for text in _reads(api, case_id, api.headers(agency, role)):
            assert "applicant_id_number" in text, text[:300]
            assert ID_NUMBER not in text, (agency, role)
            assert PHONE not in text, (agency, role)
            assert "1101**********1234" in text
            assert "138****1234" in text
    with transaction(api.factory) as session:
        names, breaks = audit.verify(session)
    assert "a" in names
    assert not breaks


def test_an_admin_of_the_case_agency_reads_the_numbers_in_full(api):
    case_id = _case(api)
    for text in _reads(api, case_id, api.headers("a", Role.ADMIN)):
        assert ID_NUMBER in text
        assert PHONE in text


def test_the_document_webhook_hides_a_personal_documents_title():
    """The receiver of ``document.created`` (an OA system) is not a reader with ``case.read_personal``."""
    from types import SimpleNamespace

    from app.document.events import document_payload
    from app.domain.privacy import HIDDEN_TITLE

    case = SimpleNamespace(id=1, number="2026-0001", external_ref=None, agency=SimpleNamespace(code="a"))
    fields = {"kind": "identity_document", "origin": "uploaded", "number": None, "letter_date": None}
    fields |= {"id": 2, "media_type": "application/pdf", "size": 1, "sha256": "0" * 64, "title": f"身份证 {ID_NUMBER}"}
    assert document_payload(case, SimpleNamespace(**fields, personal=True))["title"] == HIDDEN_TITLE
    assert document_payload(case, SimpleNamespace(**fields, personal=False))["title"] == f"身份证 {ID_NUMBER}"
