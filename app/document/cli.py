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

cli = typer.Typer(
    name="letters", help="Letters (文书), their templates and the case file (案卷).", no_args_is_help=True
)


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


@cli.command("generate")
def generate(
    case: Annotated[int, typer.Option(help="The case's id (as in /api/v1/cases/{id})")],
    kind: Annotated[LetterKind, typer.Option(help="The letter kind")],
    output: Annotated[Path, typer.Option(help="The .docx to write (and .pdf beside it with --pdf)")],
    fact: Annotated[list[str] | None, typer.Option(help="A fact of a reply, name=text (repeatable)")] = None,
    reasons_until: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="reasons_notice: the day to state reasons by")
    ] = None,
    pdf: Annotated[bool, typer.Option(help="Also render the PDF with LibreOffice")] = False,
) -> None:
    """Generate a case's letter from its own facts (numbered, kept in the case file, audited) and write it."""

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


@cli.command("archive")
def archive(
    case: Annotated[int, typer.Option(help="The case's id")],
    output: Annotated[Path, typer.Option(help="The .zip to write")],
) -> None:
    """The whole case file as one ZIP with its index and timeline (条例 Art. 45: 归档)."""
    result = run(lambda session, principal, settings: files.archive(session, principal, case, settings.tz))
    with output.open("wb") as out:
        for chunk in result.chunks():
            out.write(chunk)
    typer.echo(f"案卷已写入 {output}（{result.size} 字节）", err=True)


@cli.command("template-check")
def template_check(
    kind: Annotated[str, typer.Option(help="The template kind (a letter kind, or annual_report)")],
    file: Annotated[Path, typer.Argument(help="The .docx template")],
) -> None:
    """Validate a template as an upload would be (every variable known, renders on a sample); nothing is stored."""
    try:
        spec = template_kind(kind)
        templates.validate(spec, _read(file))
    except DomainError as exc:
        fail(exc)
    typer.echo(f"模板可用于「{spec.label}」。")


@cli.command("template-upload")
def template_upload(
    agency: Annotated[str, typer.Option(help="Agency code")],
    kind: Annotated[str, typer.Option(help="The template kind")],
    file: Annotated[Path, typer.Argument(help="The .docx template")],
) -> None:
    """Validate a template and make it the agency's for ``kind`` (audited); refused, the old one stays."""
    saved = run(
        lambda session, principal, _: templates.upload(session, principal, agency, kind, file.name, _read(file))
    )
    typer.echo(f"已启用 {agency} 的「{saved.kind.label}」模板（SHA-256 {saved.sha256[:12]}…）。")


@cli.command("template-download")
def template_download(
    agency: Annotated[str, typer.Option(help="Agency code")],
    kind: Annotated[str, typer.Option(help="The template kind")],
    output: Annotated[Path, typer.Option(help="The .docx to write")],
) -> None:
    """The template in use for ``kind`` (the agency's own, or the default), to edit and upload again."""
    t = run(lambda session, principal, _: templates.download(session, principal, agency, kind))
    output.write_bytes(t.content)
    typer.echo(f"已写入 {output}（{'本机关模板' if t.custom else '默认模板'}）。", err=True)


@cli.command("unreceived")
def unreceived(
    as_of: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Default: today in the agencies' time zone")
    ] = None,
) -> None:
    """Letters whose receipt is not recorded after the agency's number of working days (default 10)."""

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
