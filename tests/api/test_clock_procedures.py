"""The worked examples of tests/domain/test_procedures.py replayed end to end over HTTP (SQLite and PostgreSQL):
the same dates, through the step endpoints, their ETag/If-Match check, the audit trail and the overdue report."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from app.agency.repository import get_agency
from app.auth.principal import Principal
from app.case import importer, service
from app.db import transaction
from app.domain.roles import Role
from app.report import repository as report_repository

URL = "/api/v1/cases"


def step(api: Any, case: dict[str, Any], path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = api.client.post(f"{URL}/{case['id']}/{path}", json=body, headers=api.headers("a1"))
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def deadline(case: dict[str, Any]) -> tuple[str | None, str | None]:
    return case["deadline"]["due_date"], case["deadline"]["statutory_due_date"]


def test_art35_before_a_restart_over_the_spring_festival(api, make_case):
    """Received 2026-01-26: +15 and +20 end on the 调休 Saturdays 02-14 and 02-28. A later deadline of 03-06 set
    before the correction restart (03-02) cannot cut the fresh period: 03-23 / 03-30 (Art. 30, 35)."""
    case = make_case(received="2026-01-26")
    assert deadline(case) == ("2026-02-14", "2026-02-28")
    case = step(api, case, "reasons-request", {"on": "2026-01-27"})
    assert deadline(case) == ("2026-02-14", "2026-02-28")
    case = step(api, case, "agency-deadline", {"on": "2026-01-28", "until": "2026-03-06"})
    assert deadline(case) == ("2026-03-06", "2026-03-06")
    case = step(api, case, "correction-request", {"on": "2026-01-29", "until": "2026-03-06", "items": "请写明文号"})
    case = step(api, case, "correction", {"on": "2026-03-02"})
    assert deadline(case) == ("2026-03-23", "2026-03-30")
    refused = step(api, case, "agency-deadline", {"on": "2026-03-31", "until": "2026-04-30"}, 422)
    assert refused["code"] == "art33_period_over"
    assert "第三十五条" in refused["detail"]
    refused = step(api, case, "agency-deadline", {"on": "2026-03-10", "until": "2026-03-30"}, 422)
    assert refused["code"] == "agency_deadline_not_later"
    case = step(api, case, "agency-deadline", {"on": "2026-03-10", "until": "2026-04-30"})
    assert deadline(case) == ("2026-04-30", "2026-04-30")
    types = [event["type"] for event in case["timeline"]]
    assert types.count("reasons_requested") == 1
    assert types.count("agency_deadline_set") == 2


def test_art35_refusal_concludes_as_excessive(api, make_case):
    case = make_case(received="2025-09-22")
    refused = step(api, case, "excessive-refusal", {"on": "2025-10-09"}, 409)
    assert refused["code"] == "reasons_not_requested"
    step(api, case, "reasons-request", {"on": "2025-09-25"})
    case = step(api, case, "excessive-refusal", {"on": "2025-10-09"})
    assert case["status"] == "concluded"
    assert case["disposition"]["code"] == "not_processed.excessive"


def test_extension_before_a_restart_and_again_after_it(api, make_case):
    case = make_case(received="2025-09-22")
    extension = {"on": "2025-09-26", "days": 10, "approver": "王主任", "notice_on": "2025-09-26"}
    case = step(api, case, "extension", extension)
    assert deadline(case) == ("2025-10-31", "2025-11-07")
    case = step(api, case, "correction-request", {"on": "2025-09-26", "until": "2025-10-17", "items": "请补充签名"})
    case = step(api, case, "correction", {"on": "2025-10-13"})
    assert deadline(case) == ("2025-11-03", "2025-11-10")
    again = {"on": "2025-10-20", "days": 5, "approver": "王主任", "notice_on": "2025-10-20"}
    case = step(api, case, "extension", again)
    assert deadline(case) == ("2025-11-10", "2025-11-17")
    assert step(api, case, "extension", {**again, "on": "2025-10-21"}, 409)["code"] == "extension_already_granted"


def test_fee_notice_delivered_days_after_sending_and_paid_on_the_last_lawful_day(api, make_case):
    case = make_case(received="2026-01-26")
    case = step(api, case, "fee-notice", {"on": "2026-02-02", "amount": 100})
    assert case["status"] == "awaiting_fee"
    assert case["deadline"]["pending_until"] is None
    assert deadline(case) == (None, None)
    assert case["deadline"]["undelivered_since"] == "2026-02-02"
    assert step(api, case, "fee-lapse", {"on": "2026-02-09"}, 409)["code"] == "fee_delivery_not_recorded"

    stale = api.client.post(
        f"{URL}/{case['id']}/delivery",
        json={"on": "2026-02-10", "delivered_on": "2026-02-05"},
        headers={**api.headers("a1"), "If-Match": f'"{case["version"] - 1}"'},
    )
    assert stale.status_code == 412, stale.text
    fresh = api.client.post(
        f"{URL}/{case['id']}/delivery",
        json={"on": "2026-02-10", "delivered_on": "2026-02-05", "letter": 2},
        headers={**api.headers("a1"), "If-Match": f'"{case["version"]}"'},
    )
    assert fresh.status_code == 200, fresh.text
    case = fresh.json()
    assert case["deadline"]["pending_until"] == "2026-03-11"  # 20 working days from 02-06, over the Spring Festival
    assert case["deadline"]["undelivered_since"] is None
    assert step(api, case, "fee-payment", {"on": "2026-03-12", "amount": 100}, 422)["code"] == "fee_paid_too_late"
    case = step(api, case, "fee-payment", {"on": "2026-03-11", "amount": 100})
    assert case["status"] == "open"
    assert deadline(case) == ("2026-03-26", "2026-04-02")

    audit = api.client.get(f"{URL}/{case['id']}/audit", headers=api.headers("a1", Role.ADMIN))
    assert audit.status_code == 200, audit.text
    assert "case.step.delivery_recorded" in audit.text


def test_fee_notice_within_the_statutory_period_not_the_agencys(api, make_case):
    case = make_case(received="2026-01-26")
    assert step(api, case, "fee-notice", {"on": "2026-03-02", "amount": 100}, 422)["code"] == "fee_notice_too_late"
    case = step(api, case, "fee-notice", {"on": "2026-02-28", "amount": 100, "delivered_on": "2026-02-28"})
    assert case["status"] == "awaiting_fee"


def test_two_consultations_one_delivered_late(api, make_case):
    case = make_case(received="2025-09-15")
    letter = {"party": "third_party", "addressee": "甲公司"}
    case = step(api, case, "consultation", {**letter, "on": "2025-09-17", "delivered_on": "2025-09-19"})
    case = step(api, case, "consultation", {**letter, "addressee": "乙公司", "on": "2025-09-18"})
    seqs = [e["seq"] for e in case["timeline"] if e["type"] == "consultation_started"]
    assert seqs == [2, 3]
    assert step(api, case, "consultation-reply", {"on": "2025-09-24"}, 422)["code"] == "letter_ref_required"
    case = step(api, case, "consultation-reply", {"on": "2025-09-24", "consultation": 2})
    assert case["status"] == "in_consultation"
    assert deadline(case) == (None, None)

    with transaction(api.factory) as session:  # the case-service function a letter's delivery record calls
        agency_id = get_agency(session, "a1").id
        principal = Principal(actor="letters", memberships={agency_id: Role.CLERK}, descendants={})
        service.record_delivery(session, principal, case["id"], date(2025, 9, 29), date(2025, 10, 9), letter_seq=3)
    case = api.client.get(f"{URL}/{case['id']}", headers=api.headers("a1")).json()
    assert case["timeline"][-1]["type"] == "delivery_recorded"
    assert case["timeline"][-1]["data"]["ref"] == 3
    assert case["deadline"]["pending_until"] == "2025-10-27"
    assert deadline(case) == ("2025-11-14", "2025-11-21")
    case = step(api, case, "consultation-reply", {"on": "2025-10-28"})
    assert case["status"] == "open"
    assert deadline(case) == ("2025-11-14", "2025-11-21")


def test_late_correction_notice_is_recorded_and_flagged(api, make_case):
    case = make_case(received="2025-09-22")
    case = step(api, case, "correction-request", {"on": "2025-10-09", "until": "2025-10-24", "items": "请写明年份"})
    assert case["deadline"]["correction_notice_due"] == "2025-09-30"
    assert case["deadline"]["correction_notice_late"] is True
    api.clock.today = date(2025, 10, 13)
    report = api.client.get("/api/v1/reports/overdue", headers=api.headers("a1"))
    assert report.status_code == 200, report.text
    assert "correction_notice_late" in report.text


def test_a_correction_notice_after_the_statutory_deadline_leaves_the_breach_in_every_view(api, make_case):
    """Received 2025-09-22, statutory deadline 10-24; the notice of 10-27 came after it. The correction of 11-03
    starts a fresh period (11-24 / 12-01), yet the case stays in breach: its deadline, the overdue report, and the
    year's timeliness once it is concluded inside the fresh period."""
    case = make_case(received="2025-09-22")
    case = step(api, case, "correction-request", {"on": "2025-10-27", "until": "2025-11-10", "items": "请写明年份"})
    assert case["deadline"]["statutory_breached_on"] == "2025-10-24"
    api.clock.today = date(2025, 10, 28)
    report = api.client.get("/api/v1/reports/overdue", headers=api.headers("a1")).json()
    found = [(item["kind"], item["due_date"]) for item in report["items"] if item["case_id"] == case["id"]]
    assert ("statutory_overdue", "2025-10-24") in found
    overdue = api.client.get(URL, params={"overdue": "true"}, headers=api.headers("a1")).json()["items"]
    assert [c["id"] for c in overdue] == [case["id"]]  # awaiting the correction, yet late
    api.clock.today = date(2025, 11, 4)
    case = step(api, case, "correction", {"on": "2025-11-03"})
    assert deadline(case) == ("2025-11-24", "2025-12-01")
    shown = api.client.get(f"{URL}/{case['id']}", headers=api.headers("a1")).json()["deadline"]
    assert (shown["statutory_breached_on"], shown["statutory_overdue"], shown["overdue"]) == ("2025-10-24", True, False)
    api.clock.today = date(2025, 11, 20)
    step(api, case, "conclusion", {"on": "2025-11-20", "disposition": "disclosed"})
    with transaction(api.factory) as session:
        late = report_repository.timeliness(session, [get_agency(session, "a1").id], report_repository.Period(2025))
    assert (late.concluded, late.overdue, late.statutory_overdue) == (1, 1, 1)


