"""``gongkai token …``: bearer tokens for systems (the OA system, scripts)."""

from __future__ import annotations

from typing import Annotated

import typer

from app.auth import service
from app.commands import run
from app.domain.roles import Role

cli = typer.Typer(name="token", help="API tokens.", no_args_is_help=True)


@cli.command("create")
def create(
    agency: Annotated[str, typer.Option(help="Agency code")],
    role: Annotated[Role, typer.Option(help="Role in that agency")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. oa-prod")] = "cli",
    expires_days: Annotated[int | None, typer.Option(help="Days until it expires (default: never)")] = None,
) -> None:
    """Create a bearer token. The token is the last line of output and is shown only once."""
    token, plain = run(
        lambda session, operator, _: service.issue_token(session, operator, agency, role, name, expires_days)
    )
    typer.echo(f"令牌 #{token.id}（{name}，{role.value}，机关 {agency}），只显示这一次：", err=True)
    typer.echo(plain)
