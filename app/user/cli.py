"""``gongkai user …``: the accounts of people signing in to the web client."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from app.agency import repository as agencies
from app.commands import cli_actor, run
from app.domain.roles import Role
from app.user import service

cli = typer.Typer(name="user", help="User accounts (people signing in to the web client).", no_args_is_help=True)


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password read from standard input, or a random one (and True: it must be shown once)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return service.temporary_password(), True


@cli.command("create")
def create(
    username: Annotated[str, typer.Option(help="Sign-in name, e.g. zhangsan")],
    agency: Annotated[str, typer.Option(help="Agency code")],
    role: Annotated[Role, typer.Option(help="Role in that agency")],
    display_name: Annotated[str | None, typer.Option(help="Name shown in the client (default: the username)")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
) -> None:
    """Create a user account. Without --password-stdin a random password is the last line of output, shown once."""
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


@cli.command("grant")
def grant(
    username: Annotated[str, typer.Option(help="An existing user")],
    agency: Annotated[str, typer.Option(help="Agency code")],
    role: Annotated[Role, typer.Option(help="Role in that agency (replaces the role held there)")],
) -> None:
    """Give a user a role in an agency."""
    run(
        lambda session, _, __: service.grant(
            session, service.get_user(session, username), agencies.get_agency(session, agency), role, actor=cli_actor()
        )
    )
    typer.echo(f"用户 {username} 在机关 {agency} 的角色：{role.value}")


@cli.command("system-admin")
def system_admin(
    username: Annotated[str, typer.Option(help="An existing user")],
    revoke: Annotated[bool, typer.Option("--revoke", help="Take the power away")] = False,
) -> None:
    """Make a user a system administrator, who may change the national working-day calendar (no agency role may).
    Granted and revoked only here, on the server; recorded on the system (global) audit chain."""
    run(
        lambda session, _, __: service.set_system_admin(
            session, service.get_user(session, username), not revoke, actor=cli_actor()
        )
    )
    typer.echo(f"用户 {username} {'已不再是' if revoke else '现在是'}系统管理员。")


@cli.command("reset-password")
def reset_password(username: Annotated[str, typer.Option(help="An existing user")]) -> None:
    """Give a user a temporary password, printed as the last line (shown once); it must be changed at next sign-in."""
    password = run(
        lambda session, _, __: service.reset_password(session, service.get_user(session, username), actor=cli_actor())
    )
    typer.echo(f"已重置用户 {username} 的密码，账户已解锁，登录后须立即修改。临时密码（只显示这一次）：", err=True)
    typer.echo(password)
