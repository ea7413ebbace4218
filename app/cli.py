"""The ``gongkai`` command: serve, migrate, administer, import. Each command is one unit of work."""

from __future__ import annotations

import getpass
import json
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from app import clock, migrate
from app.agency import repository as agencies
from app.agency import service as agency_service
from app.auth import service as auth_service
from app.auth.principal import Principal
from app.case import importer
from app.db import make_engine, make_session_factory, transaction
from app.domain.codes import FeeWaitRule
from app.domain.errors import DomainError
from app.domain.roles import Role
from app.holiday import service as calendar_service
from app.settings import Settings
from app.user import service as user_service

cli = typer.Typer(help="gongkai (公开): 政府信息公开申请办理台账", no_args_is_help=True, add_completion=False)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
agency_cli = typer.Typer(help="Agencies (机关).", no_args_is_help=True)
token_cli = typer.Typer(help="API tokens.", no_args_is_help=True)
user_cli = typer.Typer(help="User accounts (people signing in to the web client).", no_args_is_help=True)
calendar_cli = typer.Typer(help="The working-day calendar.", no_args_is_help=True)
cases_cli = typer.Typer(help="Cases.", no_args_is_help=True)
openapi_cli = typer.Typer(help="The OpenAPI document.", no_args_is_help=True)
for sub, name in (
    (db_cli, "db"),
    (agency_cli, "agency"),
    (token_cli, "token"),
    (user_cli, "user"),
    (calendar_cli, "calendar"),
    (cases_cli, "cases"),
    (openapi_cli, "openapi"),
):
    cli.add_typer(sub, name=name)

DEFAULT_AGENCY = "default"
FIRST_ADMIN = "admin"


def _factory(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings))


def _operator(session: Session) -> Principal:
    """Whoever runs the command on the server is trusted as an administrator of every agency."""
    return Principal(
        actor=f"cli:{getpass.getuser()}",
        memberships={a.id: Role.ADMIN for a in agencies.all_agencies(session)},
        descendants={},
    )


def _fail(exc: DomainError) -> None:
    typer.secho(f"错误 [{exc.code}] {exc.detail}", fg="red", err=True)
    raise typer.Exit(2)


