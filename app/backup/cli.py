"""``gongkai backup FILE`` and ``gongkai restore FILE`` (registered in ``app.cli``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.backup import service
from app.settings import Settings

cli = typer.Typer()


def _counts(counts: dict[str, int]) -> str:
    names = {
        "disclosure_case": "申请",
        "case_event": "办理事件",
        "case_review": "复议诉讼",
        "audit_record": "审计记录",
    }
    return "，".join(f"{label} {counts.get(table, 0)} 条" for table, label in names.items())


@cli.command()
def backup(
    file: Annotated[Path, typer.Argument(help="The backup file; FILE.manifest.json is written beside it")],
    force: Annotated[bool, typer.Option(help="Overwrite FILE if it exists")] = False,
) -> None:
    """Take a consistent copy of the database while the server runs (SQLite: online backup API; PostgreSQL:
    pg_dump custom format), with a manifest of counts, audit chain heads, schema revision and SHA-256."""
    try:
        manifest = service.backup(Settings(), file, force=force)
    except service.BackupFailed as exc:
        typer.secho(f"错误：{exc.detail}", fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"已备份到 {file}（{manifest['bytes']} 字节，结构版本 {manifest['schema_revision']}；"
        f"{_counts(manifest['counts'])}；审计链 {len(manifest['audit_chains'])} 条）"
    )
    typer.echo(f"清单：{service.manifest_path(file)}（SHA-256 {manifest['sha256']}）")


@cli.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A file written by gongkai backup, with its manifest beside it")],
    force: Annotated[bool, typer.Option(help="Replace everything in a target database that is not empty")] = False,
) -> None:
    """Restore a backup into the configured database (stop the server first), migrate it to the current schema and
    check it against the manifest: rows of every table, audit chain heads, then every chain's hashes. Exit 1 on any
    difference."""
    try:
        report = service.restore(Settings(), file, force=force)
    except service.BackupFailed as exc:
        typer.secho(f"错误：{exc.detail}", fg="red", err=True)
        raise typer.Exit(1) from exc
    for problem in report.problems:
        typer.secho(problem, fg="red", err=True)
    if report.problems:
        typer.secho(f"恢复后核对不通过：{len(report.problems)} 处不符。", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"已从 {file} 恢复（备份时结构版本 {report.manifest['schema_revision']}，现为 {report.revision}）；"
        f"{_counts(report.counts)}，与清单一致；{report.chains_verified} 条审计链完整。"
    )
