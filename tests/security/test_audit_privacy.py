"""Item 1: identity-document and phone numbers are masked in every audit read for roles without
``case.read_personal``; the chain still verifies over the stored (unmasked) content."""

from __future__ import annotations

from app.audit import service as audit
from app.db import transaction
from app.domain.roles import Role

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
