"""``gongkai letters …``: the letters and the case file from the command line, over the same services as the API.
Each command is one transaction; LibreOffice runs after it (design mistake 7)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from app import clock
from app.auth.principal import Principal
from app.commands import fail, run, session_factory
from app.document import delivery, docx, files, letters, templates
from app.document.registry import template_kind
from app.domain.errors import DomainError, InvalidInput
from app.domain.letters import Fact, LetterKind
from app.settings import Settings

cli = typer.Typer(name="letters", help="文书、文书模板和案卷。", no_args_is_help=True)


def _facts(items: list[str]) -> dict[Fact, str]:
    facts: dict[Fact, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            facts[Fact(name.strip())] = value.strip()
        except ValueError:
            known = "、".join(f.value for f in Fact)
            raise InvalidInput(
                "letter_fact_unknown", f"未知的事实「{name}」（可用：{known}），格式为 名称=内容。"
            ) from None
        if not sep:
            raise InvalidInput("letter_fact_unknown", f"事实「{name}」缺少内容，格式为 名称=内容。")
    return facts


@cli.command("generate", help="根据申请自身的记录生成文书（编号、归入案卷、记入审计），并写出文件。")
def generate(
    case: Annotated[int, typer.Option(help="申请的 id（即 /api/v1/cases/{id} 中的 id）")],
    kind: Annotated[LetterKind, typer.Option(help="文书种类")],
    output: Annotated[Path, typer.Option(help="写入的 .docx 文件（带 --pdf 时另在旁边写出 .pdf）")],
    fact: Annotated[list[str] | None, typer.Option(help="答复文书中的一项事实，格式为 名称=内容（可多次使用）")] = None,
    reasons_until: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="reasons_notice 用：申请人说明理由的截止日期（YYYY-MM-DD）"),
    ] = None,
    pdf: Annotated[bool, typer.Option(help="同时用 LibreOffice 生成 PDF")] = False,
) -> None:

    def made(session: Session, principal: Principal, settings: Settings) -> tuple[int, str | None, bytes]:
        request = letters.LetterRequest(kind, _facts(fact or []), reasons_until.date() if reasons_until else None)
        document = letters.generate(session, principal, case, request, clock.today(settings.tz))
        return document.id, document.number, document.content

    document_id, number, content = run(made)
    output.write_bytes(content)
    typer.echo(f"已生成 {number}，写入 {output}", err=True)
    if pdf:
        _write_pdf(document_id, output.with_suffix(".pdf"))


def _write_pdf(document_id: int, target: Path) -> None:
    """LibreOffice after the letter's transaction (design mistake 7), waiting for a slot."""
    settings = Settings()
    try:
        made = letters.attach_pdf(session_factory(settings), document_id, settings, wait=settings.pdf_timeout_seconds)
    except docx.ConverterBusy:
        made = False
    if not made:
        typer.secho("未能生成 PDF（未安装 LibreOffice、转换失败或超时）。", fg="yellow", err=True)
        return
    pdf = run(lambda session, principal, _: files.get_document(session, principal, document_id, pdf=True).pdf)
    target.write_bytes(pdf or b"")
    typer.echo(f"PDF 已写入 {target}", err=True)


@cli.command("archive", help="把整个案卷连同目录和办理时间线打包成一个 ZIP 文件（条例第四十五条：归档）。")
def archive(
    case: Annotated[int, typer.Option(help="申请的 id")],
    output: Annotated[Path, typer.Option(help="写入的 .zip 文件")],
) -> None:
    result = run(lambda session, principal, settings: files.archive(session, principal, case, settings.tz))
    with output.open("wb") as out:
        for chunk in result.chunks():
            out.write(chunk)
    typer.echo(f"案卷已写入 {output}（{result.size} 字节）", err=True)


@cli.command("template-check", help="按上传时的标准检查模板（变量都能识别、能用样例数据生成文书），不保存任何内容。")
def template_check(
    kind: Annotated[str, typer.Option(help="模板种类（某一文书种类，或 annual_report）")],
    file: Annotated[Path, typer.Argument(help=".docx 模板文件")],
) -> None:
    try:
        spec = template_kind(kind)
        templates.validate(spec, _read(file))
    except DomainError as exc:
        fail(exc)
    typer.echo(f"模板可用于「{spec.label}」。")


@cli.command("template-upload", help="检查模板，通过后启用为本机关该种类的模板（记入审计）；未通过则原模板不变。")
def template_upload(
    agency: Annotated[str, typer.Option(help="机关代码")],
    kind: Annotated[str, typer.Option(help="模板种类（某一文书种类，或 annual_report）")],
    file: Annotated[Path, typer.Argument(help=".docx 模板文件")],
) -> None:
    saved = run(
        lambda session, principal, _: templates.upload(session, principal, agency, kind, file.name, _read(file))
    )
    typer.echo(f"已启用 {agency} 的「{saved.kind.label}」模板（SHA-256 {saved.sha256[:12]}…）。")


@cli.command("template-download", help="下载该种类正在使用的模板（本机关的，或默认模板），供修改后重新上传。")
def template_download(
    agency: Annotated[str, typer.Option(help="机关代码")],
    kind: Annotated[str, typer.Option(help="模板种类（某一文书种类，或 annual_report）")],
    output: Annotated[Path, typer.Option(help="写入的 .docx 文件")],
) -> None:
    t = run(lambda session, principal, _: templates.download(session, principal, agency, kind))
    output.write_bytes(t.content)
    typer.echo(f"已写入 {output}（{'本机关模板' if t.custom else '默认模板'}）。", err=True)


@cli.command("unreceived", help="列出发出后已过本机关规定的工作日数（默认 10 个）、仍未登记签收的文书。")
def unreceived(
    as_of: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="截至哪一天（YYYY-MM-DD；默认：机关所在时区的今天）"),
    ] = None,
) -> None:

    def listed(session: Session, principal: Principal, settings: Settings) -> list[str]:
        day = as_of.date() if as_of else clock.today(settings.tz)
        return [
            f"{u.case.agency.code}  {u.case.number}  {u.label}  发出{u.sent_on}  应于{u.record_by}前登记  "
            f"已{u.working_days}个工作日"
            for u in delivery.unreceived(session, principal, day)
        ]

    lines = run(listed)
    for line in lines:
        typer.echo(line)
    typer.echo(f"共 {len(lines)} 份文书未登记签收。", err=True)


def _read(file: Path) -> bytes:
    try:
        if file.stat().st_size > templates.MAX_TEMPLATE_BYTES:
            raise InvalidInput(
                "template_too_large", f"模板文件过大：最多 {templates.MAX_TEMPLATE_BYTES // 1024 // 1024} MB。"
            )
        return file.read_bytes()
    except OSError as exc:
        raise InvalidInput("file_unreadable", f"无法读取文件 {file}（{exc.strerror}）。") from None
