"""``gongkai calendar …``: the national working-day calendar (State Council notices), changed only on the server or
by a system administrator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app import clock
from app.case.cli import echo_changes
from app.commands import cli_actor, fail, read_input, run
from app.domain.calendar import DAY_KIND_LABELS, DayKind
from app.domain.errors import DomainError
from app.holiday import service

cli = typer.Typer(name="calendar", help="工作日日历（国务院办公厅的节假日安排）。", no_args_is_help=True)


@cli.command(
    "import",
    help="导入某一年的国务院办公厅节假日安排通知（JSON 或 CSV，格式见 README），并重算在办申请的期限。",
)
def import_notice(
    file: Annotated[Path, typer.Argument(help="通知文件（.json 或 .csv，UTF-8）")],
    source: Annotated[
        str, typer.Option(help="通知文号（来源），如 国办发明电〔2026〕12号；用于 CSV 文件（JSON 文件自带）")
    ] = "",
) -> None:
    text = read_input(file)
    try:
        notice = service.parse_csv(text, source) if file.suffix.lower() == ".csv" else service.parse_json(text)
    except DomainError as exc:
        fail(exc)
    result = run(
        lambda session, _, settings: service.import_year(session, notice, cli_actor(), clock.today(settings.tz))
    )
    verb = "已更新" if result.replaced else "已导入"
    typer.echo(f"{verb} {result.year} 年节假日安排（日历版本 {result.version}）。")
    echo_changes(result.changed_cases)


@cli.command("show", help="列出某一年的法定节假日和调休上班日。")
def show(year: Annotated[int, typer.Argument(help="年份，如 2026")]) -> None:
    row, days = run(lambda session, _, __: service.get_year(session, year))
    typer.echo(f"{row.year}（{row.source}，版本 {row.version}）")
    for day in days:
        typer.echo(f"{day.day.isoformat()}  {DAY_KIND_LABELS[DayKind(day.kind)]}  {day.name}")
