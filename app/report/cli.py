"""``gongkai report …``: the year-end tables (``annual``, in the JSON contract, CSV, XLSX or HTML), a table checked
against its format's rules (``check``), the year published (``publish``), the whole annual report (``document``:
DOCX, HTML or JSON) and a published report's text checked against its tables (``prose-check``). The overdue report
(``app.overdue.cli``) is put under the same group by ``app.cli``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from app import clock
from app.agency import repository as agencies
from app.auth.principal import Principal
from app.commands import fail, run
from app.domain import statistics
from app.domain.errors import DomainError
from app.report import document_render, document_service, service
from app.report.document_service import Built
from app.report.files import ReportFile, render, render_document
from app.report.schemas import DocumentOutput, Output
from app.settings import Settings

cli = typer.Typer(name="report", help="Reports.", no_args_is_help=True)


@cli.command("annual")
def annual(
    year: Annotated[int, typer.Option(help="Report year")],
    agency: Annotated[str | None, typer.Option(help="Agency code (default: every agency)")] = None,
    fmt: Annotated[Output, typer.Option("--format", help="File type")] = Output.JSON,
    output: Annotated[Path | None, typer.Option(help="File; for several agencies one file each, code in its name")] = (
        None
    ),
    table_format: Annotated[statistics.ReportFormat | None, typer.Option(help="Must be the year's format")] = None,
    consolidated: Annotated[bool, typer.Option(help="Include every sub-agency (汇总)")] = False,
) -> None:
    """The year-end statistics tables counted from the case records (JSON contract, CSV, XLSX or HTML)."""
    if fmt is Output.XLSX and output is None:
        typer.secho("错误：xlsx 格式须用 --output 指定文件。", fg="red", err=True)
        raise typer.Exit(2)

    def tables(session: Session, operator: Principal, _: Settings) -> list[tuple[str, bytes]]:
        codes = [agency] if agency else [a.code for a in agencies.all_agencies(session)]
        reports = [
            service.annual_report(session, operator, year, code, table_format, consolidated=consolidated)
            for code in codes
        ]
        return [(code, render(report, fmt).content) for code, report in zip(codes, reports, strict=True)]

    files = run(tables)
    for code, content in files:
        if output is None:
            sys.stdout.buffer.write(content)
            continue
        target = output if len(files) == 1 else output.with_name(f"{output.stem}-{code}{output.suffix}")
        target.write_bytes(content)
        typer.echo(f"已写入 {target}", err=True)


@cli.command("check")
def check(file: Path) -> None:
    """Check a statistics table in the JSON contract (typed by hand or copied from a published report) against every
    rule of its format. Prints each violated rule with its cells; exit 1 if any, 0 if all hold."""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        typer.secho(f"错误：无法读取 {file}（{exc}）", fg="red", err=True)
        raise typer.Exit(2) from exc
    if not isinstance(document, dict):
        typer.secho("错误：文件内容应为一个 JSON 对象。", fg="red", err=True)
        raise typer.Exit(1)
    violations = statistics.check_published(document)
    for violation in violations:
        cells = "；".join(f"{cell.row}/{cell.column}" if cell.column else cell.row for cell in violation.cells)
        typer.echo(f"[{violation.rule.value}] {violation.message}（{cells}）")
    if violations:
        typer.secho(f"不符合：{len(violations)} 处。", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo("全部规则均符合。")


@cli.command("publish")
def publish(
    year: Annotated[int, typer.Option(help="Report year (must have ended)")],
    agency: Annotated[str, typer.Option(help="Agency code")],
) -> None:
    """Publish an agency's annual report: freeze its tables; later changes to them need an administrator's reason."""
    snapshot = run(
        lambda session, operator, settings: document_service.publish(
            session, operator, year, agency, clock.today(settings.tz)
        )
    )
    typer.echo(f"已发布「{agency}」{snapshot.year}年度报告（{snapshot.format}年格式），快照 #{snapshot.id}。")


@cli.command("document")
def document(
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
    if fmt is DocumentOutput.DOCX and output is None:
        typer.secho("错误：docx 格式须用 --output 指定文件。", fg="red", err=True)
        raise typer.Exit(2)
    try:
        custom = template.read_bytes() if template else None
    except OSError as exc:
        typer.secho(f"错误：无法读取模板（{exc}）", fg="red", err=True)
        raise typer.Exit(2) from exc
    if custom is not None:
        try:
            document_render.validate_template(custom)
        except DomainError as exc:
            fail(exc)

    def written(session: Session, operator: Principal, settings: Settings) -> tuple[Built, ReportFile]:
        built = document_service.annual_document(
            session, operator, year, agency, clock.today(settings.tz), consolidated=consolidated
        )
        chosen = custom
        if chosen is None and fmt is DocumentOutput.DOCX:
            chosen = document_render.stored_template(session, built.report.agency_code)
        return built, render_document(built, fmt, chosen)

    built, file = run(written)
    for finding in built.findings:
        typer.echo(f"[{finding.rule.value}] {finding.where}：{finding.message}", err=True)
    if output is None:
        sys.stdout.buffer.write(file.content)
    else:
        output.write_bytes(file.content)
        typer.echo(f"已写入 {output}", err=True)


@cli.command("prose-check")
def prose_check(
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
