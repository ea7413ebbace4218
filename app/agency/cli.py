"""``gongkai agency …``: agencies and their deadline policy."""

from __future__ import annotations

from typing import Annotated

import typer

from app.agency import service
from app.commands import cli_actor, run

cli = typer.Typer(name="agency", help="Agencies (机关).", no_args_is_help=True)


@cli.command("create")
def create(
    code: Annotated[str, typer.Option(help="Short code, e.g. nrb")],
    name: Annotated[str, typer.Option(help="Full name, e.g. 鄂尔多斯市自然资源局")],
    parent: Annotated[str | None, typer.Option(help="Parent agency code")] = None,
    reply_days: Annotated[int, typer.Option(help="The agency's reply commitment in working days")] = 15,
    extension_limit: Annotated[int | None, typer.Option(help="Extension limit (default: statutory)")] = None,
) -> None:
    """Create an agency with its deadline policy."""
    agency = run(
        lambda session, _, __: service.create_agency(
            session,
            code=code,
            name=name,
            parent_code=parent,
            reply_days=reply_days,
            extension_limit=extension_limit,
            actor=cli_actor(),
        )
    )
    typer.echo(f"已创建机关 {agency.code}（{agency.name}）")
