"""``gongkai user …``: the accounts of people signing in to the web client."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from app.agency import repository as agencies
from app.commands import cli_actor, run
from app.domain.roles import Role
from app.user import service

cli = typer.Typer(name="user", help="用户账户（登录网页端的工作人员）。", no_args_is_help=True)


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password read from standard input, or a random one (and True: it must be shown once)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return service.temporary_password(), True


@cli.command(
    "create", help="创建用户账户。不带 --password-stdin 时生成随机的初始密码，作为输出的最后一行，只显示这一次。"
)
def create(
    username: Annotated[str, typer.Option(help="登录名，如 zhangsan")],
    agency: Annotated[str, typer.Option(help="机关代码")],
    role: Annotated[Role, typer.Option(help="在该机关的角色")],
    display_name: Annotated[str | None, typer.Option(help="网页端显示的姓名（默认：登录名）")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取密码")] = False,
) -> None:
    password, generated = _password(password_stdin)
    user = run(
        lambda session, _, __: service.create_user(
            session,
            username,
            display_name or username,
            password,
            [(agencies.get_agency(session, agency), role)],
            actor=cli_actor(),
        )
    )
    typer.echo(f"已创建用户 {user.username}（{role.value}，机关 {agency}）", err=True)
    if generated:
        typer.echo("初始密码（只显示这一次）：", err=True)
        typer.echo(password)


@cli.command("grant", help="授予用户在某一机关的角色。")
def grant(
    username: Annotated[str, typer.Option(help="已有用户的登录名")],
    agency: Annotated[str, typer.Option(help="机关代码")],
    role: Annotated[Role, typer.Option(help="在该机关的角色（取代其在该机关原有的角色）")],
) -> None:
    run(
        lambda session, _, __: service.grant(
            session, service.get_user(session, username), agencies.get_agency(session, agency), role, actor=cli_actor()
        )
    )
    typer.echo(f"用户 {username} 在机关 {agency} 的角色：{role.value}")


@cli.command(
    "system-admin",
    help="把用户设为系统管理员，可修改全国工作日日历（任何机关角色都不能）。只能在服务器上用本命令授予或撤销，"
    "记入系统（global）审计链。",
)
def system_admin(
    username: Annotated[str, typer.Option(help="已有用户的登录名")],
    revoke: Annotated[bool, typer.Option("--revoke", help="撤销其系统管理员身份")] = False,
) -> None:
    run(
        lambda session, _, __: service.set_system_admin(
            session, service.get_user(session, username), not revoke, actor=cli_actor()
        )
    )
    typer.echo(f"用户 {username} {'已不再是' if revoke else '现在是'}系统管理员。")


@cli.command(
    "reset-password",
    help="为用户设置临时密码并解锁账户：临时密码是输出的最后一行，只显示这一次；下次登录时须修改。",
)
def reset_password(username: Annotated[str, typer.Option(help="已有用户的登录名")]) -> None:
    password = run(
        lambda session, _, __: service.reset_password(session, service.get_user(session, username), actor=cli_actor())
    )
    typer.echo(f"已重置用户 {username} 的密码，账户已解锁，登录后须立即修改。临时密码（只显示这一次）：", err=True)
    typer.echo(password)