def test_a_correction_after_its_period_is_taken_only_with_the_applicants_reason(api, make_case):
    """Asked for by 1 October 2025 (National Day): due 10-09; on 10-10 only with a legitimate reason, kept on the
    timeline; the fresh period then runs from 10-10 (10-30 / 11-06)."""
    case = make_case(received="2025-09-22")
    case = step(api, case, "correction-request", {"on": "2025-09-26", "until": "2025-10-01", "items": "请写明年份"})
    api.clock.today = date(2025, 10, 10)
    refused = step(api, case, "correction", {"on": "2025-10-10"}, status=422)
    assert refused["code"] == "correction_late_without_reason"
    assert "正当理由" in refused["detail"]
    blank = step(api, case, "correction", {"on": "2025-10-10", "late_reason": "   "}, status=422)
    assert blank["code"] == "validation_failed"
    reason = "申请人因住院未能按期补正，提供了住院证明"
    case = step(api, case, "correction", {"on": "2025-10-10", "late_reason": reason})
    assert deadline(case) == ("2025-10-30", "2025-11-06")
    assert case["timeline"][-1]["data"]["late_reason"] == reason


def test_receipts_in_the_future_or_before_the_2007_regulation_are_refused(api, make_case):
    make_case()
    base = {
        "agency": "a1",
        "applicant": {"type": "natural_person", "name": "张三"},
        "request": {"description": "x"},
    }
    for channel, receipt, code in [
        ("in_person", {"submitted_on": "2026-11-28"}, "receipt_in_future"),
        ("post", {"signed_on": "2008-04-30"}, "receipt_before_regulation"),
        ("online", {"submitted_on": "2026-03-03", "confirmed_on": "2026-03-02"}, "receipt_facts_incoherent"),
    ]:
        response = api.client.post(
            URL, json={**base, "channel": channel, "receipt": receipt}, headers=api.headers("a1")
        )
        assert response.status_code == 422, response.text
        assert response.json()["code"] == code


