"""The ``gongkai`` command: serve, migrate, administer, import. Each command is one unit of work."""

from __future__ import annotations

import getpass
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app import clock, context, idempotency, migrate
from app.agency import repository as agencies
from app.agency import service as agency_service
from app.audit import cli as audit_commands
from app.audit import service as audit_service
from app.auth import service as auth_service
from app.auth.principal import Principal
from app.backup import cli as backup_cli
from app.case import importer
from app.case import service as case_service
from app.case.service import DateChange
from app.db import make_engine, make_session_factory, transaction, unavailable
from app.document import cli as document_commands
from app.domain import statistics
from app.domain.calendar import DAY_KIND_LABELS, DayKind
from app.domain.errors import DomainError
from app.domain.overdue import DEFAULT_DUE_WITHIN
from app.domain.roles import Role
from app.holiday import service as calendar_service
from app.holiday.repository import load_calendar
from app.overdue import render as overdue_render
from app.overdue import service as overdue_service
from app.report import cli as report_commands
from app.report import document_service
from app.report import service as annual_service
from app.report.files import render as render_annual
from app.report.schemas import Output
from app.settings import Settings
from app.user import service as user_service
from app.webhook import cli as webhook_commands
from app.webhook import delivery as webhook_delivery

cli = typer.Typer(help="gongkai (公开): 政府信息公开申请办理台账", no_args_is_help=True, add_completion=False)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
agency_cli = typer.Typer(help="Agencies (机关).", no_args_is_help=True)
token_cli = typer.Typer(help="API tokens.", no_args_is_help=True)
user_cli = typer.Typer(help="User accounts (people signing in to the web client).", no_args_is_help=True)
calendar_cli = typer.Typer(help="The working-day calendar.", no_args_is_help=True)
cases_cli = typer.Typer(help="Cases.", no_args_is_help=True)
openapi_cli = typer.Typer(help="The OpenAPI document.", no_args_is_help=True)
audit_cli = typer.Typer(help="The audit trail.", no_args_is_help=True)
idempotency_cli = typer.Typer(help="Idempotency keys of POST requests.", no_args_is_help=True)
report_cli = typer.Typer(help="Reports.", no_args_is_help=True)
webhooks_cli = typer.Typer(help="Outbound webhooks.", no_args_is_help=True)
for sub, name in (
    (db_cli, "db"),
    (agency_cli, "agency"),
    (token_cli, "token"),
    (user_cli, "user"),
    (calendar_cli, "calendar"),
    (cases_cli, "cases"),
    (openapi_cli, "openapi"),
    (audit_cli, "audit"),
    (idempotency_cli, "idempotency"),
    (report_cli, "report"),
    (webhooks_cli, "webhooks"),
):
    cli.add_typer(sub, name=name)
report_commands.register(report_cli)
document_commands.register(cli)
cli.add_typer(backup_cli.cli)
cli.add_typer(webhook_commands.secrets_cli, name="secrets")


@cli.callback()
def _unit_of_work() -> None:
    """Audit records written by a command carry the request id ``cli``."""
    context.request_id.set("cli")


DEFAULT_AGENCY = "default"
FIRST_ADMIN = "admin"


def _factory(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings), settings.keyring)


def _cli_actor() -> str:
    """Who a command acts as in the audit trail: the operating-system account that ran it."""
    return f"cli:{getpass.getuser()}"


def _operator(session: Session) -> Principal:
    """Whoever runs the command on the server is trusted as an administrator of every agency."""
    return Principal(
        actor=_cli_actor(),
        memberships={a.id: Role.ADMIN for a in agencies.all_agencies(session)},
        descendants={},
    )


def _fail(exc: DomainError) -> None:
    typer.secho(f"错误 [{exc.code}] {exc.detail}", fg="red", err=True)
    raise typer.Exit(2)


def prepare_database(settings: Settings) -> sessionmaker[Session]:
    """Migrate to the latest schema, seed the calendar when the database is new, and (SQLite) refresh the planner's
    statistics, which SQLite keeps only when asked."""
    factory = _factory(settings)
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
        _echo_changes(changes)
    return factory


