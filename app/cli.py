"""The ``gongkai`` command: serve, migrate, the OpenAPI document and idempotency keys; every feature's own commands
(``app.<feature>.cli``, as it has its own router) put together under one name. Each command is one unit of work."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from app import cli_text, clock, context, idempotency, migrate
from app.agency import cli as agency_cli
from app.agency import repository as agencies
from app.agency import service as agency_service
from app.audit import cli as audit_cli
from app.audit import service as audit_service
from app.auth import cli as token_cli
from app.auth import service as auth_service
from app.backup import cli as backup_cli
from app.case import cli as case_cli
from app.case import service as case_service
from app.commands import fail, run, session_factory
from app.db import make_engine, transaction, unavailable
from app.document import cli as letters_cli
from app.domain.errors import WrongState
from app.domain.roles import Role
from app.errors import validation_message
from app.holiday import cli as calendar_cli
from app.holiday import service as calendar_service
from app.holiday.repository import load_calendar
from app.overdue import cli as overdue_cli
from app.report import cli as report_cli
from app.settings import Settings
from app.user import cli as user_cli
from app.user import service as user_service
from app.webhook import cli as webhook_cli

cli = typer.Typer(help="gongkai (公开): 政府信息公开申请办理台账", no_args_is_help=True, add_completion=False)
db_cli = typer.Typer(name="db", help="数据库结构。", no_args_is_help=True)
openapi_cli = typer.Typer(name="openapi", help="OpenAPI 文档。", no_args_is_help=True)
idempotency_cli = typer.Typer(name="idempotency", help="POST 请求的幂等键（Idempotency-Key）。", no_args_is_help=True)
report_cli.cli.command("overdue", help=overdue_cli.HELP)(overdue_cli.overdue)
for group in (
    db_cli,
    agency_cli.cli,
    token_cli.cli,
    user_cli.cli,
    calendar_cli.cli,
    case_cli.cli,
    openapi_cli,
    audit_cli.cli,
    idempotency_cli,
    report_cli.cli,
    webhook_cli.cli,
    webhook_cli.secrets_cli,
    letters_cli.cli,
    backup_cli.cli,
):
    cli.add_typer(group)


@cli.callback()
def _unit_of_work() -> None:
    """Audit records written by a command carry the request id ``cli``."""
    context.request_id.set("cli")


DEFAULT_AGENCY = "default"
FIRST_ADMIN = "admin"


def prepare_database(settings: Settings) -> sessionmaker[Session]:
    """Migrate to the latest schema, seed the calendar when the database is new, and (SQLite) refresh the planner's
    statistics, which SQLite keeps only when asked."""
    factory = session_factory(settings)
    engine = factory.kw["bind"]
    migrated = migrate.upgrade(engine)
    with transaction(factory) as session:
        seeded = calendar_service.seed_from_package(session)
        sealed, unsealed = audit_service.seal_unkeyed(session)
        # A new revision may come with new deadline rules (0008: the fee wait is a pause, letters count from their
        # delivery): every open case is recomputed through the seam a calendar import uses, its moved dates noted.
        changes = (
            case_service.recompute_open_cases(
                session, load_calendar(session), "system:upgrade", clock.today(settings.tz), cause="rules"
            )
            if migrated
            else []
        )
        if settings.is_sqlite:
            session.execute(text("PRAGMA optimize"))
    if seeded:
        typer.echo(f"已载入 {seeded} 年的节假日安排（chinesecalendar）。")
    if sealed:
        typer.echo(f"已用密钥封存升级前的审计链：{'、'.join(sealed)}。")
    for broken in unsealed:
        typer.secho(f"审计链 {broken.chain} 第 {broken.seq} 条：{broken.problem} 该链未封存。", fg="red", err=True)
    if changes:
        case_cli.echo_changes(changes)
    return factory


@db_cli.command(
    "upgrade",
    help="执行全部迁移，把数据库升级到最新结构：日历为空时载入内置的节假日安排，升级后重算在办申请的期限。",
)
def db_upgrade() -> None:
    prepare_database(Settings())
    typer.echo("数据库已是最新结构。")


def first_run(session: Session) -> str | None:
    """On an empty database: the agency ``default`` with an administrator user and token. Returns the credentials
    to print once (nothing is stored in clear), or None when the database already has agencies."""
    if agencies.all_agencies(session):
        return None
    actor = "system:first-run"
    agency = agency_service.create_agency(session, code=DEFAULT_AGENCY, name="本机关", actor=actor)
    _, token = auth_service.create_token(session, agency, Role.ADMIN, "first-admin")
    password = user_service.temporary_password()
    user_service.create_user(session, FIRST_ADMIN, "管理员", password, [(agency, Role.ADMIN)], actor=actor)
    return (
        f"首次启动：已创建机关「{DEFAULT_AGENCY}」、管理员账户和管理员令牌（只显示这一次，请妥善保存）：\n"
        f"用户名：{FIRST_ADMIN}\n密码：{password}\n令牌：{token}"
    )


FIRST_RUN_FILE = Path("gongkai-first-run.txt")


def keep_first_run(credentials: str, path: Path) -> Path:
    """Write the first run's credentials to a new file only its owner can read (never to the terminal, whose output
    often ends up in a journal); refuses to overwrite one."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(credentials + "\n")
    return path.resolve()


