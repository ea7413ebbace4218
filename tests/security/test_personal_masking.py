"""A natural person's name, e-mail and address are personal information like their identity-document and phone
numbers (个人信息保护法 Art. 4): masked for a reader without ``case.read_personal`` (an auditor) in the case, the
list, the audit trail and the clerks' pages, and not searchable by name; an organisation's name stays readable. A
probe read them in clear as an auditor everywhere."""

from __future__ import annotations

from app.agency import repository as agencies
from app.db import transaction
from app.domain.roles import Role
from app.user import service as user_service

PERSON = {
    "type": "natural_person",
    "name": "欧阳娜娜",
    "email": "ouyang@example.com",
    "address": "北京市海淀区中关村大街27号",
    "phone": "13800001234",
}
COMPANY = {"type": "commercial_enterprise", "name": "某某科技有限公司", "address": "上海市浦东新区世纪大道100号"}
SECRETS = ("欧阳娜娜", "ouyang@example.com", "中关村大街27号", "世纪大道100号")


def _case(api, applicant: dict[str, str]) -> dict[str, object]:
    body = {
        "agency": "a1",
        "applicant": applicant,
        "channel": "in_person",
        "receipt": {"submitted_on": "2026-03-02"},
        "request": {"description": "某地块征收批复"},
    }
    response = api.client.post("/api/v1/cases", json=body, headers=api.headers("a1"))
    assert response.status_code == 201, response.text
    made: dict[str, object] = response.json()
    return made


def _signed_in(api, role: Role) -> None:
    username = f"reader-{role.value}"
    with transaction(api.factory) as session:
        user_service.create_user(
            session, username, "读者", "masking-reader-pw-1", [(agencies.get_agency(session, "a1"), role)], actor="t"
        )
    api.client.cookies.clear()
    signed_in = api.client.post("/login", data={"username": username, "password": "masking-reader-pw-1"})
    assert signed_in.status_code in (200, 303), signed_in.text[:300]


def test_an_auditor_sees_a_persons_name_email_and_address_masked_everywhere(api):
    api.agency("a1")
    person, company = _case(api, PERSON), _case(api, COMPANY)
    auditor = api.headers("a1", Role.AUDITOR)
    letter = api.client.post(
        f"/api/v1/cases/{person['id']}/letters", json={"kind": "receipt"}, headers=api.headers("a1")
    )
    assert letter.status_code == 201, letter.text
    assert letter.json()["addressee"] == "欧阳娜娜"  # the clerk who made it
    content = api.client.get(letter.json()["content_url"], headers=auditor)
    assert (content.status_code, content.json()["code"]) == (403, "personal_document")
    case = api.client.get(f"/api/v1/cases/{person['id']}", headers=auditor).json()
    applicant = case["applicant"]
    assert (applicant["name"], applicant["email"], applicant["address"]) == (
        "欧***",
        "o***@example.com",
        "北京市海淀区****",
    )
    assert case["applicant_name"] == "欧***"
    assert (
        api.client.get(f"/api/v1/cases/{company['id']}", headers=auditor).json()["applicant"]["name"]
        == "某某科技有限公司"
    )
    texts = [
        api.client.get(f"/api/v1/cases/{person['id']}", headers=auditor).text,
        api.client.get(f"/api/v1/cases/{company['id']}", headers=auditor).text,
        api.client.get("/api/v1/cases", headers=auditor).text,
        api.client.get(f"/api/v1/cases/{person['id']}/audit", headers=auditor).text,
        api.client.get(f"/api/v1/cases/{person['id']}/documents", headers=auditor).text,
        api.client.get(f"/api/v1/documents/{letter.json()['id']}", headers=auditor).text,
        api.client.get("/api/v1/audit", params={"agency": "a1"}, headers=auditor).text,
    ]
    _signed_in(api, Role.AUDITOR)
    texts += [api.client.get(f"/cases/{person['id']}").text, api.client.get("/cases?view=all&status=open").text]
    texts.append(api.client.get(f"/cases/{person['id']}/documents/{letter.json()['id']}").text)
    texts.append(api.client.get("/admin/audit", params={"agency": "a1"}).text)
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, secret
    assert "欧***" in texts[-4]
    assert "某某科技有限公司" in texts[2]


def test_an_auditor_cannot_find_cases_by_a_persons_name_but_by_number(api):
    api.agency("a1")
    person = _case(api, PERSON)
    auditor, clerk = api.headers("a1", Role.AUDITOR), api.headers("a1")
    by_name = {"q": "欧阳"}
    assert [c["id"] for c in api.client.get("/api/v1/cases", params=by_name, headers=clerk).json()["items"]] == [
        person["id"]
    ]
    assert api.client.get("/api/v1/cases", params=by_name, headers=auditor).json()["items"] == []
    by_number = {"q": person["number"]}
    assert len(api.client.get("/api/v1/cases", params=by_number, headers=auditor).json()["items"]) == 1


def test_a_clerk_sees_the_applicant_in_full(api):
    api.agency("a1")
    person = _case(api, PERSON)
    applicant = api.client.get(f"/api/v1/cases/{person['id']}", headers=api.headers("a1")).json()["applicant"]
    assert {k: applicant[k] for k in PERSON} == PERSON
