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

cli = typer.Typer(name="webhooks", help="Outbound webhooks.", no_args_is_help=True)
secrets_cli = typer.Typer(name="secrets", help="Secrets kept encrypted in the database.", no_args_is_help=True)


@cli.command("deliver")
def deliver(
    once: Annotated[bool, typer.Option(help="Send what is due now, then exit")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between polls when idle")] = 5.0,
) -> None:
    """Send due webhook deliveries, retrying failures with backoff (see app/webhook/delivery.py)."""
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


@secrets_cli.command("reencrypt")
def reencrypt() -> None:
    """Encrypt every webhook signing secret under the current GONGKAI_SECRET_KEY (after a key rotation; the old key
    must still be in GONGKAI_OLD_SECRET_KEYS while this runs), and those stored in clear before 0009."""
    settings = Settings()
    changed = run(lambda session, _, __: service.reencrypt_secrets(session), settings)
    typer.echo(f"已用密钥「{settings.keyring.current}」重新加密 {changed} 个签名密钥。")
