"""The annual report's template is kept in the one template store (kind ``annual_report``): the shipped default, or
the agency's upload, validated by the report's own rules before it replaces the old one, used by the API and CLI."""

from __future__ import annotations

import io

from docx import Document
from typer.testing import CliRunner

from app.cli import cli
from app.domain.roles import Role
from tests.document.steps import docx_of
from tests.report.test_document import DOCUMENT, load_seed


def _put(api, content: bytes):
    return api.client.put(
        "/api/v1/agencies/a1/templates/annual_report",
        files={"file": ("年报模板.docx", content, "application/octet-stream")},
        headers=api.headers("a1", Role.ADMIN),
    )


def _report_text(api) -> str:
    response = api.client.get(
        DOCUMENT, params={"year": 2020, "agency": "a1", "output": "docx"}, headers=api.headers("a1", Role.SUPERVISOR)
    )
    assert response.status_code == 200, response.text
    return "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)


def test_the_report_template_is_in_the_template_store(api, settings, monkeypatch, tmp_path):
    load_seed(api)
    kinds = api.client.get("/api/v1/template-kinds", headers=api.headers("a1")).json()
    assert {"kind": "annual_report", "label": "政府信息公开工作年度报告"}.items() <= next(
        k for k in kinds if k["kind"] == "annual_report"
    ).items()
    listed = api.client.get("/api/v1/agencies/a1/templates", headers=api.headers("a1")).json()
    assert next(t for t in listed if t["kind"] == "annual_report")["custom"] is False
    assert "三、收到和处理政府信息公开申请情况" in _report_text(api)

    no_body = _put(api, docx_of("{{title}}", "没有正文位置"))
    assert no_body.status_code == 422
    assert no_body.json()["code"] == "report_template_invalid"
    unknown = _put(api, docx_of("{{title}}", "{{body}}", "{{applicant_name}}"))
    assert unknown.json()["code"] == "report_template_invalid"
    assert "三、收到和处理政府信息公开申请情况" in _report_text(api)  # the refused uploads changed nothing

    saved = _put(api, docx_of("某市自然资源和规划局（自定义版头）", "{{title}}", "{{body}}", "{{signature}}"))
    assert saved.status_code == 200, saved.text
    text = _report_text(api)
    assert text.startswith("某市自然资源和规划局（自定义版头）")
    assert "三、收到和处理政府信息公开申请情况" in text

    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GONGKAI_ENVIRONMENT", "test")
    target = tmp_path / "r.docx"
    args = ["report", "document", "--year", "2020", "--agency", "a1", "--output", str(target)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert Document(str(target)).paragraphs[0].text == "某市自然资源和规划局（自定义版头）"

    reset = api.client.delete("/api/v1/agencies/a1/templates/annual_report", headers=api.headers("a1", Role.ADMIN))
    assert reset.status_code == 200
    assert not _report_text(api).startswith("某市自然资源和规划局（自定义版头）")
