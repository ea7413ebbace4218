"""Migrations under data: a database at the oldest revision (0001), holding real cases written with the SQL of that
revision, is upgraded to head and then serves exactly what it held.

The rows are made realistic by the application itself: cases with their steps and reviews are created on a database
at head, and their rows, restricted to the columns that exist at 0001, are inserted into a database migrated to 0001
only. After ``upgrade head`` every case, event and review reads back through the API as it does on the original,
a new case takes the next number, a step on an old case is accepted, and the audit trail verifies.
"""

from __future__ import annotations

from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, insert, select, text

from app import migrate
from app.audit import service as audit_service
from app.backup.repository import revision
from app.db import make_engine, make_session_factory, transaction
from app.deps import get_today
from app.main import create_app
from app.settings import Settings
from tests.ops.conftest import URL

OLDEST = "0001"
TABLES = ("agency", "calendar_year", "calendar_day", "api_token", "case_counter", "disclosure_case", "case_event")
TABLES_AFTER = ("case_review",)
DROPPED = {"agency": {"fee_wait_rule": "pause"}}
"""Columns of 0001 that a later revision dropped (0008: the fee wait is a pause, the only rule), with the value the
old rows held."""


def test_upgrade_from_the_oldest_revision_keeps_every_case(data, settings, databases):
    url = databases.fresh()
    old = make_engine(Settings(database_url=url, environment="test"))
    source = make_engine(settings)
    try:
        migrate.upgrade(old, OLDEST)
        at_oldest = MetaData()
        at_oldest.reflect(old)
        current = MetaData()
        current.reflect(source)
        with source.connect() as read, old.begin() as write:
            for name in (*TABLES, *TABLES_AFTER):
                gone = DROPPED.get(name, {})
                columns = [c.name for c in at_oldest.tables[name].columns if c.name not in gone]
                rows = read.execute(select(*(current.tables[name].c[c] for c in columns))).mappings().all()
                assert rows or name == "case_counter", name
                if rows:
                    write.execute(insert(at_oldest.tables[name]), [{**r, **gone} for r in rows])
                if rows and "id" in columns and write.dialect.name == "postgresql":
                    # as if the rows had been inserted one by one: the id sequence stands after the last id
                    write.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}"))
        migrate.upgrade(old)
        with old.connect() as connection:
            assert revision(connection) == ScriptDirectory.from_config(migrate.alembic_config(old)).get_current_head()
    finally:
        old.dispose()
        source.dispose()

    upgraded = create_app(Settings(database_url=url, environment="test"))
    upgraded.dependency_overrides[get_today] = lambda: data.clock.today
    with TestClient(upgraded, raise_server_exceptions=False) as client:
        for agency in ("a1", "a2"):
            headers = data.headers(agency)  # the tokens were copied with the agencies
            mine = data.client.get(f"{URL}?page_size=100&sort=number", headers=headers).json()
            theirs = client.get(f"{URL}?page_size=100&sort=number", headers=headers).json()
            assert theirs == mine
            assert theirs["total"] == 4
            for case in mine["items"]:
                original = data.client.get(f"{URL}/{case['id']}", headers=headers)
                copy = client.get(f"{URL}/{case['id']}", headers=headers)
                assert copy.status_code == 200, copy.text
                assert copy.json() == original.json()
                assert copy.headers["ETag"] == original.headers["ETag"]
        headers = data.headers("a1")
        body = {
            "agency": "a1",
            "applicant": {"type": "legal_service_org", "name": "某律师事务所"},
            "channel": "in_person",
            "receipt": {"submitted_on": "2026-03-09"},
            "request": {"description": "升级后的新申请"},
        }
        created = client.post(URL, json=body, headers=headers)
        assert created.status_code == 201, created.text
        assert created.json()["number"] == "2026-0005"  # the counter carried over: no gap, no reuse
        still_open = next(
            c for c in client.get(f"{URL}?page_size=100", headers=headers).json()["items"] if c["status"] != "concluded"
        )
        step = client.post(f"{URL}/{still_open['id']}/withdrawal", json={"on": "2026-03-25"}, headers=headers)
        assert step.status_code == 200, step.text
    engine = make_engine(Settings(database_url=url, environment="test"))
    try:
        with transaction(make_session_factory(engine)) as session:
            names, breaks = audit_service.verify(session)
        assert names
        assert breaks == []
    finally:
        engine.dispose()
        databases.drop(url)
