"""Backup and restore of the whole database, online, with a manifest that a restore is checked against.

``backup(settings, FILE)`` writes FILE and ``FILE.manifest.json`` beside it:

* SQLite: FILE is a consistent copy of the database taken with SQLite's online backup API while the server runs
  (never ``cp`` a live database: the copy misses what is still in the write-ahead log and may be torn), switched to a
  rollback journal so that it is one self-contained file, and checked with ``PRAGMA integrity_check``.
* PostgreSQL: FILE is a ``pg_dump --format=custom`` archive. The manifest's counts are taken in a REPEATABLE READ
  transaction whose snapshot ``pg_dump --snapshot`` uses too, so they describe exactly what the archive holds.
  ``pg_dump`` must be on ``PATH`` and at least as new as the server (checked).

The manifest holds the schema revision, the rows of every table, each audit chain's record count and head, the
archive's SHA-256 and size, and the versions used. ``restore(settings, FILE)`` checks the SHA-256, refuses a target
that has any table unless ``force`` (then drops them all), restores, migrates to the current head and compares the
counts and chain heads with the manifest, then runs the audit chain verification (``app.audit.service.verify``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL, make_url

from app import migrate
from app.audit import service as audit_service
from app.backup import repository
from app.clock import utcnow
from app.db import make_engine, make_session_factory, transaction
from app.settings import Settings

FORMAT = "gongkai-backup/1"


class BackupFailed(Exception):
    """A backup or restore that could not be done, or was refused; ``detail`` says why, for the operator."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    revision: str | None
    counts: dict[str, int]
    chains_verified: int
    problems: list[str] = field(default_factory=list)


def manifest_path(file: Path) -> Path:
    return file.with_name(file.name + ".manifest.json")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _facts(connection: Connection) -> dict[str, Any]:
    return {
        "schema_revision": repository.revision(connection),
        "counts": repository.counts(connection),
        "audit_chains": repository.chains(connection),
    }


def _sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.database_url).database
    if not database or database == ":memory:":
        raise BackupFailed("数据库地址不是 SQLite 文件，无法备份。")
    return Path(database)


