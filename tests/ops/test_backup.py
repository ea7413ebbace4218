"""``gongkai backup`` / ``gongkai restore``: a copy taken while writes go on restores to exactly what the manifest
says, every row of every table equal, on the database the suite runs on."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from app.audit import service as audit_service
from app.backup import service
from app.cli import cli
from app.db import make_engine, make_session_factory, transaction
from app.models import Base
from app.settings import Settings

URL = "/api/v1/cases"


def rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, ordered by primary key."""
    engine = make_engine(Settings(database_url=url, environment="test"))
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            return {
                t.name: [tuple(r) for r in connection.execute(select(t).order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables
                if t.name in present
            }
    finally:
        engine.dispose()


@pytest.fixture
def run(monkeypatch):
    runner = CliRunner()

    def invoke(url: str, *args: str):
        monkeypatch.setenv("GONGKAI_DATABASE_URL", url)
        return runner.invoke(cli, list(args))

    return invoke


@pytest.fixture
def target(databases):
    """An empty database to restore into (a new SQLite file, or a new PostgreSQL database)."""
    url = databases.fresh()
    yield url
    databases.drop(url)


def test_round_trip_restores_every_row_and_verifies(data, settings, run, target, tmp_path):
    file = tmp_path / "gongkai.backup"
    made = run(settings.database_url, "backup", str(file))
    assert made.exit_code == 0, made.output
    assert "已备份到" in made.output
    manifest = json.loads(service.manifest_path(file).read_text(encoding="utf-8"))
    assert manifest["counts"]["disclosure_case"] == 8
    assert manifest["counts"]["case_review"] == 4
    assert manifest["counts"]["case_event"] > 16
    assert set(manifest["audit_chains"]) >= {"a1", "a2"}
    assert manifest["audit_chains"]["a1"]["records"] == manifest["audit_chains"]["a1"]["head_seq"] > 10
    assert manifest["sha256"] == service.sha256_of(file)
    assert manifest["schema_revision"]

    restored = run(target, "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert "与清单一致" in restored.output
    original, copy = rows(settings.database_url), rows(target)
    assert set(original) == set(copy)
    for table in original:
        assert copy[table] == original[table], table
    assert sum(len(r) for r in original.values()) > 200
    assert run(target, "audit", "verify").exit_code == 0


def test_restore_refuses_a_non_empty_target_unless_forced(data, settings, run, tmp_path):
    file = tmp_path / "b.backup"
    assert run(settings.database_url, "backup", str(file)).exit_code == 0
    assert run(settings.database_url, "backup", str(file)).exit_code == 1  # never overwrites silently
    open_case = 4  # a1's case received 03-05, still open
    withdrawn = data.client.post(f"{URL}/{open_case}/withdrawal", json={"on": "2026-03-25"}, headers=data.headers("a1"))
    assert withdrawn.status_code == 200, withdrawn.text
    refused = run(settings.database_url, "restore", str(file))
    assert refused.exit_code == 1
    assert "--force" in refused.output
    data.client.app.state.engine.dispose()
    forced = run(settings.database_url, "restore", str(file), "--force")
    assert forced.exit_code == 0, forced.output
    case = data.client.get(f"{URL}/{open_case}", headers=data.headers("a1")).json()
    assert case["status"] != "concluded"  # the withdrawal after the backup is gone with the rest


def test_a_damaged_or_foreign_backup_is_refused(make_case, settings, run, target, tmp_path):
    make_case()
    file = tmp_path / "b.backup"
    assert run(settings.database_url, "backup", str(file)).exit_code == 0
    with file.open("r+b") as f:
        f.seek(200)
        f.write(b"\xff")
    damaged = run(target, "restore", str(file))
    assert damaged.exit_code == 1
    assert "SHA-256" in damaged.output
    missing = run(target, "restore", str(tmp_path / "none.backup"))
    assert missing.exit_code == 1
    assert "清单" in missing.output


def test_backup_while_clients_write_is_consistent(api, make_case, settings, run, target, tmp_path):
    """The copy is one snapshot: its manifest, its rows and its chains agree although writes never stopped."""
    make_case()
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        while not stop.is_set():
            body = {
                "agency": "a1",
                "applicant": {"type": "natural_person", "name": "李四"},
                "channel": "in_person",
                "receipt": {"submitted_on": "2026-11-02"},
                "request": {"description": "并发写入"},
            }
            headers = {**api.headers("a1"), "Idempotency-Key": uuid.uuid4().hex}
            if api.client.post(URL, json=body, headers=headers).status_code == 201:
                written.append(1)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            threading.Event().wait(0.05)
        made = run(settings.database_url, "backup", str(tmp_path / "live.backup"))
        count_at_backup = len(written)
        while len(written) < count_at_backup + 5:
            threading.Event().wait(0.05)
    finally:
        stop.set()
        thread.join()
    assert made.exit_code == 0, made.output
    restored = run(target, "restore", str(tmp_path / "live.backup"))
    assert restored.exit_code == 0, restored.output
    manifest = service.read_manifest(tmp_path / "live.backup")
    engine = make_engine(Settings(database_url=target, environment="test"))
    try:
        with transaction(make_session_factory(engine)) as session:
            assert audit_service.verify(session)[1] == []
    finally:
        engine.dispose()
    assert 1 + 5 <= manifest["counts"]["disclosure_case"] < 1 + len(written)
    assert len(rows(target)["disclosure_case"]) == manifest["counts"]["disclosure_case"]


def test_restore_of_a_backup_to_the_other_database_kind_is_refused(make_case, settings, run, tmp_path):
    make_case()
    file = tmp_path / "b.backup"
    assert run(settings.database_url, "backup", str(file)).exit_code == 0
    manifest = json.loads(service.manifest_path(file).read_text(encoding="utf-8"))
    other = "sqlite:///" + str(tmp_path / "other.db") if manifest["backend"] == "postgresql" else None
    if other is None:
        other = "postgresql+psycopg://postgres@127.0.0.1:1/none"
    refused = run(other, "restore", str(file))
    assert refused.exit_code == 1
    assert "不能恢复到" in refused.output
    assert not Path(tmp_path / "other.db").exists()


def test_restoring_with_another_servers_key_says_to_check_the_key(data, settings, run, target, tmp_path, monkeypatch):
    """The backup is intact and the rows are all there, but every chain fails from its first record: the message was
    that records had been tampered with (found by a probe); it says to check the key."""
    file = tmp_path / "gongkai.backup"
    assert run(settings.database_url, "backup", str(file)).exit_code == 0
    monkeypatch.setenv("GONGKAI_SECRET_KEY", "another-servers-key-" + "x" * 40)
    monkeypatch.setenv("GONGKAI_SECRET_KEY_ID", "other")
    restored = run(target, "restore", str(file))
    assert restored.exit_code == 1, restored.output
    assert "GONGKAI_SECRET_KEY" in restored.output