def _echo_changes(changes: list[DateChange]) -> None:
    for change in changes:
        moved = "，".join(f"{k}: {change.old[k]} → {change.new[k]}" for k in change.old)
        typer.echo(f"  {change.number}: {moved}")
    typer.echo(f"期限变化的在办申请：{len(changes)} 件。")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration and seed the calendar if it is empty."""
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


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate", help="Upgrade the schema first")] = True,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            envvar="GONGKAI_FORWARDED_ALLOW_IPS",
            help="Behind a reverse proxy: its addresses, whose X-Forwarded-For is trusted (default: none)",
        ),
    ] = None,
    credentials_file: Annotated[
        Path, typer.Option(help="Where the first run writes the administrator's credentials (mode 0600)")
    ] = FIRST_RUN_FILE,
) -> None:
    """Start the HTTP service. On first run, creates an agency, an administrator and a token, written once to a file
    only the owner can read (its path is printed). X-Forwarded-For is trusted only from --forwarded-allow-ips."""
    import uvicorn

    from app.main import create_app

    settings = Settings()
    factory = prepare_database(settings) if migrate_first else _factory(settings)
    with transaction(factory) as session:
        credentials = first_run(session)
        if credentials:
            kept = keep_first_run(credentials, credentials_file)
    if credentials:
        typer.secho(
            f"首次启动：管理员账户和令牌已写入 {kept}（仅所有者可读），请取出妥善保存后删除该文件。", fg="yellow"
        )
    trusted = forwarded_allow_ips or None  # empty: nobody's X-Forwarded-* is believed
    proxy: dict[str, Any] = {"proxy_headers": trusted is not None, "forwarded_allow_ips": trusted}
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
            **proxy,
        )
    else:
        uvicorn.run(create_app(settings), host=host, port=port, **proxy)


@agency_cli.command("create")
def agency_create(
    code: Annotated[str, typer.Option(help="Short code, e.g. nrb")],
    name: Annotated[str, typer.Option(help="Full name, e.g. 鄂尔多斯市自然资源局")],
    parent: Annotated[str | None, typer.Option(help="Parent agency code")] = None,
    reply_days: Annotated[int, typer.Option(help="The agency's reply commitment in working days")] = 15,
    extension_limit: Annotated[int | None, typer.Option(help="Extension limit (default: statutory)")] = None,
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
                actor=_cli_actor(),
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
            token, plain = auth_service.create_token(session, agencies.get_agency(session, agency), role, name, expires)
            typer.echo(f"令牌 #{token.id}（{name}，{role.value}，机关 {agency}），只显示这一次：", err=True)
    except DomainError as exc:
        _fail(exc)
    typer.echo(plain)


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password read from standard input, or a random one (and True: it must be shown once)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return user_service.temporary_password(), True


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
                session,
                username,
                display_name or username,
                password,
                [(agencies.get_agency(session, agency), role)],
                actor=_cli_actor(),
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
            user_service.grant(session, user, agencies.get_agency(session, agency), role, actor=_cli_actor())
            typer.echo(f"用户 {username} 在机关 {agency} 的角色：{role.value}")
    except DomainError as exc:
        _fail(exc)


@user_cli.command("system-admin")
def user_system_admin(
    username: Annotated[str, typer.Option(help="An existing user")],
    revoke: Annotated[bool, typer.Option("--revoke", help="Take the power away")] = False,
) -> None:
    """Make a user a system administrator, who may change the national working-day calendar (no agency role may).
    Granted and revoked only here, on the server; recorded on the system (global) audit chain."""
    try:
        with transaction(_factory(Settings())) as session:
            user = user_service.get_user(session, username)
            user_service.set_system_admin(session, user, not revoke, actor=_cli_actor())
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"用户 {username} {'已不再是' if revoke else '现在是'}系统管理员。")


@user_cli.command("reset-password")
def user_reset_password(username: Annotated[str, typer.Option(help="An existing user")]) -> None:
    """Give a user a temporary password, printed as the last line (shown once); it must be changed at next sign-in."""
    try:
        with transaction(_factory(Settings())) as session:
            user = user_service.get_user(session, username)
            password = user_service.reset_password(session, user, actor=_cli_actor())
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"已重置用户 {username} 的密码，账户已解锁，登录后须立即修改。临时密码（只显示这一次）：", err=True)
    typer.echo(password)


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
            result = calendar_service.import_year(session, notice, _cli_actor(), clock.today(settings.tz))
    except DomainError as exc:
        _fail(exc)
    verb = "已更新" if result.replaced else "已导入"
    typer.echo(f"{verb} {result.year} 年节假日安排（日历版本 {result.version}）。")
    _echo_changes(result.changed_cases)


@calendar_cli.command("show")
def calendar_show(year: int) -> None:
    """Print a year's holidays and make-up working days."""
    try:
        with transaction(_factory(Settings())) as session:
            row, days = calendar_service.get_year(session, year)
            typer.echo(f"{row.year}（{row.source}，版本 {row.version}）")
            for day in days:
                kind = DAY_KIND_LABELS[DayKind(day.kind)]
                typer.echo(f"{day.day.isoformat()}  {kind}  {day.name}")
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


