"""Attachments survive ``gongkai backup`` and ``gongkai restore`` byte for byte, on the database the suite runs on."""

from __future__ import annotations

import os

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from app.backup import service as backup_service
from app.db import make_engine
from app.models import CaseDocument
from app.settings import Settings

CONTENT = b"%PDF-1.7\n" + os.urandom(200_000) + b"\x00\xff\n%%EOF\n"


def test_attachments_survive_backup_and_restore(api, make_case, settings, databases, tmp_path):
    case = make_case()
    uploaded = api.client.post(
        f"/api/v1/cases/{case['id']}/documents",
        files={"file": ("证据.pdf", CONTENT, "application/pdf")},
        data={"kind": "information_provided"},
        headers=api.headers("a1"),
    )
    assert uploaded.status_code == 201, uploaded.text
    file = tmp_path / "gongkai.backup"
    backup_service.backup(settings, file)
    target = databases.fresh()
    try:
        restored = Settings(database_url=target, environment="test")
        backup_service.restore(restored, file)
        engine = make_engine(restored)
        try:
            with Session(engine) as session:
                row = session.scalars(
                    select(CaseDocument)
                    .where(CaseDocument.id == uploaded.json()["id"])
                    .options(undefer(CaseDocument.content))
                ).one()
                assert row.content == CONTENT
                assert row.sha256 == uploaded.json()["sha256"]
        finally:
            engine.dispose()
    finally:
        databases.drop(target)
