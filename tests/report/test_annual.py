"""The annual statistics tables counted from case records, through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from app.agency import repository as agencies
from app.auth.principal import Principal
from app.case.importer import import_lines
from app.cli import cli
from app.db import transaction
from app.domain.codes import ApplicantType, Disposition
from app.domain.roles import Role
from app.models import AuditRecord, CaseReview, DisclosureCase
from tests.conftest import Api

ANNUAL = "/api/v1/reports/annual"


def load(api: Api, lines: Iterable[dict[str, Any]]) -> None:
    """Import cases through the case services (the same rules and projection as cases entered by hand)."""
    with transaction(api.factory) as session:
        principal = Principal("test", {a.id: Role.ADMIN for a in agencies.all_agencies(session)}, {})
        result = import_lines(session, principal, [json.dumps(line) for line in lines], date(2026, 11, 27))
        assert not result.errors, result.errors


def case(
    received: str,
    agency: str = "a1",
    applicant: ApplicantType = ApplicantType.NATURAL_PERSON,
    concluded: str | None = None,
    disposition: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "agency": agency,
        "applicant_type": applicant.value,
        "applicant_name": "张三",
        "channel": "in_person",
        "received_date": received,
        **extra,
    }
    if concluded:
        line |= {"concluded_date": concluded, "disposition": disposition}
    return line


def annual(api: Api, year: int, agency: str = "a1", role: Role = Role.SUPERVISOR, **params: Any) -> dict[str, Any]:
    response = api.client.get(
        ANNUAL, params={"year": year, "agency": agency, **params}, headers=api.headers(agency, role)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def cells(report: dict[str, Any]) -> dict[str, list[int]]:
    return {row["key"]: row["values"] for row in report["applications"]["rows"]}


def failed(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["rule"]: check for check in report["checks"] if not check["ok"]}


def test_seed_2020_table_cell_for_cell(api: Api) -> None:
    """The seed (a 2020 report): two natural-person applications, both 本机关不掌握; one review, 其他结果."""
    api.agency("a1")
    load(
        api,
        [
            case("2020-06-01", concluded="2020-06-15", disposition="unavailable.not_held"),
            case(
                "2020-09-07",
                concluded="2020-09-18",
                disposition="unavailable.not_held",
                reviews=[{"kind": "review", "filed_date": "2020-10-20", "outcome": "other"}],
            ),
        ],
    )
    report = annual(api, 2020)
    assert report["year"] == 2020
    assert report["format"] == "2019"
    assert (report["agency"], report["agency_name"]) == ("a1", "a1 机关")
    two = [2, 0, 0, 0, 0, 0, 2]
    zero = [0] * 7
    expected = dict.fromkeys(cells(report), zero) | {"received": two, "unavailable.not_held": two, "total": two}
    assert cells(report) == expected
    assert "other" in expected
    assert "other.other" not in expected
    assert {k: v for k, v in report["reviews"].items() if v} == {"review.other": 1, "review.total": 1}
    assert not failed(report)
    assert set(report) == {
        "year",
        "format",
        "agency",
        "agency_name",
        "applications",
        "reviews",
        "active_disclosure",
        "checks",
    }


CORRECTION_ASKED = {"type": "correction_requested", "date": "2022-03-02", "until": "2022-03-08", "items": "文件名称"}
FIRST: dict[Disposition, list[dict[str, str]]] = {
    # Art. 35 refuses only after the reasons were asked for
    Disposition.NOT_PROCESSED_EXCESSIVE: [{"type": "reasons_requested", "date": "2022-03-02"}],
    # Art. 30: still unclear once corrected; no correction by the day set (the lapse is its own step)
    Disposition.UNAVAILABLE_UNCLEAR_AFTER_CORRECTION: [
        CORRECTION_ASKED,
        {"type": "correction_received", "date": "2022-03-07"},
    ],
    Disposition.OTHER_CORRECTION_LAPSED: [CORRECTION_ASKED, {"type": "correction_lapsed", "date": "2022-03-10"}],
    # 109号 第七条: a fee notice delivered 1 Mar is due by 29 Mar (20 working days); concluded on 10 Mar all the same
    # would be refused, so this case lapses on 30 Mar (its conclusion date below)
    Disposition.OTHER_FEE_UNPAID: [
        {"type": "fee_notice_sent", "date": "2022-03-01", "amount": "100", "delivered_on": "2022-03-01"},
        {"type": "fee_lapsed", "date": "2022-03-30"},
    ],
}


def first(disposition: Disposition) -> dict[str, Any]:
    """The steps a disposition needs before it, and the day it is concluded (10 Mar unless its steps say)."""
    events = FIRST.get(disposition, [])
    concluded = events[-1]["date"] if events and events[-1]["type"].endswith("_lapsed") else "2022-03-10"
    return {"events": events, "concluded": concluded}


def test_2021_format_every_disposition_row_and_tracing(api: Api) -> None:
    api.agency("a1")
    applicants = list(ApplicantType)
    load(
        api,
        [
            case("2022-03-01", applicant=applicants[i % 6], disposition=d.value, **first(d))
            for i, d in enumerate(Disposition)
        ]
        + [case("2022-12-20"), case("2021-12-28", concluded="2022-01-05", disposition="disclosed")],
    )
    report = annual(api, 2022)
    assert report["format"] == "2021"
    table = cells(report)
    for i, disposition in enumerate(Disposition):
        row = table[disposition.value]
        assert row[i % 6] == row[6] == (2 if disposition is Disposition.DISCLOSED else 1), disposition
    assert table["total"][6] == len(Disposition) + 1
    assert table["received"][6] == len(Disposition) + 1
    assert table["carried_over"][6] == 1
    assert table["carried_forward"][6] == 1
    assert not failed(report)
    for key, values in table.items():
        for column, value in zip(report["applications"]["columns"], values, strict=True):
            response = api.client.get(
                f"{ANNUAL}/cases",
                params={"year": 2022, "agency": "a1", "row": key, "column": column},
                headers=api.headers("a1"),
            )
            assert response.status_code == 200, response.text
            assert response.json()["count"] == value, (key, column)
    traced = api.client.get(
        f"{ANNUAL}/cases", params={"year": 2022, "agency": "a1", "row": "carried_over"}, headers=api.headers("a1")
    ).json()
    assert [c["received_date"] for c in traced["cases"]] == ["2021-12-28"]
    bad = api.client.get(
        f"{ANNUAL}/cases", params={"year": 2022, "agency": "a1", "row": "other"}, headers=api.headers("a1")
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "report_cell_unknown"


def test_carry_over_across_years(api: Api) -> None:
    api.agency("a1")
    load(
        api,
        [
            case("2021-11-02", applicant=ApplicantType.COMMERCIAL_ENTERPRISE),
            case("2021-12-27", concluded="2022-01-10", disposition="disclosed"),
            case("2021-05-06", concluded="2021-05-20", disposition="partially_disclosed"),
            case("2022-12-26"),
        ],
    )
    y2021, y2022 = cells(annual(api, 2021)), cells(annual(api, 2022))
    assert y2021["carried_forward"] == y2022["carried_over"] == [1, 1, 0, 0, 0, 0, 2]
    assert y2022["carried_forward"] == [1, 1, 0, 0, 0, 0, 2]  # 2022-12-26 in, 2021-12-27 out


def test_consolidated_and_chosen_agencies(api: Api) -> None:
    api.agency("gov")
    api.agency("dept", parent="gov")
    api.agency("other")
    load(api, [case("2022-02-01", agency="gov"), case("2022-03-01", agency="dept"), case("2022-03-02", agency="dept")])
    load(api, [case("2022-04-01", agency="other")])
    assert cells(annual(api, 2022, "gov"))["received"][6] == 1
    consolidated = annual(api, 2022, "gov", Role.ADMIN, consolidated="true")
    assert cells(consolidated)["received"][6] == 3
    assert consolidated["agency"] == "gov"
    # a supervisor of the parent does not read its sub-agencies: the consolidated table is out of scope
    response = api.client.get(
        ANNUAL, params={"year": 2022, "agency": "gov", "consolidated": "true"}, headers=api.headers("gov")
    )
    assert response.status_code == 404
    response = api.client.get(
        ANNUAL, params={"year": 2022, "agency": "gov", "agencies": "other"}, headers=api.headers("gov", Role.ADMIN)
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (
        api.client.get(ANNUAL, params={"year": 2022, "agency": "other"}, headers=api.headers("gov")).status_code == 404
    )


def test_data_faults_are_reported_with_the_cases(api: Api) -> None:
    api.agency("a1")
    load(
        api,
        [
            case("2022-05-10", concluded="2022-05-20", disposition="disclosed"),
            case("2022-06-10", concluded="2022-06-20", disposition="disclosed"),
            case("2022-07-10"),
        ],
    )
    with transaction(api.factory) as session:
        session.execute(
            update(DisclosureCase).where(DisclosureCase.number == "2022-0001").values(concluded_on=date(2022, 3, 1))
        )
        session.execute(update(DisclosureCase).where(DisclosureCase.number == "2022-0002").values(disposition=None))
    report = annual(api, 2022)
    faults = failed(report)
    assert [c["number"] for c in faults["data.concluded_before_received"]["cases"]] == ["2022-0001"]
    assert [c["number"] for c in faults["data.concluded_without_disposition"]["cases"]] == ["2022-0002"]
    assert "balance" in faults  # the case without disposition is in neither 三 nor 四
    assert report["checks"][-1]["rule"].startswith("data.")


def test_publish_refuse_override(api: Api) -> None:
    api.agency("a1")
    load(api, [case("2024-03-04"), case("2024-05-06", concluded="2024-05-20", disposition="disclosed")])
    admin = api.headers("a1", Role.ADMIN)
    publication = f"{ANNUAL}/2024/publication"
    assert api.client.post(publication, params={"agency": "a1"}, headers=api.headers("a1")).status_code == 403
    response = api.client.post(publication, params={"agency": "a1"}, headers=admin)
    assert response.status_code == 201, response.text
    assert cells(response.json()["report"])["carried_forward"][6] == 1
    assert api.client.post(publication, params={"agency": "a1"}, headers=admin).status_code == 409

    open_case = api.client.get("/api/v1/cases", params={"status": "open"}, headers=admin).json()["items"][0]
    conclusion = f"/api/v1/cases/{open_case['id']}/conclusion"
    body = {"on": "2024-12-20", "disposition": "disclosed"}
    refused = api.client.post(conclusion, json=body, headers=api.headers("a1"))
    assert refused.status_code == 409
    assert refused.json()["code"] == "report_published"
    assert "2024年度" in refused.json()["detail"]
    not_admin = api.client.post(
        conclusion, json=body, headers=api.headers("a1") | {"X-Override-Published": quote("补录")}
    )
    assert not_admin.status_code == 409
    new_case = {
        "agency": "a1",
        "applicant": {"type": "natural_person", "name": "李四"},
        "channel": "in_person",
        "receipt": {"submitted_on": "2024-06-03"},
        "request": {"description": "x"},
    }
    assert api.client.post("/api/v1/cases", json=new_case, headers=admin).json()["code"] == "report_published"
    later = api.client.post(
        conclusion, json={"on": "2025-01-06", "disposition": "disclosed"}, headers=api.headers("a1")
    )
    assert later.status_code == 200  # dated after the published year: no published cell changes
    response = api.client.post(
        "/api/v1/cases", json=new_case, headers=admin | {"X-Override-Published": quote("漏登的纸质申请")}
    )
    assert response.status_code == 201, response.text

    shown = api.client.get(publication, params={"agency": "a1"}, headers=api.headers("a1")).json()
    assert [(c["action"], c["reason"]) for c in shown["changes"]] == [("case.create", "漏登的纸质申请")]
    assert cells(shown["report"])["received"][6] == 2  # the snapshot is frozen
    assert cells(annual(api, 2024))["received"][6] == 3
    # last year's published 四 against this year's 二
    assert {c["rule"] for c in annual(api, 2025)["checks"]} >= {"carry_over"}


def test_files_active_disclosure_and_fees(api: Api) -> None:
    api.agency("a1")
    load(
        api,
        [
            case(
                "2022-03-01",
                events=[
                    {"type": "fee_notice_sent", "date": "2022-03-03", "amount": 100},
                    {"type": "fee_paid", "date": "2022-03-08", "amount": 100},
                ],
                concluded="2022-03-20",
                disposition="disclosed",
            )
        ],
    )
    headers = api.headers("a1", Role.ADMIN)
    fees = api.client.get(f"{ANNUAL}/fees", params={"year": 2022, "agency": "a1"}, headers=headers).json()
    assert (fees["count"], fees["total_yuan"]) == (1, 100)

    url = "/api/v1/reports/active-disclosure/2022"
    assert api.client.get(url, params={"agency": "a1"}, headers=headers).status_code == 404
    bad = api.client.put(url, params={"agency": "a1"}, json={"values": {"nope": 1}}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["code"] == "active_disclosure_invalid"
    values: dict[str, int | str] = {
        "regulations.issued": 0,
        "regulations.repealed": 0,
        "regulations.in_force": 3,
        "normative_documents.issued": 1,
        "normative_documents.repealed": 0,
        "normative_documents.in_force": 5,
        "licensing.decisions": 14,
        "penalties.decisions": 171,
        "coercion.decisions": 0,
        "fees.amount": "199.19561",
    }
    put = api.client.put(url, params={"agency": "a1"}, json={"values": values}, headers=headers)
    assert put.status_code == 200, put.text
    assert annual(api, 2022)["active_disclosure"]["penalties.decisions"] == 171

    xlsx = api.client.get(ANNUAL, params={"year": 2022, "agency": "a1", "output": "xlsx"}, headers=headers)
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in xlsx.headers["content-disposition"]
    assert ".xlsx" in xlsx.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert len(workbook.sheetnames) == 3
    for output, media in (("csv", "text/csv"), ("html", "text/html")):
        response = api.client.get(ANNUAL, params={"year": 2022, "agency": "a1", "output": output}, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)


@pytest.fixture
def runner(api: Api, settings: Any, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GONGKAI_ENVIRONMENT", "test")
    return CliRunner()


def test_cli_annual_check_and_publish(api: Api, runner: CliRunner, tmp_path: Path) -> None:
    api.agency("a1")
    load(api, [case("2022-03-01", concluded="2022-03-10", disposition="disclosed"), case("2022-12-30")])
    good = tmp_path / "good.json"
    result = runner.invoke(cli, ["report", "annual", "--year", "2022", "--output", str(good)])
    assert result.exit_code == 0, result.output
    assert cells(json.loads(good.read_text(encoding="utf-8")))["received"][6] == 2
    assert runner.invoke(cli, ["report", "check", str(good)]).exit_code == 0

    broken = json.loads(good.read_text(encoding="utf-8"))
    broken["applications"]["rows"][0]["values"][6] = 3
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(cli, ["report", "check", str(bad)])
    assert result.exit_code == 1
    assert "[column_total]" in result.output
    assert "[balance]" in result.output

    xlsx = tmp_path / "t.xlsx"
    args = ["report", "annual", "--year", "2022", "--agency", "a1", "--format", "xlsx", "--output", str(xlsx)]
    assert runner.invoke(cli, args).exit_code == 0
    openpyxl.load_workbook(xlsx)

    assert runner.invoke(cli, ["report", "publish", "--year", "2022", "--agency", "a1"]).exit_code == 0
    assert runner.invoke(cli, ["report", "publish", "--year", "2022", "--agency", "a1"]).exit_code == 2


def audit_actions(api: Api, prefix: str) -> list[tuple[str, str, str]]:
    with transaction(api.factory) as session:
        rows = session.scalars(
            select(AuditRecord).where(AuditRecord.action.startswith(prefix)).order_by(AuditRecord.id)
        )
        return [(r.action, r.entity_type, r.actor) for r in rows]


def test_faulty_records_every_cell_equals_its_trace(api: Api) -> None:
    """Faults written outside the application (legacy SQL, manual fixes) in every slice the counting reads: each cell
    still equals the cases its trace lists, and each fault is reported once, only in the years it concerns."""
    api.agency("a1")
    load(
        api,
        [
            case("2022-03-01", concluded="2022-03-10", disposition="disclosed"),  # 0001: concluded before received
            case("2022-04-01", concluded="2022-04-10", disposition="disclosed"),  # 0002: no disposition
            case("2022-05-01"),  # 0003: disposition without conclusion
            case("2022-12-20", concluded="2023-01-05", disposition="disclosed"),  # 0004: concluded after 31 Dec
            case("2022-06-01", concluded="2022-06-10", disposition="disclosed", applicant=ApplicantType.OTHER_ORG),
            case(
                "2022-02-01",
                concluded="2022-02-10",
                disposition="disclosed",
                reviews=[{"kind": "review", "filed_date": "2022-03-01"}],
            ),  # 0006: review outcome without decision date
            case("2021-11-01", concluded="2021-11-20", disposition="disclosed"),  # 2021-0001: fault in 2021 only
            case("2022-12-01", concluded="2022-12-20", disposition="disclosed"),  # 0007: received after 31 Dec
            case("2021-12-31", concluded="2022-01-05", disposition="disclosed"),  # 2021-0002: the last day before
            case("2022-01-01", concluded="2022-01-04", disposition="disclosed"),  # 0008: the first day of the year
        ],
    )
    n = DisclosureCase.number
    with transaction(api.factory) as session:
        session.execute(update(DisclosureCase).where(n == "2022-0001").values(concluded_on=date(2021, 12, 15)))
        session.execute(update(DisclosureCase).where(n == "2022-0002").values(disposition=None))
        session.execute(update(DisclosureCase).where(n == "2022-0003").values(disposition="disclosed"))
        session.execute(update(DisclosureCase).where(n == "2021-0001").values(concluded_on=date(2021, 10, 1)))
        session.execute(update(DisclosureCase).where(n == "2022-0007").values(received_date=date(2023, 1, 9)))
        session.execute(update(CaseReview).values(outcome="upheld"))
    report = annual(api, 2022)
    table = cells(report)
    assert table["received"][6] == 7
    assert table["carried_over"][6] == 1
    for key, values in table.items():
        for column, value in zip(report["applications"]["columns"], values, strict=True):
            response = api.client.get(
                f"{ANNUAL}/cases",
                params={"year": 2022, "agency": "a1", "row": key, "column": column},
                headers=api.headers("a1"),
            )
            assert response.json()["count"] == value, (key, column)
    faults = {rule: [c["number"] for c in check["cases"]] for rule, check in failed(report).items() if "cases" in check}
    assert faults == {
        "data.concluded_before_received": ["2022-0001", "2022-0007"],
        "data.concluded_without_disposition": ["2022-0002"],
        "data.disposition_without_conclusion": ["2022-0003"],
        "data.review_decided_without_date": ["2022-0006"],
    }
    faults_2021 = {
        r: [c["number"] for c in c_["cases"]] for r, c_ in failed(annual(api, 2021)).items() if "cases" in c_
    }
    assert faults_2021 == {"data.concluded_before_received": ["2022-0001", "2021-0001"]}


def test_report_access_and_audit(api: Api) -> None:
    api.agency("a1")
    api.agency("b1")
    load(api, [case("2024-03-04"), case("2024-05-06", concluded="2024-05-20", disposition="disclosed")])
    for agency, role, status in (("a1", Role.INTEGRATION, 403), ("b1", Role.ADMIN, 404)):
        response = api.client.get(ANNUAL, params={"year": 2024, "agency": "a1"}, headers=api.headers(agency, role))
        assert response.status_code == status, response.text
        assert response.json()["code"] == ("forbidden" if status == 403 else "agency_not_found")

    admin = api.headers("a1", Role.ADMIN)
    url = "/api/v1/reports/active-disclosure/2024"
    values = {
        "regulations.issued": 0,
        "regulations.repealed": 0,
        "regulations.in_force": 3,
        "normative_documents.issued": 1,
        "normative_documents.repealed": 0,
        "normative_documents.in_force": 5,
        "licensing.decisions": 14,
        "penalties.decisions": 171,
        "coercion.decisions": 0,
        "fees.amount": "1.5",
    }
    for _ in range(2):
        assert api.client.put(url, params={"agency": "a1"}, json={"values": values}, headers=admin).status_code == 200
    publication = f"{ANNUAL}/2024/publication"
    assert api.client.post(publication, params={"agency": "a1"}, headers=admin).status_code == 201
    open_case = api.client.get("/api/v1/cases", params={"status": "open"}, headers=admin).json()["items"][0]
    forced = api.client.post(
        f"/api/v1/cases/{open_case['id']}/conclusion",
        json={"on": "2024-12-20", "disposition": "disclosed"},
        headers=admin | {"X-Override-Published": quote("补录")},
    )
    assert forced.status_code == 200, forced.text
    assert [a for a, _, _ in audit_actions(api, "report.")] == [
        "report.active_disclosure",
        "report.active_disclosure",
        "report.publish",
        "report.override",
    ]


def test_every_reviews_cell_equals_its_trace(api: Api) -> None:
    """The reviews table traces like the applications table; a review decided after 31 Dec is pending in its year."""
    api.agency("a1")
    concluded = {"concluded": "2024-02-01", "disposition": "withheld.third_party_rights"}
    load(
        api,
        [
            case(
                "2024-01-08", **concluded, reviews=[{"kind": "review", "filed_date": "2024-03-01", "outcome": "upheld"}]
            ),
            case(
                "2024-01-09",
                **concluded,
                reviews=[
                    {"kind": "review", "filed_date": "2024-03-04"},
                    {"kind": "lawsuit_after_review", "filed_date": "2024-06-03", "outcome": "corrected"},
                ],
            ),
            case("2024-01-10", **concluded, reviews=[{"kind": "lawsuit", "filed_date": "2025-01-06"}]),
        ],
    )
    with transaction(api.factory) as session:
        pending = session.scalars(select(CaseReview).where(CaseReview.outcome == "pending")).all()
        for review in pending:  # the 2024 review decided in 2025: still pending at the end of 2024
            if review.filed_on.year == 2024:
                review.outcome, review.decided_on = "upheld", date(2025, 2, 1)
    report = annual(api, 2024)
    assert (report["reviews"]["review.upheld"], report["reviews"]["review.pending"]) == (1, 1)
    for key, value in report["reviews"].items():
        response = api.client.get(
            f"{ANNUAL}/cases", params={"year": 2024, "agency": "a1", "row": key}, headers=api.headers("a1")
        )
        assert response.status_code == 200, response.text
        assert response.json()["count"] == value, key
