"""The case register over HTTP: creation, listing, every procedural step and its refusals."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.roles import Role

URL = "/api/v1/cases"


def _post(api, path, body, agency="a1", role=Role.SUPERVISOR):
    return api.client.post(f"{URL}{path}", json=body, headers=api.headers(agency, role))


def test_create_numbers_per_agency_and_year_and_sets_location(api, make_case):
    first = make_case()
    second = make_case(received="2026-03-03")
    other_year = make_case(received="2025-12-30")
    assert [first["number"], second["number"], other_year["number"]] == ["2026-0001", "2026-0002", "2025-0001"]
    response = api.client.post(
        URL,
        json={
            "agency": "a1",
            "applicant": {"type": "research_institution", "name": "某研究院"},
            "channel": "post",
            "receipt": {"signed_on": "2026-03-07"},
            "request": {"description": "x"},
        },
        headers=api.headers("a1"),
    )
    assert response.status_code == 201
    assert response.headers["Location"] == f"{URL}/{response.json()['id']}"
    body = response.json()
    # Art. 31: signed for on a Saturday, deemed received on Monday 9 March; +15 working days.
    assert body["received_date"] == "2026-03-07"
    assert body["deadline"]["start"] == "2026-03-09"
    assert body["deadline"]["due_date"] == "2026-03-30"
    assert body["deadline"]["statutory_due_date"] == "2026-04-07"
    assert body["timeline"][0]["type"] == "received"


@pytest.mark.parametrize(
    ("channel", "receipt", "expected"),
    [
        ("in_person", {"submitted_on": "2026-02-10"}, "2026-03-09"),  # domain.md §6 worked example, +15
        ("online", {"confirmed_on": "2026-02-10", "submitted_on": "2026-02-01"}, "2026-03-09"),
        ("email", {"confirmed_on": "2026-02-10"}, "2026-03-09"),
        ("fax", {"confirmed_on": "2026-02-10"}, "2026-03-09"),
        ("letter", {"confirmed_on": "2026-02-10"}, "2026-03-09"),
        ("post", {"signed_on": "2026-02-10", "submitted_on": "2026-02-02"}, "2026-03-09"),
    ],
)
def test_receipt_date_follows_the_channel(make_case, channel, receipt, expected):
    case = make_case(channel=channel, receipt=receipt)
    assert case["deadline"]["due_date"] == expected


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"channel": "post", "receipt": {"submitted_on": "2026-03-02"}}, 422, "receipt_fact_missing"),
        ({"channel": "pigeon"}, 422, "validation_failed"),
        ({"applicant": {"type": "alien", "name": "x"}}, 422, "validation_failed"),
        ({"applicant": {"type": "natural_person", "name": "  "}}, 422, "validation_failed"),
        ({"agency": "nope"}, 404, "agency_not_found"),
        ({"surprise": 1}, 422, "validation_failed"),
    ],
)
def test_bad_creation_is_refused_with_a_stable_code(api, make_case, body, status, code):
    make_case()  # creates agency a1
    payload = {
        "agency": "a1",
        "applicant": {"type": "natural_person", "name": "张三"},
        "channel": "in_person",
        "receipt": {"submitted_on": "2026-03-02"},
        "request": {"description": "x"},
        **body,
    }
    response = api.client.post(URL, json=payload, headers=api.headers("a1"))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert api.client.get(URL, headers=api.headers("a1")).json()["total"] == 1


def test_malformed_json_is_a_422_not_a_500(api, make_case):
    make_case()
    response = api.client.post(
        URL, content=b"{not json", headers={**api.headers("a1"), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


def test_external_ref_is_unique_per_agency_and_searchable(api, make_case):
    make_case(external_ref="OA-1")
    duplicate = api.client.post(
        URL,
        json={
            "agency": "a1",
            "external_ref": "OA-1",
            "applicant": {"type": "natural_person", "name": "李四"},
            "channel": "in_person",
            "receipt": {"submitted_on": "2026-03-02"},
            "request": {"description": "x"},
        },
        headers=api.headers("a1"),
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "external_ref_exists"
    found = api.client.get(URL, params={"external_ref": "OA-1"}, headers=api.headers("a1")).json()
    assert found["total"] == 1
    assert found["items"][0]["external_ref"] == "OA-1"


def test_list_filters_sorts_and_pages(api, make_case):
    early = make_case(received="2026-01-05")
    late = make_case(received="2026-06-01", applicant={"type": "commercial_enterprise", "name": "某公司"})
    march = make_case(received="2026-03-02", request={"description": "规划许可证"})
    headers = api.headers("a1")
    items = api.client.get(URL, headers=headers).json()["items"]
    assert [i["deadline"]["due_date"] for i in items] == sorted(i["deadline"]["due_date"] for i in items)
    assert (
        api.client.get(URL, params={"applicant_type": "commercial_enterprise"}, headers=headers).json()["items"][0][
            "id"
        ]
        == late["id"]
    )
    # q: a prefix of the number, the applicant's name or the external reference (not the request's text)
    assert [i["id"] for i in api.client.get(URL, params={"q": "某公"}, headers=headers).json()["items"]] == [late["id"]]
    assert api.client.get(URL, params={"q": "规划"}, headers=headers).json()["total"] == 0
    assert api.client.get(URL, params={"q": "公司"}, headers=headers).json()["total"] == 0
    assert (
        api.client.get(URL, params={"received_to": "2026-01-31"}, headers=headers).json()["items"][0]["id"]
        == (early["id"])
    )
    api.clock.today = date(2026, 5, 1)
    overdue = api.client.get(URL, params={"overdue": "true"}, headers=headers).json()
    assert {i["id"] for i in overdue["items"]} == {early["id"], march["id"]}
    assert all(i["deadline"]["overdue"] for i in overdue["items"])
    page = api.client.get(URL, params={"page": 2, "page_size": 2}, headers=headers).json()
    assert (page["total"], page["total_exact"], len(page["items"]), page["next_cursor"]) == (3, True, 1, None)
    too_big = api.client.get(URL, params={"page_size": 100000}, headers=headers)
    assert too_big.status_code == 422
    assert too_big.json()["code"] == "page_size_too_large"


@pytest.mark.parametrize("sort", ["due_date", "-due_date", "received_date", "-received_date", "number", "-number"])
def test_keyset_pages_cover_the_list_once_in_order(api, make_case, sort):
    for received in ("2026-01-05", "2026-03-02", "2026-03-02", "2026-06-01", "2026-02-02"):
        make_case(received=received)
    headers = api.headers("a1")
    everything = api.client.get(URL, params={"sort": sort, "page_size": 50}, headers=headers).json()
    assert (everything["total"], everything["next_cursor"]) == (5, None)
    seen, cursor = [], None
    while True:
        params = {"sort": sort, "page_size": 2} | ({"cursor": cursor} if cursor else {})
        page = api.client.get(URL, params=params, headers=headers).json()
        assert page["total"] == (5 if cursor is None else None)
        seen += [i["id"] for i in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == [i["id"] for i in everything["items"]]
    offset = api.client.get(URL, params={"sort": sort, "page_size": 2, "page": 2}, headers=headers).json()
    assert [i["id"] for i in offset["items"]] == seen[2:4]


def test_a_bad_cursor_is_refused(api, make_case):
    make_case()
    make_case()
    headers = api.headers("a1")
    cursor = api.client.get(URL, params={"page_size": 1}, headers=headers).json()["next_cursor"]
    for params in ({"cursor": "garbage"}, {"cursor": cursor, "sort": "-number"}, {"cursor": cursor, "page": 2}):
        refused = api.client.get(URL, params={"page_size": 1, **params}, headers=headers)
        assert refused.status_code == 422, params
        assert refused.json()["code"] in {"cursor_invalid", "cursor_with_page"}


def test_extension_adds_working_days_once_and_within_the_limit(api, make_case):
    case = make_case()  # received Mon 2026-03-02: agency due 03-23, statutory due 03-30
    step = {"on": "2026-03-20", "days": 20, "approver": "王主任", "notice_on": "2026-03-20"}
    too_long = _post(api, f"/{case['id']}/extension", {**step, "days": 21})
    assert too_long.status_code == 422
    granted = _post(api, f"/{case['id']}/extension", step)
    assert granted.status_code == 200, granted.text
    assert granted.json()["deadline"]["due_date"] == "2026-04-21"
    assert granted.json()["deadline"]["statutory_due_date"] == "2026-04-28"
    again = _post(api, f"/{case['id']}/extension", {**step, "days": 1})
    assert again.status_code == 409
    assert again.json()["code"] == "extension_already_granted"


def test_clerk_cannot_approve_an_extension_or_conclude(api, make_case):
    case = make_case()
    step = {"on": "2026-03-20", "days": 5, "approver": "王主任", "notice_on": "2026-03-20"}
    assert _post(api, f"/{case['id']}/extension", step, role=Role.CLERK).status_code == 403
    conclusion = {"on": "2026-03-10", "disposition": "disclosed"}
    assert _post(api, f"/{case['id']}/conclusion", conclusion, role=Role.CLERK).json()["code"] == "forbidden"
    assert _post(api, f"/{case['id']}/conclusion", conclusion).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"on": "2026-03-10", "disposition": "withheld"}, 422, "disposition_reason_required"),
        ({"on": "2026-03-10", "disposition": "unavailable"}, 422, "disposition_reason_required"),
        ({"on": "2026-03-10", "disposition": "granted"}, 422, "disposition_unknown"),
        ({"on": "2026-02-27", "disposition": "disclosed"}, 422, "event_before_receipt"),
        ({"on": "2026-12-01", "disposition": "disclosed"}, 422, "event_in_future"),
        ({"on": "2026-13-01", "disposition": "disclosed"}, 422, "validation_failed"),
        ({"disposition": "disclosed"}, 422, "validation_failed"),
    ],
)
def test_bad_conclusions_change_nothing(api, make_case, body, status, code):
    case = make_case()
    response = _post(api, f"/{case['id']}/conclusion", body)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    after = api.client.get(f"{URL}/{case['id']}", headers=api.headers("a1")).json()
    assert after["status"] == "open"
    assert len(after["timeline"]) == 1
    assert after["version"] == case["version"]


def test_conclude_once_with_its_official_label(api, make_case):
    case = make_case()
    done = _post(api, f"/{case['id']}/conclusion", {"on": "2026-03-10", "disposition": "withheld.third_party_rights"})
    assert done.status_code == 200
    assert done.json()["status"] == "concluded"
    assert done.json()["disposition"] == {
        "code": "withheld.third_party_rights",
        "label": "（三）不予公开 4.保护第三方合法权益",
    }
    assert done.json()["deadline"]["working_days_left"] is None
    again = _post(api, f"/{case['id']}/conclusion", {"on": "2026-03-11", "disposition": "disclosed"})
    assert again.status_code == 409


def test_consultation_pauses_and_correction_restarts(api, make_case):
    case = make_case()  # due 2026-03-23
    paused = _post(
        api, f"/{case['id']}/consultation", {"on": "2026-03-05", "party": "third_party", "addressee": "某公司"}
    )
    assert paused.json()["status"] == "in_consultation"
    assert paused.json()["deadline"]["paused"] is True
    resumed = _post(api, f"/{case['id']}/consultation-reply", {"on": "2026-03-11"})
    # 5 working days (03-05, 06, 09, 10, 11) are not counted.
    assert resumed.json()["deadline"]["due_date"] == "2026-03-30"
    assert resumed.json()["deadline"]["paused"] is False

    other = make_case()
    asked = _post(
        api,
        f"/{other['id']}/correction-request",
        {"on": "2026-03-04", "until": "2026-03-20", "items": "请写明文件名称"},
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["deadline"]["due_date"] is None
    restarted = _post(api, f"/{other['id']}/correction", {"on": "2026-03-16"})
    assert restarted.json()["deadline"]["start"] == "2026-03-16"
    assert restarted.json()["deadline"]["due_date"] == "2026-04-07"  # 15 working days after 03-16 (04-06 off)


def test_withdrawal_and_lapses_conclude_with_the_other_rows(api, make_case):
    case = make_case()
    withdrawn = _post(api, f"/{case['id']}/withdrawal", {"on": "2026-03-05", "note": "申请人电话撤回"})
    assert withdrawn.json()["disposition"]["code"] == "other.other"


def test_reviews_are_recorded_after_conclusion(api, make_case):
    case = make_case()
    early = _post(api, f"/{case['id']}/reviews", {"kind": "review", "filed_on": "2026-03-20"})
    assert early.status_code == 409
    _post(api, f"/{case['id']}/conclusion", {"on": "2026-03-10", "disposition": "unavailable.not_held"})
    filed = _post(api, f"/{case['id']}/reviews", {"kind": "review", "filed_on": "2026-04-01"})
    assert filed.status_code == 201, filed.text
    review = filed.json()["reviews"][0]
    assert review["outcome"] == "pending"
    decided = _post(api, f"/{case['id']}/reviews/{review['id']}/decision", {"on": "2026-06-01", "outcome": "upheld"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["reviews"][0] == {**review, "outcome": "upheld", "decided_on": "2026-06-01"}
    again = _post(api, f"/{case['id']}/reviews/{review['id']}/decision", {"on": "2026-06-02", "outcome": "corrected"})
    assert again.status_code == 409


def test_deadline_explanation_counts_every_day(api, make_case):
    case = make_case(received="2026-02-10")
    response = api.client.get(f"{URL}/{case['id']}/deadline", headers=api.headers("a1"))
    assert response.status_code == 200
    body = response.json()
    assert body["due_date"] == "2026-03-09"
    steps = {s["on"]: s for s in body["steps"]}
    assert steps["2026-02-14"]["kind"] == "makeup_workday"
    assert steps["2026-02-14"]["counted"] is True
    assert steps["2026-02-16"]["counted"] is False
    assert steps["2026-02-16"]["note"] == "holiday"
    assert steps["2026-03-09"]["count"] == 15


def test_other_agencies_cases_do_not_exist_for_you(api, make_case):
    case = make_case()
    api.agency("b1")
    response = api.client.get(f"{URL}/{case['id']}", headers=api.headers("b1"))
    assert response.status_code == 404
    assert api.client.get(URL, headers=api.headers("b1")).json()["total"] == 0


def test_identity_is_required_except_for_health(api):
    assert api.client.get("/healthz").status_code == 200
    for path in (URL, "/api/v1/meta/codes", "/api/v1/calendar/2026"):
        response = api.client.get(path)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
    forged = api.client.get(URL, headers={"Authorization": "Bearer gk_forged"})
    assert forged.status_code == 401
    assert forged.json()["code"] == "invalid_token"


def test_codes_carry_the_official_labels(api, make_case):
    make_case()
    codes = api.client.get("/api/v1/meta/codes", headers=api.headers("a1")).json()
    labels = {d["code"]: d["label"] for d in codes["dispositions"]}
    assert len(labels) == 21
    assert labels["partially_disclosed"] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert labels["withheld.security_stability"] == "（三）不予公开 3.危及“三安全一稳定”"
    assert [c["label"] for c in codes["applicant_types"]] == [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/92602858758713727848022016",
        "/api/v1/cases/1/audit?page=9536921882401481687040",
        "/api/v1/cases?page=9536921882401481687040",
    ],
)
def test_numbers_too_large_for_the_database_are_refused_not_crashed(api, make_case, path):
    make_case()
    response = api.client.get(path, headers=api.headers("a1", Role.ADMIN))
    assert response.status_code in (404, 422), response.text
