"""``gongkai token …``: bearer tokens for systems (the OA system, scripts)."""

from __future__ import annotations

from typing import Annotated

import typer

from app.auth import service
from app.commands import run
from app.domain.roles import Role

cli = typer.Typer(name="token", help="API 令牌（供 OA 系统、脚本等调用接口）。", no_args_is_help=True)


@cli.command("create", help="创建 Bearer 令牌。令牌是输出的最后一行，只显示这一次。")
def create(
    agency: Annotated[str, typer.Option(help="机关代码")],
    role: Annotated[Role, typer.Option(help="在该机关的角色")],
    name: Annotated[str, typer.Option(help="令牌的用途，如 oa-prod")] = "cli",
    expires_days: Annotated[int | None, typer.Option(help="多少天后失效（默认：永不失效）")] = None,
) -> None:
    token, plain = run(
        lambda session, operator, _: service.issue_token(session, operator, agency, role, name, expires_days)
    )
    typer.echo(f"令牌 #{token.id}（{name}，{role.value}，机关 {agency}），只显示这一次：", err=True)
    typer.echo(plain)
