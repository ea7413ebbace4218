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


@cli.command(
    help="服务运行时即可为数据库做一份一致的备份（SQLite：在线备份 API；PostgreSQL：pg_dump 自定义格式），"
    "并写出清单：各表行数、审计链链头、结构版本和 SHA-256。"
)
def backup(
    file: Annotated[Path, typer.Argument(help="备份文件；清单 FILE.manifest.json 写在它旁边")],
    force: Annotated[bool, typer.Option(help="FILE 已存在时覆盖")] = False,
) -> None:
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


@cli.command(
    help="把备份恢复到当前配置的数据库（请先停止服务），升级到当前结构，再按清单核对：各表行数、审计链链头，"
    "然后是每条链的哈希。有任何不符时退出码为 1。"
)
def restore(
    file: Annotated[Path, typer.Argument(help="gongkai backup 写出的备份文件，其清单须在它旁边")],
    force: Annotated[bool, typer.Option(help="目标数据库不为空时，替换其中的全部内容")] = False,
) -> None:
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
