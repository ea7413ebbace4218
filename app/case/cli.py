"""``gongkai cases …``: the register from the command line (bulk import of existing cases)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app import clock
from app.case import importer
from app.case.service import PROJECTED_DATES, DateChange
from app.commands import operator, read_input, session_factory
from app.settings import Settings

cli = typer.Typer(name="cases", help="政府信息公开申请。", no_args_is_help=True)


def echo_changes(changes: list[DateChange]) -> None:
    """The open cases whose deadlines a calendar import or an upgrade moved, one line each."""
    for change in changes:
        moved = "，".join(f"{PROJECTED_DATES[k]} {change.old[k] or '—'} → {change.new[k] or '—'}" for k in change.old)
        typer.echo(f"  {change.number}: {moved}")
    typer.echo(f"期限变化的在办申请：{len(changes)} 件。")


@cli.command(
    "import",
    help="从 JSON Lines 文件导入申请（如旧台账中的申请），要么全部导入，要么一件也不导入。"
    "有误的行连同行号一一列出，此时退出码为 1。",
)
def import_file(file: Annotated[Path, typer.Argument(help="JSON Lines 文件（UTF-8，每行一件申请）")]) -> None:
    settings = Settings()
    lines = read_input(file).splitlines()
    session = session_factory(settings)()
    try:
        report = importer.import_lines(session, operator(session), lines, clock.today(settings.tz))
        if report.errors:
            session.rollback()
            for error in report.errors:
                typer.echo(f"第{error.line}行 [{error.code}] {error.message}", err=True)
            typer.secho(f"导入失败：{len(report.errors)} 行有误，未导入任何申请。", fg="red", err=True)
            raise typer.Exit(1)
        session.commit()
    finally:
        session.close()
    typer.echo(f"已导入 {report.imported} 件申请。")
