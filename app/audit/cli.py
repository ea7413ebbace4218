"""``gongkai audit …``: verify the chains, and anchor their heads outside the database (``verify --anchor`` reads
the anchor files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from app.audit import service
from app.commands import run

cli = typer.Typer(name="audit", help="审计记录（审计链）。", no_args_is_help=True)


@cli.command("verify", help="重新计算每条审计链的 MAC，报告每条链第一处断裂的记录。有链断裂时退出码为 1。")
def verify(
    chain: Annotated[str | None, typer.Option(help="只核验这一条链（机关代码或 global）")] = None,
    anchor: Annotated[
        Path | None, typer.Option(help="audit anchor 写出的链头锚点文件：据此还能发现被截短或改写的链")
    ] = None,
) -> None:
    anchors = read_anchors(anchor) if anchor else None
    names, breaks = run(lambda session, _, __: service.verify(session, chain, anchors))
    for broken in breaks:
        typer.secho(f"链 {broken.chain} 第 {broken.seq} 条：{broken.problem}", fg="red", err=True)
    if breaks:
        raise typer.Exit(1)
    typer.echo(f"审计链完整：{len(names)} 条链已核验。")


@cli.command(
    "anchor",
    help="输出每条审计链的链头（用密钥签名），每行一个 JSON 对象；指定 --output 时追加到该文件。请保存在数据库之外，"
    "之后用 audit verify --anchor FILE 即可发现被截短或改写的链。",
)
def anchor(
    output: Annotated[Path | None, typer.Option(help="追加写入此文件（请勿放在数据库服务器上）")] = None,
) -> None:
    heads = run(lambda session, _, __: service.anchors(session))
    lines = "".join(json.dumps(head, ensure_ascii=False, sort_keys=True) + "\n" for head in heads)
    if output is None:
        typer.echo(lines, nl=False)
        return
    with output.open("a", encoding="utf-8") as file:
        file.write(lines)
    typer.echo(f"已写入 {len(heads)} 条链头的锚点：{output}", err=True)


def read_anchors(path: Path) -> list[dict[str, Any]]:
    """Every anchor in the file, the last per chain (a file appended to nightly keeps them all)."""
    latest: dict[str, dict[str, Any]] = {}
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                entry = json.loads(line)
                if not isinstance(entry, dict):
                    raise ValueError(f"第{number}行不是对象")
                latest[str(entry.get("chain"))] = entry
    except (OSError, ValueError) as exc:
        typer.secho(f"错误：无法读取锚点文件 {path}（{exc}）", fg="red", err=True)
        raise typer.Exit(2) from exc
    return list(latest.values())
