"""Item 8: the audit chain is keyed (HMAC with the key from settings, outside the database), so recomputing the
documented hashes no longer passes; anchors written outside the database catch a truncated tail and rewrites since;
chains from before the key are verified as they were and then sealed under it."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from app.audit import service as audit
from app.cli import cli
from app.db import transaction
from app.models import AuditChainHead, AuditRecord


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    return lambda *args: CliRunner().invoke(cli, ["audit", *args])


def _chain(session, name="a1"):
    return list(session.scalars(select(AuditRecord).where(AuditRecord.chain == name).order_by(AuditRecord.seq)))


def _rewrite_from(session, rows, start):
    """What anyone who can write the database and read the documentation can do: recompute the plain SHA-256 of
    every record from ``start`` and move the head."""
    prev = rows[start - 1].hash if start else audit.GENESIS
    for row in rows[start:]:
        row.prev_hash = prev
        row.hash = prev = hashlib.sha256(audit.canonical(row)).hexdigest()
    session.execute(update(AuditChainHead).where(AuditChainHead.chain == "a1").values(hash=prev))


def test_every_new_record_is_keyed(api, make_case):
    make_case()
    with transaction(api.factory) as session:
        rows = _chain(session)
    assert rows
    assert {r.key_id for r in rows} == {"dev"}
    assert all(r.hash != hashlib.sha256(audit.canonical(r)).hexdigest() for r in rows)


def test_recomputing_the_documented_hashes_is_detected(api, make_case, run):
    make_case()
    make_case()
    with transaction(api.factory) as session:
        rows = _chain(session)
        rows[2].after = {**rows[2].after, "applicant_name": "李四"}
        _rewrite_from(session, rows, 2)
    result = run("verify")
    assert result.exit_code == 1, result.output
    with transaction(api.factory) as session:
        rows = _chain(session)
        for row in rows:
            row.key_id = None  # a downgrade to the unkeyed form does not help either
        _rewrite_from(session, rows, 0)
    assert run("verify").exit_code == 1


def test_an_anchor_detects_a_truncated_tail_and_a_rewrite_since(api, make_case, run, tmp_path):
    make_case()
    make_case()
    anchor = tmp_path / "heads.jsonl"
    written = run("anchor", "--output", str(anchor))
    assert written.exit_code == 0, written.output
    heads = [json.loads(line) for line in anchor.read_text().splitlines()]
    assert {"chain", "seq", "hash", "at", "key_id", "mac"} <= set(heads[0])
    assert run("verify", "--anchor", str(anchor)).exit_code == 0
    printed = run("anchor")
    assert printed.exit_code == 0
    assert json.loads(printed.stdout.splitlines()[0])["chain"]
    with transaction(api.factory) as session:
        rows = _chain(session)
        last = rows[-3]
        session.execute(delete(AuditRecord).where(AuditRecord.id.in_([r.id for r in rows[-2:]])))
        session.execute(update(AuditChainHead).where(AuditChainHead.chain == "a1").values(seq=last.seq, hash=last.hash))
    assert run("verify").exit_code == 0  # without an anchor a cut tail with a moved head cannot be told
    caught = run("verify", "--anchor", str(anchor))
    assert caught.exit_code == 1
    assert "截断" in caught.output
    forged = anchor.read_text().replace(heads[0]["hash"], "0" * 64)
    anchor.write_text(forged)
    assert "锚点" in run("verify", "--anchor", str(anchor)).output


def test_chains_from_before_the_key_are_verified_then_sealed(api, make_case, run):
    make_case()
    with transaction(api.factory) as session:
        rows = _chain(session)
        for row in rows:
            row.key_id = None
        _rewrite_from(session, rows, 0)  # as version 0008 wrote them
    refused = run("verify")
    assert refused.exit_code == 1
    assert "未加密钥" in refused.output
    with transaction(api.factory) as session:
        sealed, broken = audit.seal_unkeyed(session)
    assert (sealed, broken) == (["a1"], [])
    assert run("verify").exit_code == 0
    with transaction(api.factory) as session:
        assert {r.key_id for r in _chain(session)} == {"dev"}


def test_a_broken_unkeyed_chain_is_not_sealed(api, make_case):
    make_case()
    with transaction(api.factory) as session:
        rows = _chain(session)
        for row in rows:
            row.key_id = None
        _rewrite_from(session, rows, 0)
        rows[0].actor = "someone-else"
    with transaction(api.factory) as session:
        sealed, broken = audit.seal_unkeyed(session)
    assert (sealed, [b.chain for b in broken]) == ([], ["a1"])