def prepare_database(settings: Settings) -> sessionmaker[Session]:
    """Migrate to the latest schema and seed the calendar when the database is new."""
    factory = _factory(settings)
    engine = factory.kw["bind"]
    migrate.upgrade(engine)
    with transaction(factory) as session:
        seeded = calendar_service.seed_from_package(session)
    if seeded:
        typer.echo(f"已载入 {seeded} 年的节假日安排（chinesecalendar）。")
    return factory


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration and seed the calendar if it is empty."""
    prepare_database(Settings())
    typer.echo("数据库已是最新结构。")


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate", help="Upgrade the schema first")] = True,
) -> None:
    """Start the HTTP service. On first run, creates an agency and an administrator token, printed once."""
    import uvicorn

    from app.main import create_app

    settings = Settings()
    factory = prepare_database(settings) if migrate_first else _factory(settings)
    with transaction(factory) as session:
        if not agencies.all_agencies(session):
            agency = agency_service.create_agency(session, code=DEFAULT_AGENCY, name="本机关")
            _, plain = auth_service.create_token(session, agency, Role.ADMIN, "first-admin")
            password = secrets.token_urlsafe(12)
            user_service.create_user(session, FIRST_ADMIN, "管理员", password, [(agency, Role.ADMIN)])
            typer.secho(
                f"首次启动：已创建机关「{DEFAULT_AGENCY}」、管理员账户和管理员令牌（只显示这一次，请妥善保存）：\n"
                f"用户名：{FIRST_ADMIN}\n密码：{password}\n令牌：{plain}",
                fg="yellow",
            )
    uvicorn.run(create_app(settings), host=host, port=port)


@agency_cli.command("create")
def agency_create(
    code: Annotated[str, typer.Option(help="Short code, e.g. nrb")],
    name: Annotated[str, typer.Option(help="Full name, e.g. 鄂尔多斯市自然资源局")],
    parent: Annotated[str | None, typer.Option(help="Parent agency code")] = None,
    reply_days: Annotated[int, typer.Option(help="The agency's reply commitment in working days")] = 15,
    extension_limit: Annotated[int | None, typer.Option(help="Extension limit (default: statutory)")] = None,
    fee_wait_rule: FeeWaitRule = FeeWaitRule.PAUSE,
) -> None:
    """Create an agency with its deadline policy."""
    try:
        with transaction(_factory(Settings())) as session:
            agency = agency_service.create_agency(
                session,
                code=code,
                name=name,
                parent_code=parent,
                reply_days=reply_days,
                extension_limit=extension_limit,
                fee_wait_rule=fee_wait_rule,
            )
            typer.echo(f"已创建机关 {agency.code}（{agency.name}）")
    except DomainError as exc:
        _fail(exc)


@token_cli.command("create")
def token_create(
    agency: Annotated[str, typer.Option(help="Agency code")],
    role: Annotated[Role, typer.Option(help="Role in that agency")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. oa-prod")] = "cli",
    expires_days: Annotated[int | None, typer.Option(help="Days until it expires (default: never)")] = None,
) -> None:
    """Create a bearer token. The token is the last line of output and is shown only once."""
    try:
        with transaction(_factory(Settings())) as session:
            expires = clock.utcnow() + timedelta(days=expires_days) if expires_days else None
            token, plain = auth_service.create_token(
                session, agency_service.get_agency(session, agency), role, name, expires
            )
            typer.echo(f"令牌 #{token.id}（{name}，{role.value}，机关 {agency}），只显示这一次：", err=True)
    except DomainError as exc:
        _fail(exc)
    typer.echo(plain)


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password read from standard input, or a random one (and True: it must be shown once)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return secrets.token_urlsafe(12), True


@user_cli.command("create")
def user_create(
    username: Annotated[str, typer.Option(help="Sign-in name, e.g. zhangsan")],
    agency: Annotated[str, typer.Option(help="Agency code")],
    role: Annotated[Role, typer.Option(help="Role in that agency")],
    display_name: Annotated[str | None, typer.Option(help="Name shown in the client (default: the username)")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
) -> None:
    """Create a user account. Without --password-stdin a random password is the last line of output, shown once."""
    password, generated = _password(password_stdin)
    try:
        with transaction(_factory(Settings())) as session:
            user = user_service.create_user(
                session, username, display_name or username, password, [(agencies.get_agency(session, agency), role)]
            )
            typer.echo(f"已创建用户 {user.username}（{role.value}，机关 {agency}）", err=True)
    except DomainError as exc:
        _fail(exc)
    if generated:
        typer.echo("初始密码（只显示这一次）：", err=True)
        typer.echo(password)


@user_cli.command("grant")
def user_grant(
    username: Annotated[str, typer.Option(help="An existing user")],
    agency: Annotated[str, typer.Option(help="Agency code")],
    role: Annotated[Role, typer.Option(help="Role in that agency (replaces the role held there)")],
) -> None:
    """Give a user a role in an agency."""
    try:
        with transaction(_factory(Settings())) as session:
            user = user_service.get_user(session, username)
            user_service.grant(session, user, agencies.get_agency(session, agency), role)
            typer.echo(f"用户 {username} 在机关 {agency} 的角色：{role.value}")
    except DomainError as exc:
        _fail(exc)


@calendar_cli.command("import")
def calendar_import(
    file: Path,
    source: Annotated[str, typer.Option(help="The notice, for CSV files (JSON carries its own)")] = "",
) -> None:
    """Load a year's State Council notice (JSON or CSV; format in README) and recompute open cases."""
    settings = Settings()
    text = file.read_text(encoding="utf-8")
    try:
        notice = (
            calendar_service.parse_csv(text, source)
            if file.suffix.lower() == ".csv"
            else calendar_service.parse_json(text)
        )
        with transaction(_factory(settings)) as session:
            result = calendar_service.import_year(session, notice, f"cli:{getpass.getuser()}", clock.today(settings.tz))
    except DomainError as exc:
        _fail(exc)
    verb = "已更新" if result.replaced else "已导入"
    typer.echo(f"{verb} {result.year} 年节假日安排（日历版本 {result.version}）。")
    for change in result.changed_cases:
        moved = "，".join(f"{k}: {change.old[k]} → {change.new[k]}" for k in change.old)
        typer.echo(f"  {change.number}: {moved}")
    typer.echo(f"期限变化的在办申请：{len(result.changed_cases)} 件。")


@calendar_cli.command("show")
def calendar_show(year: int) -> None:
    """Print a year's holidays and make-up working days."""
    try:
        with transaction(_factory(Settings())) as session:
            row, days = calendar_service.get_year(session, year)
            typer.echo(f"{row.year}（{row.source}，版本 {row.version}）")
            for day in days:
                typer.echo(f"{day.day.isoformat()}  {day.kind:<15} {day.name}")
    except DomainError as exc:
        _fail(exc)


@cases_cli.command("import")
def cases_import(file: Path) -> None:
    """Import cases from JSON Lines, all or nothing. Bad lines are listed with their numbers; exit 1 if any."""
    settings = Settings()
    lines = file.read_text(encoding="utf-8").splitlines()
    factory = _factory(settings)
    session = factory()
    try:
        report = importer.import_lines(session, _operator(session), lines, clock.today(settings.tz))
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


@openapi_cli.command("export")
def openapi_export(output: Path = Path("openapi/openapi.json")) -> None:
    """Write the OpenAPI document (committed; a test fails when it is stale)."""
    from app.main import create_app

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(openapi_json(create_app(Settings())), encoding="utf-8")
    typer.echo(f"已写入 {output}")


def openapi_json(app: FastAPI) -> str:
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    cli(prog_name="gongkai")
