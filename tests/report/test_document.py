"""The whole annual report built from case records, through the API and the CLI, on SQLite and PostgreSQL: the seed's
2020 report, a 2021-format year with fees, reviews and carry-over, a consolidated report; DOCX read back with
python-docx, HTML checked."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from docx import Document
from docx.oxml.ns import qn
from sqlalchemy import update
from typer.testing import CliRunner

from app.cli import cli
from app.db import transaction
from app.domain import annual_document as rules
from app.domain.codes import ApplicantType
from app.domain.roles import Role
from app.domain.statistics import BALANCE_NOTE
from app.models import Agency
from tests.conftest import Api
from tests.report.test_annual import audit_actions, case, cells, load
from tests.seed import SEED_ACTIVE

DOCUMENT = "/api/v1/reports/annual/document"
HEADINGS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]
SEED_FIGURES = {
    "received": 2,
    "received.natural_person": 2,
    "received.legal_person": 0,
    "concluded": 2,
    "unavailable": 2,
    "unavailable.not_held": 2,
    "review.total": 1,
    "review.other": 1,
    "lawsuit_all.total": 0,
}
"""Every figure the seed (鄂尔多斯市自然资源局 2020) publishes in its tables that the prose states."""


def document(api: Api, year: int, agency: str = "a1", role: Role = Role.SUPERVISOR, **params: Any) -> dict[str, Any]:
    response = api.client.get(
        DOCUMENT, params={"year": year, "agency": agency, **params}, headers=api.headers(agency, role)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def paragraphs(doc: dict[str, Any]) -> dict[str, str]:
    return {p["key"]: p["text"] for s in doc["document"]["sections"] for p in s["paragraphs"]}


def failed(doc: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    return {c["rule"]: c["findings"] for c in doc["checks"] if not c["ok"]}


def load_seed(api: Api) -> None:
    api.agency("a1")
    load(
        api,
        [
            case("2020-06-01", concluded="2020-06-15", disposition="unavailable.not_held", channel="online"),
            case(
                "2020-09-07",
                concluded="2020-09-18",
                disposition="unavailable.not_held",
                channel="letter",
                reviews=[{"kind": "review", "filed_date": "2020-10-20", "outcome": "other"}],
            ),
        ],
    )
    response = api.client.put(
        "/api/v1/reports/active-disclosure/2020",
        params={"agency": "a1"},
        json={"values": SEED_ACTIVE},
        headers=api.headers("a1", Role.ADMIN),
    )
    assert response.status_code == 200, response.text


def test_seed_2020_report_from_case_records(api: Api) -> None:
    load_seed(api)
    doc = document(api, 2020)
    assert (doc["format"], doc["published"]) == ("2019", False)
    assert [s["heading"] for s in doc["document"]["sections"]] == HEADINGS
    assert doc["document"]["title"] == "a1 机关2020年政府信息公开工作年度报告"
    two = [2, 0, 0, 0, 0, 0, 2]
    table = cells(doc["tables"])
    assert {k: v for k, v in table.items() if any(v)} == {"received": two, "unavailable.not_held": two, "total": two}
    stated = {s.fact: s.value for text in paragraphs(doc).values() for s in rules.parse_statements(text)}
    assert stated == SEED_FIGURES
    text = paragraphs(doc)
    assert "从提交方式看，通过互联网提交1件，平常信函1件。" in text["applications.received"]
    # (1 Jun → 15 Jun 2020: 10 working days; 7 Sep → 18 Sep: 9) / 2
    assert text["applications.timeliness"].startswith(
        "本年办结的申请平均答复用时9.5个工作日，均在本机关承诺的答复期限内"
    )
    assert not {rule for rule in failed(doc) if rule != "text_missing"}
    assert {f["paragraph"] for f in failed(doc)["text_missing"]} == {
        "text.overview",
        "text.problems",
        "text.improvements",
    }
    assert all(c["blocking"] for c in doc["checks"] if c["rule"] != "text_missing")

    docx = api.client.get(DOCUMENT, params={"year": 2020, "agency": "a1", "output": "docx"}, headers=api.headers("a1"))
    assert docx.status_code == 200
    assert docx.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    word = Document(io.BytesIO(docx.content))
    assert [p.text for p in word.paragraphs if p.style is not None and p.style.name == "Heading 1"] == HEADINGS
    assert word.paragraphs[0].text == "a1 机关2020年政府信息公开工作年度报告"
    assert word.paragraphs[0].style.name == "Title"  # type: ignore[union-attr]
    assert [p.text for p in word.paragraphs if p.text][-2:] == ["a1 机关", "2026年11月27日"]
    body = "\n".join(p.text for p in word.paragraphs)
    assert text["applications.received"] in body
    assert "{{" not in body
    active, applications, reviews = word.tables
    assert applications.cell(0, 0).text == BALANCE_NOTE
    assert applications.cell(0, 0)._tc is applications.cell(2, 2)._tc  # the 勾稽 note spans 3 rows × 3 columns
    assert [c.text for c in applications.rows[3].cells][-7:] == ["2", "0", "0", "0", "0", "0", "2"]
    assert applications.cell(3, 0).text == "一、本年新收政府信息公开申请数量"
    assert reviews.cell(0, 0).text == "行政复议"
    assert reviews.cell(0, 0)._tc is reviews.cell(0, 4)._tc
    assert [c.text for c in reviews.rows[-1].cells][:5] == ["0", "0", "1", "0", "1"]
    assert "规章" in {c.text for row in active.rows for c in row.cells}
    footer = word.sections[0].footer._element
    assert any(f.get(qn("w:instr")) == "PAGE" for f in footer.iter(qn("w:fldSimple")))

    html = api.client.get(DOCUMENT, params={"year": 2020, "agency": "a1", "output": "html"}, headers=api.headers("a1"))
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    page = html.text
    for heading in HEADINGS:
        assert f"<h2>{heading}</h2>" in page
    assert page.count("<table") == 3
    assert text["applications.results"] in page
    assert "<script" not in page


def test_2021_format_year_with_fees_reviews_and_carry_over(api: Api) -> None:
    api.agency("a1")
    fee = [
        {"type": "fee_notice_sent", "date": "2022-03-03", "amount": 100},
        {"type": "fee_paid", "date": "2022-03-08", "amount": 100},
    ]
    load(
        api,
        [
            case("2021-03-01", concluded="2021-03-10", disposition="disclosed"),
            case("2021-12-27", applicant=ApplicantType.COMMERCIAL_ENTERPRISE),  # carried into 2022
            case("2022-03-01", concluded="2022-03-22", disposition="partially_disclosed", events=fee),
            case(
                "2022-04-06",
                concluded="2022-04-20",
                disposition="withheld.third_party_rights",
                reviews=[
                    {"kind": "review", "filed_date": "2022-05-09", "outcome": "corrected"},
                    {"kind": "lawsuit_after_review", "filed_date": "2022-08-01", "outcome": "pending"},
                ],
            ),
            case("2022-12-28"),
        ],
    )
    admin = api.headers("a1", Role.ADMIN)
    assert (
        api.client.post("/api/v1/reports/annual/2021/publication", params={"agency": "a1"}, headers=admin).status_code
        == 201
    )
    texts = {
        "overview": "（一）主动公开\n本年度主动公开政府信息120条。",
        "previous_problems": "上年度问题已整改。",
        "problems": "答复规范性有待提高。",
        "improvements": "加强培训。",
    }
    url = "/api/v1/reports/annual/2022/text"
    put = api.client.put(url, params={"agency": "a1"}, json={"texts": texts}, headers=admin)
    assert put.status_code == 200, put.text
    assert put.json()["texts"] == texts
    assert (
        api.client.put(url, params={"agency": "a1"}, json={"texts": texts}, headers=api.headers("a1")).status_code
        == 403
    )
    bad = api.client.put(url, params={"agency": "a1"}, json={"texts": {"nope": "x"}}, headers=admin)
    assert (bad.status_code, bad.json()["code"]) == (422, "report_text_invalid")
    assert {f["key"] for f in api.client.get(url, params={"agency": "a1"}, headers=admin).json()["fields"]} >= set(
        texts
    )

    doc = document(api, 2022)
    assert doc["format"] == "2021"
    text = paragraphs(doc)
    assert text["applications.received"] == (
        "2022年，本机关共收到政府信息公开申请3件，较上年增加1件。其中，自然人提出3件，法人或其他组织提出0件。"
        "从提交方式看，当面提交3件。上年结转政府信息公开申请1件。"
    )
    assert text["applications.results"] == (
        "本年度办结政府信息公开申请2件，较上年增加1件，其中部分公开1件；不予公开1件（保护第三方合法权益1件）。"
        "结转下年度继续办理2件。"
    )
    assert text["reviews.summary"] == (
        "2022年，本机关因政府信息公开工作被申请行政复议1件，较上年增加1件，其中结果纠正1件；"
        "被提起行政诉讼1件，较上年增加1件，其中尚未审结1件（未经复议直接起诉0件、复议后起诉1件）。"
    )
    assert text["other.fees"].endswith("收取信息处理费1件，共计100元。")
    assert text["text.overview"] == "本年度主动公开政府信息120条。"
    assert failed(doc) == {}
    assert {c["rule"] for c in doc["checks"]} == {r.value for r in rules.DocRule}

    publication = api.client.post("/api/v1/reports/annual/2022/publication", params={"agency": "a1"}, headers=admin)
    assert publication.status_code == 201, publication.text
    assert api.client.put(url, params={"agency": "a1"}, json={"texts": texts}, headers=admin).json()["code"] == (
        "report_published"
    )
    # a change forced through after publication does not move the published document
    new_case = {
        "agency": "a1",
        "applicant": {"type": "natural_person", "name": "李四"},
        "channel": "in_person",
        "receipt": {"submitted_on": "2022-06-01"},
        "request": {"description": "x"},
    }
    forced = api.client.post("/api/v1/cases", json=new_case, headers=admin | {"X-Override-Published": quote("补录")})
    assert forced.status_code == 201, forced.text
    frozen = document(api, 2022)
    assert frozen["published"] is True
    assert paragraphs(frozen) == text
    assert cells(frozen["tables"])["received"][6] == 3
    assert frozen["document"]["signed_on"] == "2026-11-27"
    assert [a for a, _, _ in audit_actions(api, "report.")] == [
        "report.publish",
        "report.text",
        "report.publish",
        "report.override",
    ]


def test_publication_refused_while_a_check_fails(api: Api) -> None:
    api.agency("a1")
    load(api, [case("2021-03-01", concluded="2021-03-10", disposition="disclosed"), case("2022-02-07")])
    admin = api.headers("a1", Role.ADMIN)
    assert (
        api.client.post("/api/v1/reports/annual/2021/publication", params={"agency": "a1"}, headers=admin).status_code
        == 201
    )
    new_case = {
        "agency": "a1",
        "applicant": {"type": "natural_person", "name": "李四"},
        "channel": "in_person",
        "receipt": {"submitted_on": "2021-12-20"},
        "request": {"description": "x"},
    }
    forced = api.client.post("/api/v1/cases", json=new_case, headers=admin | {"X-Override-Published": quote("漏登")})
    assert forced.status_code == 201
    doc = document(api, 2022)
    assert [f["where"] for f in failed(doc)["carry_over"]] == ["「三、收到和处理政府信息公开申请情况」统计表"]
    refused = api.client.post("/api/v1/reports/annual/2022/publication", params={"agency": "a1"}, headers=admin)
    assert refused.status_code == 409
    assert refused.json()["code"] == "report_checks_failed"
    assert "三、收到和处理政府信息公开申请情况" in refused.json()["detail"]


def test_consolidated_report_over_two_departments(api: Api) -> None:
    api.agency("gov")
    api.agency("d1", parent="gov")
    api.agency("d2", parent="gov")
    load(
        api,
        [
            case("2022-02-01", agency="gov", concluded="2022-02-15", disposition="disclosed"),
            case("2022-03-01", agency="d1", concluded="2022-03-15", disposition="unavailable.not_held"),
            case("2022-03-02", agency="d1"),
            case(
                "2022-04-01",
                agency="d2",
                applicant=ApplicantType.LEGAL_SERVICE_ORG,
                concluded="2022-04-12",
                disposition="disclosed",
            ),
        ],
    )
    doc = document(api, 2022, "gov", Role.ADMIN, consolidated="true")
    assert cells(doc["tables"])["received"] == [3, 0, 0, 0, 1, 0, 4]
    assert [(a["agency"], cells(a)["received"][6]) for a in doc["annex"]] == [("gov", 1), ("d1", 2), ("d2", 1)]
    assert "法律服务机构1件" in paragraphs(doc)["applications.received"]
    assert not {rule for rule in failed(doc) if rule != "text_missing"}
    response = api.client.get(
        DOCUMENT, params={"year": 2022, "agency": "gov", "consolidated": "true"}, headers=api.headers("gov")
    )
    assert response.status_code == 404  # a supervisor of the parent does not read its departments
    docx = api.client.get(
        DOCUMENT,
        params={"year": 2022, "agency": "gov", "consolidated": "true", "output": "docx"},
        headers=api.headers("gov", Role.ADMIN),
    )
    word = Document(io.BytesIO(docx.content))
    assert "附件：各机关政府信息公开情况统计表" in [p.text for p in word.paragraphs]
    assert len(word.tables) == 2 + 2 * 3
    assert [c.text for c in word.tables[4].rows[3].cells][-1] == "2"  # d1's 一 (after gov's two tables)


def test_prose_check_endpoint_flags_disagreeing_prose(api: Api) -> None:
    api.agency("a1")
    tables = {
        "year": 2020,
        "format": "2019",
        "applications": {"rows": [{"key": "received", "values": [2, 0, 0, 0, 0, 0, 2]}]},
        "reviews": {"review.total": 1},
    }
    body = {"text": "三、依申请公开情况\n全年共收到政府信息公开申请5件。\n被申请行政复议1件。", "tables": tables}
    response = api.client.post("/api/v1/reports/annual/prose-check", json=body, headers=api.headers("a1"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] is False
    assert [f["where"] for f in result["findings"]] == ["「三、依申请公开情况」第2行"]
    bad = api.client.post(
        "/api/v1/reports/annual/prose-check", json={"text": "x", "tables": {}}, headers=api.headers("a1")
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "report_tables_invalid")


@pytest.fixture
def runner(api: Api, settings: Any, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GONGKAI_ENVIRONMENT", "test")
    return CliRunner()


def test_cli_document_and_prose_check(api: Api, runner: CliRunner, tmp_path: Path) -> None:
    load_seed(api)
    target = tmp_path / "r.docx"
    args = ["report", "document", "--year", "2020", "--agency", "a1", "--output", str(target)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "[text_missing]" in result.output
    assert "三、收到和处理政府信息公开申请情况" in [p.text for p in Document(str(target)).paragraphs]
    assert runner.invoke(cli, ["report", "document", "--year", "2020", "--agency", "a1"]).exit_code == 2
    html = runner.invoke(cli, ["report", "document", "--year", "2020", "--agency", "a1", "--format", "html"])
    assert html.exit_code == 0
    assert "<h2>四、政府信息公开行政复议、行政诉讼情况</h2>" in html.stdout
    custom = tmp_path / "bad.docx"
    custom.write_bytes(b"not a docx")
    bad = runner.invoke(cli, [*args, "--template", str(custom)])
    assert bad.exit_code == 2
    assert "report_template_invalid" in bad.output

    tables = tmp_path / "t.json"
    assert (
        runner.invoke(cli, ["report", "annual", "--year", "2020", "--agency", "a1", "--output", str(tables)]).exit_code
        == 0
    )
    prose = tmp_path / "p.txt"
    prose.write_text("五、复议诉讼\n本年度被申请行政复议1件。\n", encoding="utf-8")
    ok = runner.invoke(cli, ["report", "prose-check", str(prose), "--tables", str(tables)])
    assert ok.exit_code == 0, ok.output
    prose.write_text("五、复议诉讼\n本年度被申请行政复议2件，共收到政府信息公开申请2件。\n", encoding="utf-8")
    wrong = runner.invoke(cli, ["report", "prose-check", str(prose), "--tables", str(tables)])
    assert wrong.exit_code == 1
    assert "「五、复议诉讼」第2行" in wrong.output
    assert json.loads(tables.read_text(encoding="utf-8"))["year"] == 2020


def test_timeliness_from_the_records(api: Api) -> None:
    """Average working days from the reply period's start to the conclusion, replies past the agency's and the
    statutory deadline, and cases still open on 31 Dec past the agency's deadline."""
    api.agency("a1")
    load(
        api,
        [
            case("2022-03-01", concluded="2022-03-10", disposition="disclosed"),  # 7 working days
            case("2022-06-01", concluded="2022-08-01", disposition="disclosed"),  # 42 (端午 3 Jun off): past both
            case("2022-11-01"),  # due in November, still open on 31 Dec
            case("2022-12-26"),  # open, not yet due
        ],
    )
    text = paragraphs(document(api, 2022))["applications.timeliness"]
    assert text == (
        "本年办结的申请平均答复用时24.5个工作日；超过本机关答复期限办结1件，其中超过法定答复期限1件。"
        "截至年底，尚有1件在办申请已超过本机关答复期限。"
    )


def test_a_name_stored_with_control_characters_still_makes_a_document(api: Api) -> None:
    """Names are checked when typed (``app.inputs``), but an agency named before that check, or written by an older
    version, may hold a control character XML 1.0 cannot hold: python-docx would refuse the whole report (a 500).
    The document leaves it out."""
    api.agency("a1")
    with transaction(api.factory) as session:
        session.execute(update(Agency).where(Agency.code == "a1").values(name="某\x07市\x1b自然资源局\ufffe"))
    load(api, [case("2022-02-01", concluded="2022-02-15", disposition="disclosed")])
    docx = api.client.get(DOCUMENT, params={"year": 2022, "agency": "a1", "output": "docx"}, headers=api.headers("a1"))
    assert docx.status_code == 200, docx.text
    word = Document(io.BytesIO(docx.content))
    assert "某市自然资源局" in "".join(p.text for p in word.paragraphs)
    assert word.core_properties.author == "某市自然资源局"
