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

cli = typer.Typer(name="report", help="年度报表、年度报告和期限报告。", no_args_is_help=True)


@cli.command("annual", help="根据办理记录统计年度报表（JSON 约定格式、CSV、XLSX 或 HTML）。")
def annual(
    year: Annotated[int, typer.Option(help="报告年度")],
    agency: Annotated[str | None, typer.Option(help="机关代码（默认：所有机关）")] = None,
    fmt: Annotated[Output, typer.Option("--format", help="文件格式")] = Output.JSON,
    output: Annotated[
        Path | None,
        typer.Option(help="写入的文件（默认：标准输出；xlsx 必填）；多个机关时各写一个文件，文件名中加机关代码"),
    ] = None,
    table_format: Annotated[
        statistics.ReportFormat | None, typer.Option(help="报表格式（2019 或 2021 年版），须为该年度适用的格式")
    ] = None,
    consolidated: Annotated[bool, typer.Option(help="包括所有下级机关（汇总）")] = False,
) -> None:
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


@cli.command(
    "check",
    help="按格式规定的全部规则检查一份 JSON 约定格式的统计表（手工录入，或摘自已发布的报告）。"
    "逐条列出不符合的规则及涉及的单元格；有不符合时退出码为 1，全部符合为 0。",
)
def check(file: Annotated[Path, typer.Argument(help="JSON 约定格式的统计表文件（UTF-8）")]) -> None:
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


@cli.command("publish", help="发布机关的年度报告：冻结其统计表，此后修改须由管理员说明理由。")
def publish(
    year: Annotated[int, typer.Option(help="报告年度（须已结束）")],
    agency: Annotated[str, typer.Option(help="机关代码")],
) -> None:
    snapshot = run(
        lambda session, operator, settings: document_service.publish(
            session, operator, year, agency, clock.today(settings.tz)
        )
    )
    typer.echo(f"已发布「{agency}」{snapshot.year}年度报告（{snapshot.format}年格式），快照 #{snapshot.id}。")


@cli.command(
    "document",
    help="生成某一年度完整的政府信息公开工作年度报告：正文和数字取自办理记录，另有本机关撰写的段落和统计表；"
    "同时列出发布前检查的结果，每项不通过都注明所在段落。",
)
def document(
    year: Annotated[int, typer.Option(help="报告年度")],
    agency: Annotated[str, typer.Option(help="机关代码")],
    fmt: Annotated[DocumentOutput, typer.Option("--format", help="docx（Word/WPS）、html（网站）或 json")] = (
        DocumentOutput.DOCX
    ),
    output: Annotated[Path | None, typer.Option(help="写入的文件（默认：标准输出；docx 必填）")] = None,
    consolidated: Annotated[bool, typer.Option(help="汇总所有下级机关，其统计表作为附件")] = False,
    template: Annotated[
        Path | None, typer.Option(help="使用这个 .docx 模板，而不用本机关已上传的模板（或默认模板）")
    ] = None,
) -> None:
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


@cli.command(
    "prose-check",
    help="核对已发布报告的正文与其统计表：正文中指向某一单元格、数值却不一致的数字，连同其上方的标题和所在的行"
    "一并列出。有不一致时退出码为 1，否则为 0。",
)
def prose_check(
    text: Annotated[Path, typer.Argument(help="报告正文（UTF-8 文本），如从报告网页复制")],
    tables: Annotated[Path, typer.Option(help="该报告的统计表，JSON 约定格式（即 report annual 写出的格式）")],
) -> None:
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
