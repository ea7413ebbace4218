"""``gongkai secrets``: the webhook signing secrets at rest (``app.keys``)."""

from __future__ import annotations

import typer

from app.db import make_engine, make_session_factory, transaction
from app.settings import Settings
from app.webhook import service

secrets_cli = typer.Typer(help="Secrets kept encrypted in the database.", no_args_is_help=True)


@secrets_cli.command("reencrypt")
def reencrypt() -> None:
    """Encrypt every webhook signing secret under the current GONGKAI_SECRET_KEY (after a key rotation; the old key
    must still be in GONGKAI_OLD_SECRET_KEYS while this runs), and those stored in clear before 0009."""
    settings = Settings()
    with transaction(make_session_factory(make_engine(settings), settings.keyring)) as session:
        changed = service.reencrypt_secrets(session)
    typer.echo(f"已用密钥「{settings.keyring.current}」重新加密 {changed} 个签名密钥。")
