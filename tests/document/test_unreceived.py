"""One rule for letters whose receipt is not on record (``app.domain.casefile.receipt_overdue``, the agency's number
of working days, default 10): ``GET /letters/unreceived`` and the overdue report's ``delivery_not_recorded`` list the
same letters, each once — a generated letter, and a fee notice on the timeline that was typed elsewhere."""

from __future__ import annotations

from app.domain.roles import Role
from tests.document.steps import CASES, PROFILE, fee_case, post


def _unreceived(api, as_of):
    response = api.client.get(f"/api/v1/letters/unreceived?as_of={as_of}", headers=api.headers("a1"))
    assert response.status_code == 200, response.text
    return {(u["case_id"], u["document_id"], u["step_seq"], u["record_by"]) for u in response.json()}


def _overdue(api, as_of):
    response = api.client.get(f"/api/v1/reports/overdue?as_of={as_of}", headers=api.headers("a1"))
    assert response.status_code == 200, response.text
    items = [i for i in response.json()["items"] if i["kind"] == "delivery_not_recorded"]
    return items, {(i["case_id"], i["document_id"], i["step_seq"], i["due_date"]) for i in items}


def test_the_list_and_the_overdue_report_are_one_rule_each_letter_once(api, make_case):
    with_letter = fee_case(api, make_case)
    api.client.put("/api/v1/agencies/a1/letter-profile", json=PROFILE, headers=api.headers("a1", Role.ADMIN))
    typed_elsewhere = fee_case(api, make_case)
    fee = post(api, f"{CASES}/{with_letter['id']}/letters", {"kind": "fee_notice"}, 201)
    receipt = post(api, f"{CASES}/{with_letter['id']}/letters", {"kind": "receipt"}, 201)

    expected = {
        (with_letter["id"], fee["id"], 2, "2026-02-14"),  # the fee notice: once, not also as the clock's step
        (with_letter["id"], receipt["id"], 1, "2026-02-09"),  # the receipt slip of 01-26
        (typed_elsewhere["id"], None, 2, "2026-02-14"),  # the clock's fee notice with no letter made here
    }
    assert _unreceived(api, "2026-02-27") == expected
    items, keys = _overdue(api, "2026-02-27")
    assert keys == expected
    assert len(items) == 3
    by_document = {i["document_id"]: i for i in items}
    assert by_document[fee["id"]]["letter"] == f"收费通知书 {fee['number']}"
    assert by_document[None]["letter"] == "收费通知书（时间线第2项，未在本系统生成文书）"
    assert by_document[fee["id"]]["working_days"] == -4  # 02-24 … 02-27: 02-15 … 02-23 is the Spring Festival

    assert _unreceived(api, "2026-02-14") == {(with_letter["id"], receipt["id"], 1, "2026-02-09")}
    assert _overdue(api, "2026-02-14")[1] == {(with_letter["id"], receipt["id"], 1, "2026-02-09")}

    # the receipt recorded on the case's timeline counts for the letter too
    post(api, f"{CASES}/{with_letter['id']}/delivery", {"on": "2026-02-10", "delivered_on": "2026-02-05"})
    assert _unreceived(api, "2026-02-27") == expected - {(with_letter["id"], fee["id"], 2, "2026-02-14")}
    assert _overdue(api, "2026-02-27")[1] == _unreceived(api, "2026-02-27")


def test_the_number_of_working_days_is_the_agencys(api, make_case):
    case = make_case(received="2026-01-26")
    receipt = post(api, f"{CASES}/{case['id']}/letters", {"kind": "receipt"}, 201)
    listed = {(case["id"], receipt["id"], 1, "2026-02-09")}
    assert _unreceived(api, "2026-02-12") == listed
    assert _overdue(api, "2026-02-12")[1] == listed
    profile = {**PROFILE, "receipt_overdue_days": 15}
    api.client.put("/api/v1/agencies/a1/letter-profile", json=profile, headers=api.headers("a1", Role.ADMIN))
    assert _unreceived(api, "2026-02-12") == set()  # now by Sat 02-14 (a make-up working day)
    assert _overdue(api, "2026-02-12")[1] == set()
    assert _overdue(api, "2026-02-16")[1] == {(case["id"], receipt["id"], 1, "2026-02-14")}


def test_a_letter_generated_again_for_its_step_is_listed_once(api, make_case):
    case = fee_case(api, make_case)
    api.client.put("/api/v1/agencies/a1/letter-profile", json=PROFILE, headers=api.headers("a1", Role.ADMIN))
    post(api, f"{CASES}/{case['id']}/letters", {"kind": "fee_notice"}, 201)
    again = post(api, f"{CASES}/{case['id']}/letters", {"kind": "fee_notice"}, 201)
    assert _unreceived(api, "2026-02-27") == {(case["id"], again["id"], 2, "2026-02-14")}
