"""Agencies and their deadline policies: a policy change recomputes the agency's open cases."""

from __future__ import annotations

from app.domain.roles import Role


def test_policy_change_recomputes_open_cases(api, make_case):
    case = make_case()  # received 2026-03-02 under the default 15-day commitment: due 03-23
    admin = api.headers("a1", Role.ADMIN)
    response = api.client.put("/api/v1/agencies/a1/policy", json={"reply_days": 10}, headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["agency"]["reply_days"] == 10
    assert body["changed_cases"] == [
        {
            "case_id": case["id"],
            "number": case["number"],
            "old": {"due_date": "2026-03-23"},
            "new": {"due_date": "2026-03-16"},
        }
    ]
    after = api.client.get(f"/api/v1/cases/{case['id']}", headers=admin).json()
    assert after["deadline"]["due_date"] == "2026-03-16"
    assert after["timeline"][-1]["data"]["cause"] == "policy"


def test_policy_is_bounded_by_the_statute_and_needs_an_administrator(api, make_case):
    make_case()
    too_long = api.client.put(
        "/api/v1/agencies/a1/policy", json={"reply_days": 21}, headers=api.headers("a1", Role.ADMIN)
    )
    assert too_long.status_code == 422
    clerk = api.client.put("/api/v1/agencies/a1/policy", json={"reply_days": 10}, headers=api.headers("a1", Role.CLERK))
    assert clerk.status_code == 403
    api.agency("b1")
    other = api.client.put("/api/v1/agencies/a1/policy", json={"reply_days": 10}, headers=api.headers("b1", Role.ADMIN))
    assert other.status_code == 404


def test_sub_agencies_are_created_under_ones_own(api, make_case):
    make_case()
    admin = api.headers("a1", Role.ADMIN)
    created = api.client.post(
        "/api/v1/agencies", json={"code": "a1-x", "name": "分局", "parent": "a1", "reply_days": 12}, headers=admin
    )
    assert created.status_code == 201, created.text
    assert created.json()["parent"] == "a1"
    listed = api.client.get("/api/v1/agencies", headers=admin).json()
    assert {a["code"] for a in listed} == {"a1", "a1-x"}
    api.agency("b1")
    elsewhere = api.client.post("/api/v1/agencies", json={"code": "b1-x", "name": "x", "parent": "b1"}, headers=admin)
    assert elsewhere.status_code == 404


def test_a_policy_body_it_cannot_read_whole_changes_nothing(api, make_case):
    """A misspelt field, an empty body or a number as a string is refused with the field named: read as "not given",
    it reset the policy to its defaults and moved every open case's deadline."""
    case = make_case()
    admin = api.headers("a1", Role.ADMIN)
    url = "/api/v1/agencies/a1/policy"
    assert api.client.put(url, json={"reply_days": 10, "extension_limit": 5}, headers=admin).status_code == 200
    for body in ({"reply_day": 12}, {}, {"reply_days": "12"}, {"reply_days": True}, {"reply_days": 12.0}):
        response = api.client.put(url, json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    agency = api.client.get("/api/v1/agencies", headers=admin).json()
    assert [(a["reply_days"], a["extension_limit"]) for a in agency if a["code"] == "a1"] == [(10, 5)]
    after = api.client.get(f"/api/v1/cases/{case['id']}", headers=admin).json()
    assert after["deadline"]["due_date"] == "2026-03-16"


def test_an_agency_code_is_not_the_system_chain_nor_another_code_in_other_letters(api):
    """A probe created an agency 「global」: its records went into the system's audit chain, and its own
    administrator could not find them. 「A1」 beside 「a1」 reads as one agency to people."""
    api.agency("a1")
    admin = api.headers("a1", Role.ADMIN)
    for code, expected in (
        ("global", "agency_code_reserved"),
        ("GLOBAL", "agency_code_reserved"),
        ("A1", "agency_exists"),
    ):
        refused = api.client.post(
            "/api/v1/agencies", json={"code": code, "name": "分局", "parent": "a1"}, headers=admin
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == expected
        assert "代码" in refused.json()["detail"]
    made = api.client.post("/api/v1/agencies", json={"code": "globalx", "name": "分局", "parent": "a1"}, headers=admin)
    assert made.status_code == 201, made.text