@audit_cli.command("verify")
def audit_verify(
    chain: Annotated[str | None, typer.Option(help="One chain (agency code or global)")] = None,
    anchor: Annotated[Path | None, typer.Option(help="Heads written by 'audit anchor': detects cuts and rewrites")] = (
        None
    ),
) -> None:
    """Recompute every chain's MACs; report the first broken link of each. Exit 1 if any chain is broken."""
    anchors = audit_commands.read_anchors(anchor) if anchor else None
    with transaction(_factory(Settings())) as session:
        names, breaks = audit_service.verify(session, chain, anchors)
    for broken in breaks:
        typer.secho(f"链 {broken.chain} 第 {broken.seq} 条：{broken.problem}", fg="red", err=True)
    if breaks:
        raise typer.Exit(1)
    typer.echo(f"审计链完整：{len(names)} 条链已核验。")


audit_cli.command("anchor")(audit_commands.anchor)


@idempotency_cli.command("purge")
def idempotency_purge() -> None:
    """Delete idempotency keys older than 24 hours (expired keys are also replaced when reused)."""
    with transaction(_factory(Settings())) as session:
        removed = idempotency.purge_expired(session)
    typer.echo(f"已删除 {removed} 个过期的幂等键。")


@openapi_cli.command("export")
def openapi_export(output: Path = Path("openapi/openapi.json")) -> None:
    """Write the OpenAPI document (committed; a test fails when it is stale)."""
    from app.main import create_app

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(openapi_json(create_app(Settings())), encoding="utf-8")
    typer.echo(f"已写入 {output}")


