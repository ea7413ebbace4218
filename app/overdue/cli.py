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

HELP = (
    "每晚的期限报告（已超期、即将到期等事项），同一天、同一范围（机关和 --due-within）只交付一次：写入 --output"
    "（或标准输出），并推送给订阅 report.generated 的 webhook。再次运行时提示已交付，退出码为 0"
    "（见 docs/operations.md）。"
)


def overdue(
    as_of: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="报告哪一天（YYYY-MM-DD；默认：机关所在时区的今天）"),
    ] = None,
    agency: Annotated[str | None, typer.Option(help="只报告这一个机关（机关代码；默认：所有机关）")] = None,
    due_within: Annotated[int, typer.Option(min=0, max=20, help="剩余多少个工作日以内算即将到期")] = (
        DEFAULT_DUE_WITHIN
    ),
    fmt: Annotated[
        render.ReportFormat, typer.Option("--format", help="报告的格式（xlsx 须指定 --output）")
    ] = render.ReportFormat.TEXT,
    output: Annotated[str | None, typer.Option(help="写入的文件；或一个目录，在其中写入以日期命名的文件")] = None,
    force: Annotated[bool, typer.Option(help="当天已交付也再交付一次")] = False,
) -> None:
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
