"""``gongkai webhooks deliver``: the delivery worker; ``gongkai secrets``: the signing secrets at rest
(``app.keys``)."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from sqlalchemy.exc import DBAPIError

from app import clock
from app.commands import run, session_factory
from app.db import unavailable
from app.settings import Settings
from app.webhook import delivery, service

cli = typer.Typer(name="webhooks", help="向外部系统推送的 webhook。", no_args_is_help=True)
secrets_cli = typer.Typer(name="secrets", help="在数据库中加密保存的密钥。", no_args_is_help=True)


@cli.command("deliver", help="发送到期的 webhook 推送，失败的按逐渐加长的间隔重试；不带 --once 时持续运行。")
def deliver(
    once: Annotated[bool, typer.Option(help="只发送当前到期的推送，然后退出")] = False,
    interval: Annotated[float, typer.Option(help="空闲时两次查询之间的秒数")] = 5.0,
) -> None:
    """The retries and their backoff: ``app.webhook.delivery``."""
    settings = Settings()
    factory = session_factory(settings)
    outages = 0
    with delivery.http_client(settings) as client:
        while True:
            try:
                stats = delivery.deliver_due(factory, client, clock.utcnow())
            except DBAPIError as exc:
                if (outage := unavailable(exc)) is None:
                    raise
                if once:
                    typer.secho(f"错误：{outage.detail}", fg="red", err=True)
                    raise typer.Exit(1) from exc
                outages += 1
                wait = delivery.outage_backoff(outages, interval)
                typer.secho(f"数据库不可用（第 {outages} 次），{wait:g} 秒后重试：{outage.detail}", fg="red", err=True)
                time.sleep(wait)
                continue
            if outages:
                typer.echo("数据库已恢复，继续投递。", err=True)
                outages = 0
            if stats.attempted:
                typer.echo(f"已送达 {stats.delivered} 条，待重试 {stats.retrying} 条，失败 {stats.failed} 条")
            if stats.attempted < delivery.BATCH:
                if once:
                    return
                time.sleep(interval)


@secrets_cli.command(
    "reencrypt",
    help="用当前的 GONGKAI_SECRET_KEY 重新加密全部 webhook 签名密钥（用于更换密钥之后，运行时旧密钥须仍在"
    " GONGKAI_OLD_SECRET_KEYS 中），结构版本 0009 之前以明文保存的也一并加密。",
)
def reencrypt() -> None:
    settings = Settings()
    changed = run(lambda session, _, __: service.reencrypt_secrets(session), settings)
    typer.echo(f"已用密钥「{settings.keyring.current}」重新加密 {changed} 个签名密钥。")
