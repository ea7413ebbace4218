"""``gongkai report overdue``: the nightly overdue report, delivered once per day and scope (registered under
``report`` by ``app.cli``)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy.exc import DBAPIError

from app import clock
from app.commands import cli_actor, fail, session_factory, write_whole
from app.db import transaction, unavailable
from app.domain.errors import DomainError
from app.domain.overdue import DEFAULT_DUE_WITHIN
from app.overdue import render, service
from app.settings import Settings


def overdue(
    as_of: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Default: today in the agencies' time zone")
    ] = None,
    agency: Annotated[str | None, typer.Option(help="One agency code (default: every agency)")] = None,
    due_within: Annotated[int, typer.Option(min=0, max=20, help="Working days counted as due soon")] = (
        DEFAULT_DUE_WITHIN
    ),
    fmt: Annotated[render.ReportFormat, typer.Option("--format")] = render.ReportFormat.TEXT,
    output: Annotated[str | None, typer.Option(help="A file, or a directory for a dated file name")] = None,
    force: Annotated[bool, typer.Option(help="Deliver again although this day's run was delivered")] = False,
) -> None:
    """The nightly overdue report, delivered once per day and scope: to OUTPUT (or stdout) and to the
    ``report.generated`` webhooks. A second run prints "already delivered" and exits 0 (see docs/operations.md)."""
    settings = Settings()
    if fmt is render.ReportFormat.XLSX and output is None:
        typer.secho("错误：xlsx 格式须用 --output 指定文件或目录。", fg="red", err=True)
        raise typer.Exit(2)
    key = service.RunKey(
        as_of.date() if as_of else clock.today(settings.tz), agency or service.ALL_AGENCIES, due_within
    )
    factory = session_factory(settings)
    try:
        with transaction(factory) as session:
            service.scope_ids(session, key.scope)
            run_id = service.claim_run(session, key, cli_actor(), force=force).id
    except service.RunExists as exc:
        typer.echo(exc.detail)
        return
    except DomainError as exc:
        fail(exc)
    except DBAPIError as exc:
        if (outage := unavailable(exc)) is None:
            raise
        message = f"错误：无法连接数据库，报告未生成，下次运行时将重新生成并交付。{outage.detail}"
        typer.secho(message, fg="red", err=True)
        raise typer.Exit(1) from exc
    try:
        with transaction(factory) as session:
            result = service.complete_run(session, run_id)
            data = render.render(result, fmt)
            if output is None:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            else:
                path = render.target(output, result, fmt)
                write_whole(path, data)
                typer.echo(f"已生成 {path}（运行 #{run_id}，{len(result.items)} 项）", err=True)
    except Exception as exc:
        typer.secho(f"错误：报告未能生成或交付（运行 #{run_id}）：{exc}", fg="red", err=True)
        try:
            with transaction(factory) as session:
                service.fail_run(session, run_id, repr(exc))
        except DBAPIError as lost:
            if unavailable(lost) is None:
                raise
            minutes = int(service.STALE_RUN.total_seconds() // 60)
            message = f"数据库不可用：运行 #{run_id} 未能标记为失败，{minutes} 分钟后的下次运行将接手交付。"
            typer.secho(message, fg="red", err=True)
        raise typer.Exit(1) from exc