def _backup_sqlite(settings: Settings, target: Path) -> dict[str, Any]:
    source = _sqlite_path(settings)
    if not source.exists():
        raise BackupFailed(f"数据库文件 {source} 不存在。")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # one step: a consistent snapshot, while the server goes on writing (WAL)
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()
        if check is None or check[0] != "ok":
            raise BackupFailed(f"备份副本未通过完整性检查：{check}")
    finally:
        dst.close()
        src.close()
    engine = create_engine(URL.create("sqlite", database=str(target)))
    try:
        with engine.connect() as connection:
            facts = _facts(connection)
    finally:
        engine.dispose()
    return {"backend": "sqlite", "sqlite_version": sqlite3.sqlite_version, **facts}


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A conninfo string for the PostgreSQL tools, and the environment carrying the password (never in argv)."""

    def quoted(value: object) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    parts: dict[str, object] = {"dbname": url.database, "host": url.host, "port": url.port, "user": url.username}
    parts.update({k: v for k, v in url.query.items() if isinstance(v, str)})
    conninfo = " ".join(f"{k}={quoted(v)}" for k, v in parts.items() if v is not None)
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _tool(name: str) -> tuple[str, int]:
    """The PostgreSQL client program on PATH and its major version."""
    path = shutil.which(name)
    if path is None:
        raise BackupFailed(f"找不到 {name}：请安装 PostgreSQL 客户端（与服务器同一主版本或更新），并加入 PATH。")
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    if found is None:
        raise BackupFailed(f"无法识别 {name} 的版本：{out.strip()}")
    return path, int(found.group(1))


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    # The program is the PostgreSQL tool found on PATH, its arguments built here (no shell): nothing untrusted.
    result = subprocess.run(args, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupFailed(f"{what}失败（退出码 {result.returncode}）：{result.stderr.strip()[-2000:]}")


def _backup_postgresql(settings: Settings, target: Path) -> dict[str, Any]:
    pg_dump, dump_major = _tool("pg_dump")
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                server = int(connection.scalar(text("SHOW server_version_num")) or 0)
                if dump_major < server // 10000:
                    detail = f"pg_dump 的主版本 {dump_major} 低于服务器的 {server // 10000}"
                    raise BackupFailed(detail + "：请使用同一主版本或更新的 pg_dump。")
                snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
                facts = _facts(connection)
                conninfo, env = _libpq(engine.url)
                args = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"]
                _run([*args, f"--dbname={conninfo}"], env, "pg_dump ")
    finally:
        engine.dispose()
    return {"backend": "postgresql", "server_version_num": server, "pg_dump_major": dump_major, **facts}


def backup(settings: Settings, file: Path, *, force: bool = False) -> dict[str, Any]:
    """Write the backup FILE and its manifest; return the manifest. The files appear only when complete."""
    manifest_file = manifest_path(file)
    if (file.exists() or manifest_file.exists()) and not force:
        raise BackupFailed(f"{file} 已存在；确认要覆盖时加 --force。")
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        facts = _backup_sqlite(settings, partial) if settings.is_sqlite else _backup_postgresql(settings, partial)
        manifest = {
            "format": FORMAT,
            "created_at": utcnow().isoformat(),
            "file": file.name,
            "bytes": partial.stat().st_size,
            "sha256": sha256_of(partial),
            **facts,
        }
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    manifest_partial = manifest_file.with_name(manifest_file.name + ".partial")
    manifest_partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8")
    manifest_partial.replace(manifest_file)
    return manifest


def read_manifest(file: Path) -> dict[str, Any]:
    path = manifest_path(file)
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupFailed(f"找不到清单文件 {path}（备份文件旁的 .manifest.json）。") from exc
    except (OSError, ValueError) as exc:
        raise BackupFailed(f"无法读取清单文件 {path}：{exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupFailed(f"清单文件 {path} 的格式不是 {FORMAT}。")
    return manifest


def _restore_sqlite(settings: Settings, file: Path) -> None:
    target = _sqlite_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)  # replaces every page of the target, in one transaction
    finally:
        dst.close()
        src.close()


def _restore_postgresql(settings: Settings, file: Path, manifest: dict[str, Any], drop: bool) -> None:
    pg_restore, major = _tool("pg_restore")
    if major < int(manifest.get("pg_dump_major", 0)):
        raise BackupFailed(f"pg_restore 的主版本 {major} 低于制作备份的 pg_dump（{manifest['pg_dump_major']}）。")
    engine = make_engine(settings)
    try:
        if drop:
            with engine.begin() as connection:
                repository.drop_everything(connection)
        conninfo, env = _libpq(engine.url)
    finally:
        engine.dispose()
    args = [pg_restore, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"]
    _run([*args, f"--dbname={conninfo}", str(file)], env, "pg_restore ")


def restore(settings: Settings, file: Path, *, force: bool = False) -> RestoreReport:
    """Restore FILE into the configured database, migrate it to the current head and check it against the
    manifest. Problems found by the checks are in the report (the restored data stays for inspection)."""
    manifest = read_manifest(file)
    backend = "sqlite" if settings.is_sqlite else "postgresql"
    if manifest.get("backend") != backend:
        raise BackupFailed(f"这是 {manifest.get('backend')} 的备份，不能恢复到 {backend} 数据库。")
    if not file.exists():
        raise BackupFailed(f"备份文件 {file} 不存在。")
    if sha256_of(file) != manifest.get("sha256"):
        raise BackupFailed(f"备份文件 {file} 的 SHA-256 与清单不符：文件已损坏或被改动，未恢复。")
    if settings.is_sqlite and not _sqlite_path(settings).exists():
        present: list[str] = []
    else:
        engine = make_engine(settings)
        try:
            with engine.connect() as connection:
                present = repository.table_names(connection)
        finally:
            engine.dispose()
    if present and not force:
        raise BackupFailed(f"目标数据库不是空的（已有 {len(present)} 张表）；确认要覆盖其全部内容时加 --force。")
    if settings.is_sqlite:
        _restore_sqlite(settings, file)
    else:
        _restore_postgresql(settings, file, manifest, drop=bool(present))
    return check(settings, manifest)


def check(settings: Settings, manifest: dict[str, Any]) -> RestoreReport:
    """Compare the restored database with the manifest (rows of every table, each chain's size and head), migrate
    it to the current head, then verify every audit chain as ``gongkai audit verify`` does."""
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            restored = _facts(connection)
        migrate.upgrade(engine)
        with engine.connect() as connection:
            revision = repository.revision(connection)
        with transaction(make_session_factory(engine, settings.keyring)) as session:
            audit_service.seal_unkeyed(session)  # as ``gongkai db upgrade`` does; a broken chain stays a break
            names, breaks = audit_service.verify(session)
    finally:
        engine.dispose()
    report = RestoreReport(manifest, revision, restored["counts"], len(names))
    for name, expected in manifest["counts"].items():
        if restored["counts"].get(name) != expected:
            report.problems.append(f"表 {name}：清单 {expected} 行，恢复后 {restored['counts'].get(name)} 行。")
    for chain, expected in manifest["audit_chains"].items():
        if restored["audit_chains"].get(chain) != expected:
            found = restored["audit_chains"].get(chain)
            report.problems.append(f"审计链 {chain}：与清单不符（清单 {expected}，恢复后 {found}）。")
    report.problems.extend(f"审计链 {b.chain} 第 {b.seq} 条：{b.problem}" for b in breaks)
    if breaks and not report.problems[: -len(breaks)] and all(b.seq == 1 for b in breaks):
        # Every chain refused from its first record, and the rows and chain heads as the manifest says: the file is
        # intact, and the records were sealed with another key than this server's.
        report.problems.append(
            "备份的行数和链头与清单一致，而每条审计链从第 1 条起都不符：多半是本服务器的密钥与备份时不同，"
            "请确认 GONGKAI_SECRET_KEY（及 GONGKAI_OLD_SECRET_KEYS）与原服务器一致后重新恢复。"
        )
    return report