def test_deadline_explanation_gives_both_deadlines_and_marks_an_unimported_year(api, make_case):
    api.clock.today = date(2027, 1, 20)
    case = make_case(received="2026-12-15")
    response = api.client.get(f"{URL}/{case['id']}/deadline", headers=api.headers("a1"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provisional"] is True
    assert (body["due_date"], body["statutory_due_date"]) == deadline(case)
    assert [s["on"] for s in body["steps"] if s["agency_due"]] == [body["due_date"]]
    assert [s["on"] for s in body["steps"] if s["statutory_due"]] == [body["statutory_due_date"]]
    assert all(s["provisional"] == s["on"].startswith("2027") for s in body["steps"])


def test_imports_obey_the_receipt_rules_and_report_the_line(api, make_case):
    make_case()
    good = json.dumps(
        {
            "agency": "a1",
            "applicant_type": "natural_person",
            "applicant_name": "甲",
            "channel": "post",
            "received_date": "2025-03-03",
        }
    )
    future = good.replace("2025-03-03", "2026-11-28")
    ancient = good.replace("2025-03-03", "2008-04-30")
    with transaction(api.factory) as session:
        agency_id = get_agency(session, "a1").id
        principal = Principal(actor="import", memberships={agency_id: Role.ADMIN}, descendants={})
        report = importer.import_lines(session, principal, [good, future, ancient], date(2026, 11, 27))
        session.rollback()
    assert [(e.line, e.code) for e in report.errors] == [(2, "receipt_in_future"), (3, "receipt_before_regulation")]


def test_a_new_case_is_inserted_by_statement_and_attached_as_loaded(api):
    """``case.repository.add_new`` writes the case and its first event without the ORM's unit of work (issue #9):
    the object must then behave exactly as a flushed one — every column equal to the row, nothing left to write,
    its version 1 (the next change is an UPDATE … WHERE version = 1), and forgotten when its savepoint rolls back,
    so that the id a rolled-back row gave back (SQLite reuses it) can be taken by the next case."""
    from sqlalchemy import inspect, select, text

    from app.case.schemas import CaseCreate
    from app.models import CaseEvent, DisclosureCase

    api.agency("a1")
    body = CaseCreate.model_validate(
        {
            "agency": "a1",
            "applicant": {"type": "natural_person", "name": "甲"},
            "channel": "in_person",
            "receipt": {"submitted_on": "2026-03-02"},
            "request": {"description": "某批复"},
        }
    )
    today = date(2026, 3, 2)
    with transaction(api.factory) as session:
        agency_id = get_agency(session, "a1").id
        principal = Principal(actor="test", memberships={agency_id: Role.CLERK}, descendants={})
        savepoint = session.begin_nested()
        dropped = service.open_case(session, principal, body, today=today)
        assert inspect(dropped).persistent
        assert not session.dirty
        assert not session.new
        savepoint.rollback()
        assert inspect(dropped).transient
        assert inspect(dropped.events[0]).transient
        outer = session.begin_nested()  # a savepoint that commits into one that then rolls back
        with session.begin_nested():
            merged = service.open_case(session, principal, body, today=today)
        outer.rollback()
        assert inspect(merged).transient
        kept = service.open_case(session, principal, body, today=today)
        state = inspect(kept)
        assert state.persistent
        assert not state.expired_attributes
        assert not session.dirty
        assert (kept.version, kept.number, [e.seq for e in kept.events]) == (1, "2026-0001", [1])
    with transaction(api.factory) as session:
        row = session.execute(select(DisclosureCase.__table__).where(text(f"id = {kept.id}"))).one()._mapping
        assert {key: getattr(kept, key) for key in row} == dict(row)
        event = session.execute(select(CaseEvent.__table__).where(text(f"case_id = {kept.id}"))).one()._mapping
        assert {key: getattr(kept.events[0], key) for key in event} == dict(event)
        assert session.scalar(select(DisclosureCase.id).where(DisclosureCase.id == dropped.id)) in (None, kept.id)
        again = service.get_case(session, principal, kept.id, permission=service.Permission.CASE_STEP)
        again.handler = "乙"
        session.flush()
        assert again.version == 2