@cli.command(
    help="启动 HTTP 服务。首次启动时创建机关、管理员账户和管理员令牌，账户和令牌写入一个仅所有者可读的新文件"
    "（显示其路径）。只相信 --forwarded-allow-ips 所列地址发来的 X-Forwarded-For。"
)
def serve(
    host: Annotated[str, typer.Option(help="监听的地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="监听的端口")] = 8000,
    migrate_first: Annotated[
        bool,
        typer.Option(
            "--migrate/--no-migrate",
            help="启动前先升级数据库结构；--no-migrate 时结构不是最新则拒绝启动",
        ),
    ] = True,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            envvar="GONGKAI_FORWARDED_ALLOW_IPS",
            help="位于反向代理之后时，填写代理的地址：只相信这些地址发来的 X-Forwarded-For（默认：都不相信）",
        ),
    ] = None,
    credentials_file: Annotated[
        Path, typer.Option(help="首次启动时写入管理员账户和令牌的文件（权限 0600）")
    ] = FIRST_RUN_FILE,
) -> None:
    import uvicorn

    from app.main import create_app
    from app.serving import HTTP_PROTOCOL

    settings = Settings()
    factory = prepare_database(settings) if migrate_first else session_factory(settings)
    if not migrate_first and (outdated := migrate.outdated(factory.kw["bind"])):
        # a database another release left: every request on a new column would fail
        fail(WrongState("schema_outdated", f"{outdated}，或不带 --no-migrate 启动。"))
    with transaction(factory) as session:
        credentials = first_run(session)
        if credentials:
            kept = keep_first_run(credentials, credentials_file)
    if credentials:
        typer.secho(
            f"首次启动：管理员账户和令牌已写入 {kept}（仅所有者可读），请取出妥善保存后删除该文件。", fg="yellow"
        )
    trusted = forwarded_allow_ips or None  # empty: nobody's X-Forwarded-* is believed
    options: dict[str, Any] = {
        "proxy_headers": trusted is not None,
        "forwarded_allow_ips": trusted,
        "http": HTTP_PROTOCOL,  # TCP_NODELAY on every connection (app.serving)
    }
    if settings.workers > 1:
        # Each worker process builds its own application (and engine) from the same environment. A worker still
        # importing on a busy machine is not dead: uvicorn's 5 s health check would kill and respawn it forever.
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            workers=settings.workers,
            host=host,
            port=port,
            timeout_worker_healthcheck=60,
            **options,
        )
    else:
        uvicorn.run(create_app(settings), host=host, port=port, **options)


@idempotency_cli.command("purge", help="删除超过 24 小时的幂等键（过期的键再次使用时也会被替换）。")
def idempotency_purge() -> None:
    removed = run(lambda session, _, __: idempotency.purge_expired(session))
    typer.echo(f"已删除 {removed} 个过期的幂等键。")


@openapi_cli.command("export", help="写出 OpenAPI 文档（JSON）。")
def openapi_export(output: Annotated[Path, typer.Option(help="写入的文件")] = Path("openapi/openapi.json")) -> None:
    """The document is committed; a test fails when it is stale."""
    from app.main import create_app

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(openapi_json(create_app(Settings())), encoding="utf-8")
    typer.echo(f"已写入 {output}")


def openapi_json(app: FastAPI) -> str:
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


cli_text.localize(cli)  # after every command above: Typer builds the Click commands from these registrations


def _schema_outdated() -> str | None:
    """After a command failed on a database error that is not an outage: whether the schema is why (a database never
    migrated: "no such table"), said plainly instead of the traceback."""
    engine = make_engine(Settings())
    try:
        return migrate.outdated(engine)
    except DBAPIError:
        return None
    finally:
        engine.dispose()


def main() -> None:
    """Every command; a database that cannot be used (down, refusing the account, read-only, full, a wrong URL) ends
    it with one Chinese line and exit 1, not a traceback of several hundred lines."""
    try:
        cli(prog_name="gongkai")
    except ValidationError as exc:  # the settings (GONGKAI_*): each wrong one, with what it should be
        if exc.title != Settings.__name__:
            raise
        for error in exc.errors():
            name = f"GONGKAI_{str(error['loc'][0]).upper()}：" if error["loc"] else ""
            typer.secho(f"错误 [settings_invalid] 配置有误：{name}{validation_message(error)}", fg="red", err=True)
        raise SystemExit(2) from None
    except DBAPIError as exc:
        outage = unavailable(exc)
        if outage is None:
            outdated = _schema_outdated()
            if outdated is None:
                raise
            typer.secho(f"错误 [schema_outdated] {outdated}。", fg="red", err=True)
            raise SystemExit(1) from None
        cause = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        typer.secho(f"错误 [database_{outage.reason}] {outage.detail}（{cause}）", fg="red", err=True)
        raise SystemExit(1) from None
    except (ArgumentError, NoSuchModuleError) as exc:
        typer.secho(f"错误 [database_url_invalid] GONGKAI_DATABASE_URL 无效：{exc}", fg="red", err=True)
        raise SystemExit(1) from None
