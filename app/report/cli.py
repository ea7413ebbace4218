"""Commands of the whole annual report, registered under ``gongkai report`` (:func:`register`): ``document`` writes
the report (DOCX, HTML or JSON), ``prose-check`` checks a published report's text against its tables."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from app import clock
from app.db import transaction
from app.domain.errors import DomainError
from app.report import document_render, document_service
from app.report.files import render_document
from app.report.schemas import DocumentOutput
from app.settings import Settings


def report_document(
    year: Annotated[int, typer.Option(help="Report year")],
    agency: Annotated[str, typer.Option(help="Agency code")],
    fmt: Annotated[DocumentOutput, typer.Option("--format", help="docx (Word/WPS), html (website) or json")] = (
        DocumentOutput.DOCX
    ),
    output: Annotated[Path | None, typer.Option(help="File to write (required for docx)")] = None,
    consolidated: Annotated[bool, typer.Option(help="Over every sub-agency, their tables as an annex (汇总)")] = False,
    template: Annotated[
        Path | None, typer.Option(help="A .docx template to use instead of the agency's stored one (or the default)")
    ] = None,
) -> None:
    """The whole 政府信息公开工作年度报告 of a year: prose and figures from the records, the agency's passages, the
    tables; the checks before publication are printed, each failure with its paragraph."""
    from app.cli import _factory, _fail, _operator  # the root CLI's helpers (it imports this module)

    if fmt is DocumentOutput.DOCX and output is None:
        typer.secho("错误：docx 格式须用 --output 指定文件。", fg="red", err=True)
        raise typer.Exit(2)
    settings = Settings()
    try:
        custom = template.read_bytes() if template else None
        if custom is not None:
            document_render.validate_template(custom)
        with transaction(_factory(settings)) as session:
            built = document_service.annual_document(
                session, _operator(session), year, agency, clock.today(settings.tz), consolidated=consolidated
            )
            if custom is None and fmt is DocumentOutput.DOCX:
                custom = document_render.stored_template(session, built.report.agency_code)
            file = render_document(built, fmt, custom)
    except DomainError as exc:
        _fail(exc)
    except OSError as exc:
        typer.secho(f"错误：无法读取模板（{exc}）", fg="red", err=True)
        raise typer.Exit(2) from exc
    for finding in built.findings:
        typer.echo(f"[{finding.rule.value}] {finding.where}：{finding.message}", err=True)
    if output is None:
        sys.stdout.buffer.write(file.content)
    else:
        output.write_bytes(file.content)
        typer.echo(f"已写入 {output}", err=True)


def report_prose_check(
    text: Annotated[Path, typer.Argument(help="The report's text (UTF-8), e.g. copied from its web page")],
    tables: Annotated[Path, typer.Option(help="Its tables in the JSON contract (as `report annual` writes them)")],
) -> None:
    """Check a published report's prose against its tables: each number that names a cell and disagrees is printed
    with the heading above it and its line. Exit 1 if any, 0 if none."""
    try:
        content = text.read_text(encoding="utf-8")
        report = json.loads(tables.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        typer.secho(f"错误：无法读取文件（{exc}）", fg="red", err=True)
        raise typer.Exit(2) from exc
    if not isinstance(report, dict):
        typer.secho("错误：统计表文件应为一个 JSON 对象。", fg="red", err=True)
        raise typer.Exit(2)
    try:
        findings = document_service.check_published_text(content, report)
    except DomainError as exc:
        typer.secho(f"错误 [{exc.code}] {exc.detail}", fg="red", err=True)
        raise typer.Exit(2) from exc
    for finding in findings:
        typer.echo(f"{finding.where}：{finding.message}")
    if findings:
        typer.secho(f"正文与统计表不一致：{len(findings)} 处。", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo("正文中可识别的数字均与统计表一致。")


def register(report_cli: typer.Typer) -> None:
    report_cli.command("document")(report_document)
    report_cli.command("prose-check")(report_prose_check)
