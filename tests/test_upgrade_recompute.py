"""Migration 0008 removes the ``restart`` fee-wait policy (国办函〔2020〕109号 第七条: the wait is a pause, the only
rule): an agency that had chosen it is moved to the pause, and ``gongkai db upgrade`` recomputes its open cases
through the seam a calendar import uses, listing the moved dates and noting them in the timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import inspect

from app import migrate
from app.cli import prepare_database
from app.db import make_engine
from app.settings import Settings

NOW = datetime(2025, 3, 13, tzinfo=UTC)


def _old_case(connection: sa.Connection) -> int:
    """Agency ``r`` (restart policy) and its case received Monday 2025-03-03: fee notice 03-06, paid 03-12. Under
    the old restart rule the period began again on 03-12: due 04-02 (15) and 04-10 (20)."""
    agency = sa.table(
        "agency",
        *(sa.column(c) for c in ("id", "code", "name", "reply_days", "fee_wait_rule")),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    case = sa.table(
        "disclosure_case",
        *(
            sa.column(c)
            for c in (
                "id", "agency_id", "year", "seq", "number", "applicant_type", "applicant_name", "channel",
                "request_description", "status", "paused", "provisional", "calendar_version", "version", "created_by",
            )
        ),
        *(
            sa.column(c, sa.Date())
            for c in ("submitted_on", "received_date", "clock_start", "due_date", "statutory_due_date",
                      "correction_notice_due")
        ),
        *(sa.column(c, sa.DateTime(timezone=True)) for c in ("created_at", "updated_at")),
    )  # fmt: skip
    event = sa.table(
        "case_event",
        *(sa.column(c) for c in ("case_id", "seq", "type", "actor")),
        sa.column("on", sa.Date()),
        sa.column("data", sa.JSON()),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
    )
    connection.execute(
        agency.insert().values(code="r", name="r", reply_days=15, fee_wait_rule="restart", created_at=NOW)
    )
    agency_id = connection.execute(sa.select(agency.c.id).where(agency.c.code == "r")).scalar_one()
    connection.execute(
        case.insert().values(
            agency_id=agency_id, year=2025, seq=1, number="2025-0001", applicant_type="natural_person",
            applicant_name="张三", channel="in_person", request_description="x", status="open", paused=False,
            provisional=False, calendar_version=0, version=1, created_by="t", submitted_on=date(2025, 3, 3),
            received_date=date(2025, 3, 3), clock_start=date(2025, 3, 12), due_date=date(2025, 4, 2),
            statutory_due_date=date(2025, 4, 10), correction_notice_due=date(2025, 3, 12), created_at=NOW,
            updated_at=NOW,
        )
    )  # fmt: skip
    case_id: int = connection.execute(sa.select(case.c.id).where(case.c.number == "2025-0001")).scalar_one()
    for seq, (kind, on, data) in enumerate(
        [
            ("received", date(2025, 3, 3), {"channel": "in_person"}),
            ("fee_notice_sent", date(2025, 3, 6), {"amount": 100}),
            ("fee_paid", date(2025, 3, 12), {"amount": 100}),
        ],
        1,
    ):
        connection.execute(
            event.insert().values(case_id=case_id, seq=seq, type=kind, on=on, data=data, actor="t", recorded_at=NOW)
        )
    return case_id


def test_upgrade_moves_restart_agencies_to_the_pause_and_recomputes(databases, capsys):
    url = databases.fresh()
    settings = Settings(database_url=url, environment="test")
    engine = make_engine(settings)
    try:
        migrate.upgrade(engine, "0007")
        with engine.begin() as connection:
            case_id = _old_case(connection)
        prepare_database(settings)
        out = capsys.readouterr().out
        assert "2025-0001: 本机关答复期限 2025-04-02 → 2025-03-31" in out
        assert "法定答复期限 2025-04-10 → 2025-04-08" in out
        assert "期限变化的在办申请：1 件。" in out
        assert "fee_wait_rule" not in {c["name"] for c in inspect(engine).get_columns("agency")}
        with engine.connect() as connection:
            row = connection.execute(
                sa.text("SELECT due_date, statutory_due_date, clock_start FROM disclosure_case WHERE id = :id"),
                {"id": case_id},
            ).one()
            last = connection.execute(
                sa.text("SELECT type, actor, data FROM case_event WHERE case_id = :id ORDER BY seq DESC"),
                {"id": case_id},
            ).first()
        assert [str(d) for d in row] == ["2025-03-31", "2025-04-08", "2025-03-03"]
        assert last is not None
        assert (last.type, last.actor) == ("deadlines_recomputed", "system:upgrade")
        assert '"rules"' in str(last.data) or "'rules'" in str(last.data)

        prepare_database(settings)  # nothing new to apply: nothing recomputed, nothing listed
        assert "期限变化" not in capsys.readouterr().out
    finally:
        engine.dispose()
        databases.drop(url)


def test_upgrade_to_0019_records_the_breaches_and_marks_the_letters(api, make_case, settings, capsys):
    """A database at 0017 whose open case had its correction asked for after the statutory deadline (received
    2025-09-22, due by law 10-24, notice 10-27) and a receipt letter to a natural person: ``gongkai db upgrade``
    records the breach (0018, noted in the timeline and listed) and makes the letter personal (0019)."""
    case = make_case(received="2025-09-22")
    api.clock.today = date(2025, 10, 28)
    body = {"on": "2025-10-27", "until": "2025-11-10", "items": "请写明年份"}
    url = f"/api/v1/cases/{case['id']}/correction-request"
    assert api.client.post(url, json=body, headers=api.headers("a1")).status_code == 200
    letter = api.client.post(f"/api/v1/cases/{case['id']}/letters", json={"kind": "receipt"}, headers=api.headers("a1"))
    assert letter.json()["personal"] is True
    engine = make_engine(settings)
    try:
        migrate.downgrade(engine, "0017")
        assert "statutory_breached_on" not in {c["name"] for c in inspect(engine).get_columns("disclosure_case")}
        prepare_database(settings)
        assert "补正告知前已届满的法定期限 — → 2025-10-24" in capsys.readouterr().out
        with engine.connect() as connection:
            breached = connection.execute(
                sa.text("SELECT statutory_breached_on FROM disclosure_case WHERE id = :id"), {"id": case["id"]}
            ).scalar_one()
            personal = connection.execute(
                sa.text("SELECT personal FROM case_document WHERE id = :id"), {"id": letter.json()["id"]}
            ).scalar_one()
        assert str(breached) == "2025-10-24"
        assert bool(personal) is True
    finally:
        engine.dispose()
