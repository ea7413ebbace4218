"""``gongkai letters``: a case's letter generated to a file (numbered and kept like an API one), the case file as a
ZIP, templates checked and uploaded for an agency, the unreceived letters listed."""

from __future__ import annotations

import zipfile

import pytest
from docx import Document
from typer.testing import CliRunner

from app.cli import cli
from app.domain.roles import Role
from tests.document.steps import PROFILE, docx_of


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GONGKAI_ENVIRONMENT", "test")
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args))


def test_generate_and_archive(run, api, make_case, tmp_path):
    case = make_case(received="2026-03-02")
    api.client.put("/api/v1/agencies/a1/letter-profile", json=PROFILE, headers=api.headers("a1", Role.ADMIN))
    target = tmp_path / "回执.docx"
    result = run("letters", "generate", "--case", str(case["id"]), "--kind", "receipt", "--output", str(target))
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert "某信公开收〔2026〕1号" in text
    assert "2026年3月2日" in text
    listed = api.client.get(f"/api/v1/cases/{case['id']}/documents", headers=api.headers("a1")).json()
    assert [(d["number"], d["created_by"].startswith("cli:")) for d in listed] == [("某信公开收〔2026〕1号", True)]

    refused = run("letters", "generate", "--case", str(case["id"]), "--kind", "reply", "--output", str(target))
    assert refused.exit_code == 2
    assert "letter_case_open" in refused.output
    fact = ("--fact", "nonsense=1")
    unknown = run("letters", "generate", "--case", str(case["id"]), "--kind", "reply", *fact, "--output", str(target))
    assert "letter_fact_unknown" in unknown.output

    archive = tmp_path / "案卷.zip"
    result = run("letters", "archive", "--case", str(case["id"]), "--output", str(archive))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as z:
        assert {"index.csv", "timeline.csv"} <= set(z.namelist())
        assert z.read("001-" + listed[0]["filename"]) == target.read_bytes()

    unreceived = run("letters", "unreceived", "--as-of", "2026-03-31")
    assert unreceived.exit_code == 0, unreceived.output
    assert "某信公开收〔2026〕1号" in unreceived.output


def test_templates_checked_and_uploaded(run, api, tmp_path):
    api.agency("a1")
    good = tmp_path / "good.docx"
    good.write_bytes(docx_of("{{ agency_name }} {{ number }}", "{{ decision }}"))
    bad = tmp_path / "bad.docx"
    bad.write_bytes(docx_of("{{ agency_name }} {{ applicant_id_number }}"))
    assert run("letters", "template-check", "--kind", "reply", str(good)).exit_code == 0
    checked = run("letters", "template-check", "--kind", "reply", str(bad))
    assert checked.exit_code == 2
    assert "template_unknown_variables" in checked.output
    assert "report_template_invalid" in run("letters", "template-check", "--kind", "annual_report", str(good)).output

    refused = run("letters", "template-upload", "--agency", "a1", "--kind", "reply", str(bad))
    assert refused.exit_code == 2
    uploaded = run("letters", "template-upload", "--agency", "a1", "--kind", "reply", str(good))
    assert uploaded.exit_code == 0, uploaded.output
    back = tmp_path / "back.docx"
    assert (
        run("letters", "template-download", "--agency", "a1", "--kind", "reply", "--output", str(back)).exit_code == 0
    )
    assert back.read_bytes() == good.read_bytes()
    listed = api.client.get("/api/v1/agencies/a1/templates", headers=api.headers("a1")).json()
    assert next(t for t in listed if t["kind"] == "reply")["custom"] is True
