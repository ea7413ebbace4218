"""``gongkai agency …``: agencies and their deadline policy."""

from __future__ import annotations

from typing import Annotated

import typer

from app.agency import service
from app.commands import cli_actor, run

cli = typer.Typer(name="agency", help="机关。", no_args_is_help=True)


@cli.command("create", help="创建机关及其期限政策。")
def create(
    code: Annotated[str, typer.Option(help="机关代码（简短），如 nrb")],
    name: Annotated[str, typer.Option(help="机关全称，如 鄂尔多斯市自然资源局")],
    parent: Annotated[str | None, typer.Option(help="上级机关的代码")] = None,
    reply_days: Annotated[int, typer.Option(help="本机关承诺的答复期限（1 至 20 个工作日）")] = 15,
    extension_limit: Annotated[
        int | None, typer.Option(help="延长答复期限的上限（0 至 20 个工作日，0 为不延期；默认：法定上限）")
    ] = None,
) -> None:
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
