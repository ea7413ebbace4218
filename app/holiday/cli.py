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

cli = typer.Typer(name="calendar", help="The working-day calendar.", no_args_is_help=True)


@cli.command("import")
def import_notice(
    file: Path,
    source: Annotated[str, typer.Option(help="The notice, for CSV files (JSON carries its own)")] = "",
) -> None:
    """Load a year's State Council notice (JSON or CSV; format in README) and recompute open cases."""
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


@cli.command("show")
def show(year: int) -> None:
    """Print a year's holidays and make-up working days."""
    row, days = run(lambda session, _, __: service.get_year(session, year))
    typer.echo(f"{row.year}（{row.source}，版本 {row.version}）")
    for day in days:
        typer.echo(f"{day.day.isoformat()}  {DAY_KIND_LABELS[DayKind(day.kind)]}  {day.name}")