def openapi_json(app: FastAPI) -> str:
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@report_cli.command("overdue")
def report_overdue(
    as_of: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Default: today in the agencies' time zone")
    ] = None,
    agency: Annotated[str | None, typer.Option(help="One agency code (default: every agency)")] = None,
    due_within: Annotated[int, typer.Option(min=0, max=20, help="Working days counted as due soon")] = (
        DEFAULT_DUE_WITHIN
    ),
    fmt: Annotated[overdue_render.ReportFormat, typer.Option("--format")] = overdue_render.ReportFormat.TEXT,
    output: Annotated[str | None, typer.Option(help="A file, or a directory for a dated file name")] = None,
    force: Annotated[bool, typer.Option(help="Deliver again although this day's run was delivered")] = False,
) -> None:
    """The nightly overdue report, delivered once per day and scope: to OUTPUT (or stdout) and to the
    ``report.generated`` webhooks. A second run prints "already delivered" and exits 0 (see docs/operations.md)."""
    settings = Settings()
    if fmt is overdue_render.ReportFormat.XLSX and output is None:
        typer.secho("错误：xlsx 格式须用 --output 指定文件或目录。", fg="red", err=True)
        raise typer.Exit(2)
    key = overdue_service.RunKey(
        as_of.date() if as_of else clock.today(settings.tz), agency or overdue_service.ALL_AGENCIES, due_within
    )
    factory = _factory(settings)
    try:
        with transaction(factory) as session:
            overdue_service.scope_ids(session, key.scope)
            run_id = overdue_service.claim_run(session, key, _cli_actor(), force=force).id
    except overdue_service.RunExists as exc:
        typer.echo(exc.detail)
        return
    except DomainError as exc:
        _fail(exc)
    except DBAPIError as exc:
        if (outage := unavailable(exc)) is None:
            raise
        message = f"错误：无法连接数据库，报告未生成，下次运行时将重新生成并交付。{outage.detail}"
        typer.secho(message, fg="red", err=True)
        raise typer.Exit(1) from exc
    try:
        with transaction(factory) as session:
            result = overdue_service.complete_run(session, run_id)
            data = overdue_render.render(result, fmt)
            if output is None:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            else:
                path = overdue_render.target(output, result, fmt)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                typer.echo(f"已生成 {path}（运行 #{run_id}，{len(result.items)} 项）", err=True)
    except Exception as exc:
        typer.secho(f"错误：报告未能生成或交付（运行 #{run_id}）：{exc}", fg="red", err=True)
        try:
            with transaction(factory) as session:
                overdue_service.fail_run(session, run_id, repr(exc))
        except DBAPIError as lost:
            if unavailable(lost) is None:
                raise
            minutes = int(overdue_service.STALE_RUN.total_seconds() // 60)
            message = f"数据库不可用：运行 #{run_id} 未能标记为失败，{minutes} 分钟后的下次运行将接手交付。"
            typer.secho(message, fg="red", err=True)
        raise typer.Exit(1) from exc


@webhooks_cli.command("deliver")
def webhooks_deliver(
    once: Annotated[bool, typer.Option(help="Send what is due now, then exit")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between polls when idle")] = 5.0,
) -> None:
    """Send due webhook deliveries, retrying failures with backoff (see app/webhook/delivery.py)."""
    settings = Settings()
    factory = _factory(settings)
    outages = 0
    with webhook_delivery.http_client(settings) as client:
        while True:
            try:
                stats = webhook_delivery.deliver_due(factory, client, clock.utcnow())
            except DBAPIError as exc:
                if (outage := unavailable(exc)) is None:
                    raise
                if once:
                    typer.secho(f"错误：{outage.detail}", fg="red", err=True)
                    raise typer.Exit(1) from exc
                outages += 1
                wait = webhook_delivery.outage_backoff(outages, interval)
                typer.secho(f"数据库不可用（第 {outages} 次），{wait:g} 秒后重试：{outage.detail}", fg="red", err=True)
                time.sleep(wait)
                continue
            if outages:
                typer.echo("数据库已恢复，继续投递。", err=True)
                outages = 0
            if stats.attempted:
                typer.echo(f"已送达 {stats.delivered} 条，待重试 {stats.retrying} 条，失败 {stats.failed} 条")
            if stats.attempted < webhook_delivery.BATCH:
                if once:
                    return
                time.sleep(interval)


@report_cli.command("annual")
def report_annual(
    year: Annotated[int, typer.Option(help="Report year")],
    agency: Annotated[str | None, typer.Option(help="Agency code (default: every agency)")] = None,
    fmt: Annotated[Output, typer.Option("--format", help="File type")] = Output.JSON,
    output: Annotated[Path | None, typer.Option(help="File; for several agencies one file each, code in its name")] = (
        None
    ),
    table_format: Annotated[statistics.ReportFormat | None, typer.Option(help="Must be the year's format")] = None,
    consolidated: Annotated[bool, typer.Option(help="Include every sub-agency (汇总)")] = False,
) -> None:
    """The year-end statistics tables counted from the case records (JSON contract, CSV, XLSX or HTML)."""
    if fmt is Output.XLSX and output is None:
        typer.secho("错误：xlsx 格式须用 --output 指定文件。", fg="red", err=True)
        raise typer.Exit(2)
    try:
        with transaction(_factory(Settings())) as session:
            operator = _operator(session)
            codes = [agency] if agency else [a.code for a in agencies.all_agencies(session)]
            reports = [
                annual_service.annual_report(session, operator, year, code, table_format, consolidated=consolidated)
                for code in codes
            ]
            files = [render_annual(report, fmt) for report in reports]
    except DomainError as exc:
        _fail(exc)
    for code, file in zip(codes, files, strict=True):
        if output is None:
            sys.stdout.buffer.write(file.content)
            continue
        target = output if len(codes) == 1 else output.with_name(f"{output.stem}-{code}{output.suffix}")
        target.write_bytes(file.content)
        typer.echo(f"已写入 {target}", err=True)


@report_cli.command("check")
def report_check(file: Path) -> None:
    """Check a statistics table in the JSON contract (typed by hand or copied from a published report) against every
    rule of its format. Prints each violated rule with its cells; exit 1 if any, 0 if all hold."""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        typer.secho(f"错误：无法读取 {file}（{exc}）", fg="red", err=True)
        raise typer.Exit(2) from exc
    if not isinstance(document, dict):
        typer.secho("错误：文件内容应为一个 JSON 对象。", fg="red", err=True)
        raise typer.Exit(1)
    violations = statistics.check_published(document)
    for violation in violations:
        cells = "；".join(f"{cell.row}/{cell.column}" if cell.column else cell.row for cell in violation.cells)
        typer.echo(f"[{violation.rule.value}] {violation.message}（{cells}）")
    if violations:
        typer.secho(f"不符合：{len(violations)} 处。", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo("全部规则均符合。")


@report_cli.command("publish")
def report_publish(
    year: Annotated[int, typer.Option(help="Report year (must have ended)")],
    agency: Annotated[str, typer.Option(help="Agency code")],
) -> None:
    """Publish an agency's annual report: freeze its tables; later changes to them need an administrator's reason."""
    settings = Settings()
    try:
        with transaction(_factory(settings)) as session:
            snapshot = document_service.publish(session, _operator(session), year, agency, clock.today(settings.tz))
            typer.echo(f"已发布「{agency}」{snapshot.year}年度报告（{snapshot.format}年格式），快照 #{snapshot.id}。")
    except DomainError as exc:
        _fail(exc)


def main() -> None:
    cli(prog_name="gongkai")
