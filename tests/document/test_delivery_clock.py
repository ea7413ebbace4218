"""A letter's delivery record feeds the clock where the law counts from the other party's receipt: the fee notice
(国办函〔2020〕109号 第七条: 20 working days to pay from the day after receipt) and the consultation letter (条例
Art. 32, 34: 15 working days to answer). Recording the receipt through the letters API moves the deadline exactly as
the case step ``POST /cases/{id}/delivery`` does."""

from __future__ import annotations

from app.domain.roles import Role
from tests.document.steps import CASES, PROFILE, fee_case, post


def _fee_case(api, make_case):
    case = fee_case(api, make_case)
    _profile(api)
    return case


def _profile(api):
    saved = api.client.put("/api/v1/agencies/a1/letter-profile", json=PROFILE, headers=api.headers("a1", Role.ADMIN))
    assert saved.status_code == 200, saved.text


def _made(api, make_case):
    case = make_case(received="2026-01-26")
    _profile(api)
    return case


def _letter_with_delivery(api, case, kind, **delivery):
    letter = post(api, f"{CASES}/{case['id']}/letters", {"kind": kind}, 201)
    body = {"method": "post", "carrier": "ems", "sent_on": "2026-02-02", **delivery}
    return letter, post(api, f"/api/v1/documents/{letter['id']}/deliveries", body, 201)


def _case(api, case):
    response = api.client.get(f"{CASES}/{case['id']}", headers=api.headers("a1"))
    assert response.status_code == 200
    return response.json()


def test_receipt_of_a_fee_notice_moves_the_payment_deadline_as_the_case_step_does(api, make_case):
    by_step = _fee_case(api, make_case)
    by_step = post(api, f"{CASES}/{by_step['id']}/delivery", {"on": "2026-02-10", "delivered_on": "2026-02-05"})

    by_letter = _fee_case(api, make_case)
    assert by_letter["deadline"]["pending_until"] is None
    _, delivery = _letter_with_delivery(api, by_letter, "fee_notice")
    assert _case(api, by_letter)["deadline"]["pending_until"] is None  # posted, not yet received
    post(api, f"/api/v1/deliveries/{delivery['id']}/receipt", {"received_on": "2026-02-05"})

    by_letter = _case(api, by_letter)
    assert by_letter["deadline"]["pending_until"] == "2026-03-11"  # 20 working days from 02-06, over Spring Festival
    assert by_letter["deadline"]["undelivered_since"] is None
    assert by_letter["deadline"] == by_step["deadline"]
    recorded = by_letter["timeline"][-1]
    assert recorded["type"] == "delivery_recorded"
    assert recorded["data"]["delivered_on"] == "2026-02-05"
    assert recorded["data"]["ref"] == 2  # the fee notice's step
    audit = api.client.get(f"{CASES}/{by_letter['id']}/audit", headers=api.headers("a1", Role.ADMIN)).text
    assert "case.step.delivery_recorded" in audit


def test_a_receipt_given_with_the_delivery_feeds_the_clock_once(api, make_case):
    case = _fee_case(api, make_case)
    letter, _ = _letter_with_delivery(api, case, "fee_notice", received_on="2026-02-05")
    assert _case(api, case)["deadline"]["pending_until"] == "2026-03-11"
    versions = _case(api, case)["version"]
    # a second delivery record with the same receipt day: the clock holds it already, nothing is added
    body = {"method": "direct", "sent_on": "2026-02-05", "received_on": "2026-02-05"}
    post(api, f"/api/v1/documents/{letter['id']}/deliveries", body, 201)
    assert _case(api, case)["version"] == versions
    # a different day contradicts the timeline: refused, nothing recorded
    conflict = api.client.post(
        f"/api/v1/documents/{letter['id']}/deliveries",
        json={**body, "sent_on": "2026-02-06", "received_on": "2026-02-06"},
        headers=api.headers("a1"),
    )
    assert conflict.status_code == 409, conflict.text
    assert conflict.json()["code"] == "delivery_conflict"
    assert "2026-02-05" in conflict.json()["detail"]
    documents = api.client.get(f"{CASES}/{case['id']}/documents", headers=api.headers("a1")).json()
    assert len(documents[0]["deliveries"]) == 2


def test_a_day_the_case_step_recorded_first_is_checked_not_repeated(api, make_case):
    case = _fee_case(api, make_case)
    _, delivery = _letter_with_delivery(api, case, "fee_notice")
    post(api, f"{CASES}/{case['id']}/delivery", {"on": "2026-02-10", "delivered_on": "2026-02-05"})
    wrong = api.client.post(
        f"/api/v1/deliveries/{delivery['id']}/receipt", json={"received_on": "2026-02-04"}, headers=api.headers("a1")
    )
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "delivery_conflict"
    post(api, f"/api/v1/deliveries/{delivery['id']}/receipt", {"received_on": "2026-02-05"})
    timeline = _case(api, case)["timeline"]
    assert [e["type"] for e in timeline].count("delivery_recorded") == 1


def test_receipt_of_a_consultation_letter_starts_the_third_partys_15_days(api, make_case):
    case = _made(api, make_case)
    body = {"on": "2026-02-02", "party": "third_party", "addressee": "某某有限公司"}
    post(api, f"{CASES}/{case['id']}/consultation", body)
    _, delivery = _letter_with_delivery(api, case, "consultation_letter")
    post(api, f"/api/v1/deliveries/{delivery['id']}/receipt", {"received_on": "2026-02-04"})
    # 15 working days from Thu 02-05: 02-05…02-13 (7), Sat 02-14 a make-up working day (8), 02-24…02-28 with the
    # make-up Sat 02-28 (13), 03-02, 03-03 (15)
    assert _case(api, case)["deadline"]["pending_until"] == "2026-03-03"


def test_other_letters_do_not_touch_the_clock(api, make_case):
    case = _made(api, make_case)
    version = _case(api, case)["version"]
    _letter_with_delivery(api, case, "receipt", received_on="2026-02-03")
    assert _case(api, case)["version"] == version


def test_each_of_several_consultation_letters_reports_its_own_step(api, make_case):
    case = _made(api, make_case)
    first = {"on": "2026-02-02", "party": "third_party", "addressee": "某某有限公司"}
    second = {"on": "2026-02-03", "party": "co_producer", "addressee": "某市住房和城乡建设局"}
    post(api, f"{CASES}/{case['id']}/consultation", first)
    post(api, f"{CASES}/{case['id']}/consultation", second)
    latest = post(api, f"{CASES}/{case['id']}/letters", {"kind": "consultation_letter"}, 201)
    assert latest["addressee"] == "某市住房和城乡建设局"
    earlier = post(api, f"{CASES}/{case['id']}/letters", {"kind": "consultation_letter", "step": 2}, 201)
    assert (earlier["addressee"], earlier["step_seq"], latest["step_seq"]) == ("某某有限公司", 2, 3)
    assert earlier["letter_date"] == "2026-02-02"
    wrong = api.client.post(
        f"{CASES}/{case['id']}/letters", json={"kind": "consultation_letter", "step": 1}, headers=api.headers("a1")
    )
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "letter_step_mismatch"
    body = {"method": "post", "carrier": "ems", "sent_on": "2026-02-02", "received_on": "2026-02-04"}
    post(api, f"/api/v1/documents/{earlier['id']}/deliveries", body, 201)
    recorded = _case(api, case)["timeline"][-1]
    assert (recorded["type"], recorded["data"]["ref"], recorded["data"]["delivered_on"]) == (
        "delivery_recorded",
        2,
        "2026-02-04",
    )
