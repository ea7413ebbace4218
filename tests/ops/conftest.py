"""Data for the operations tests: cases in two agencies with every kind of step, reviews, a webhook."""

from __future__ import annotations

import pytest

from app.domain.roles import Role

URL = "/api/v1/cases"


def post(api, path, body, agency="a1"):
    response = api.client.post(f"{URL}{path}", json=body, headers=api.headers(agency))
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture
def data(api, make_case):
    """Eight cases in two agencies (corrections, consultations, conclusions, reviews), tokens, a webhook."""
    api.agency("a2")
    for agency in ("a1", "a2"):
        for day in range(2, 6):
            case = make_case(agency=agency, received=f"2026-03-0{day}", external_ref=f"OA-{agency}-{day}")
            if day % 2:
                asked = {"on": "2026-03-09", "until": "2026-03-20", "items": "请写明文件名称"}
                post(api, f"/{case['id']}/correction-request", asked, agency)
                post(api, f"/{case['id']}/correction", {"on": "2026-03-10"}, agency)
            post(
                api,
                f"/{case['id']}/consultation",
                {"on": "2026-03-11", "party": "third_party", "addressee": "某公司"},
                agency,
            )
            post(api, f"/{case['id']}/consultation-reply", {"on": "2026-03-13"}, agency)
            if day < 4:
                post(api, f"/{case['id']}/conclusion", {"on": "2026-03-20", "disposition": "disclosed"}, agency)
                review = post(api, f"/{case['id']}/reviews", {"kind": "review", "filed_on": "2026-04-01"}, agency)
                review_id = review["reviews"][0]["id"]
                post(
                    api,
                    f"/{case['id']}/reviews/{review_id}/decision",
                    {"on": "2026-06-01", "outcome": "upheld"},
                    agency,
                )
    hook = api.client.post(
        "/api/v1/webhooks",
        json={"agency": "a1", "url": "http://93.184.216.34/x"},
        headers=api.headers("a1", Role.ADMIN),
    )
    assert hook.status_code == 201
    return api
