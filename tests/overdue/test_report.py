"""The overdue report: API content, the nightly command's once-a-day delivery, its diff and its events."""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import cli
from app.db import transaction
from app.models import OutboxEvent, OverdueRun
from app.overdue import service

AS_OF = "2026-11-30"  # a Monday


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args))


@pytest.fixture
def cases(make_case):
    """An old case past both deadlines, and a new one whose correction-notice window closes on 2026-12-03."""
    old = make_case(received="2026-03-02", external_ref="OA-1", handler="王五")
    new = make_case(received="2026-11-24", external_ref="OA-2")
    return old, new


def kinds(items):
    return {(i["case_number"], i["kind"]) for i in items}


def test_api_report_lists_findings_with_the_json_contract(api, cases):
    old, new = cases
    response = api.client.get(f"/api/v1/reports/overdue?as_of={AS_OF}", headers=api.headers("a1"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["as_of"] == AS_OF
    assert body["run_id"] is None
    assert kinds(body["items"]) == {
        (old["number"], "statutory_overdue"),
        (old["number"], "overdue"),
        (new["number"], "correction_notice_due"),
    }
    item = next(i for i in body["items"] if i["kind"] == "overdue")
    assert item["external_ref"] == "OA-1"
    assert item["agency"] == "a1"
    assert item["due_date"] == old["deadline"]["due_date"]
    assert item["working_days"] < 0
    assert item["handler"] == "王五"
    assert item["status_label"] == "办理中"
    notice = next(i for i in body["items"] if i["kind"] == "correction_notice_due")
    assert (notice["due_date"], notice["working_days"]) == ("2026-12-03", 3)


def test_api_report_is_scoped(api, cases):
    api.agency("b2")
    assert api.client.get("/api/v1/reports/overdue", headers=api.headers("b2")).json()["items"] == []
    missing = api.client.get("/api/v1/reports/overdue?agency=a1", headers=api.headers("b2"))
    assert missing.status_code == 404
    assert missing.json()["code"] == "agency_not_found"


def test_nightly_run_delivers_once_then_reports_changes(api, cases, run, tmp_path, factory):
    old, _ = cases
    out = f"{tmp_path}/reports/"
    first = run("report", "overdue", "--as-of", AS_OF, "--format", "json", "--output", out)
    assert first.exit_code == 0, first.output
    report = json.loads((tmp_path / "reports" / f"overdue-all-{AS_OF}.json").read_text())
    assert report["run_id"] == 1
    assert report["changes"]["since_run_id"] is None
    assert len(report["changes"]["new"]) == len(report["items"]) == 3

    again = run("report", "overdue", "--as-of", AS_OF, "--format", "json", "--output", out)
    assert again.exit_code == 0
    assert f"{AS_OF} 的期限报告已交付（运行 #1）" in again.output

    forced = run("report", "overdue", "--as-of", AS_OF, "--format", "json", "--output", out, "--force")
    assert forced.exit_code == 0, forced.output

    concluded = api.client.post(
        f"/api/v1/cases/{old['id']}/conclusion",
        json={"on": "2026-11-27", "disposition": "disclosed"},
        headers=api.headers("a1"),
    )
    assert concluded.status_code == 200, concluded.text
    nxt = run("report", "overdue", "--as-of", "2026-12-01", "--format", "json")
    assert nxt.exit_code == 0, nxt.output
    changes = json.loads(nxt.stdout)["changes"]
    assert changes["since_run_id"] == 1
    assert changes["new"] == []
    assert kinds(changes["resolved"]) == {(old["number"], "overdue"), (old["number"], "statutory_overdue")}

    with transaction(factory) as session:
        runs = session.scalars(select(OverdueRun).order_by(OverdueRun.id)).all()
        assert [(r.as_of.isoformat(), r.status, r.item_count) for r in runs] == [
            (AS_OF, "delivered", 3),
            ("2026-12-01", "delivered", 1),
        ]
        events = [e.type for e in session.scalars(select(OutboxEvent).order_by(OutboxEvent.created_at))]
    # --force re-delivers the day's report as it was, announcements included; the next day announces nothing new
    assert events.count("case.overdue") == 4
    assert events.count("report.generated") == 3
    # Another window the same day is a file of its own, not the first one's replaced
    wider = run("report", "overdue", "--as-of", AS_OF, "--due-within", "5", "--format", "json", "--output", out)
    assert wider.exit_code == 0, wider.output
    assert json.loads((tmp_path / "reports" / f"overdue-all-{AS_OF}-within5.json").read_text())["due_within"] == 5
    assert json.loads((tmp_path / "reports" / f"overdue-all-{AS_OF}.json").read_text())["run_id"] == 1


def test_text_csv_and_xlsx(cases, run, tmp_path):
    text = run("report", "overdue", "--as-of", AS_OF, "--agency", "a1")
    assert text.exit_code == 0, text.output
    assert "!!! 超过法定答复期限" in text.stdout
    assert "【违法超期】" in text.stdout
    assert "承办人：王五" in text.stdout
    csv = run("report", "overdue", "--as-of", AS_OF, "--format", "csv", "--due-within", "2", "--force")
    assert csv.exit_code == 0
    assert csv.stdout.lstrip("\ufeff").startswith("case_number,external_ref,agency,kind")
    xlsx = tmp_path / "r.xlsx"
    result = run("report", "overdue", "--as-of", AS_OF, "--format", "xlsx", "--output", str(xlsx), "--due-within", "1")
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(xlsx).worksheets[0].values)
    assert rows[0][0] == "申请编号"
    assert len(rows) == 1 + 2  # the correction notice (3 days away) is outside a 1-day window


def test_unknown_agency_and_unreachable_database(run, monkeypatch, cases):
    unknown = run("report", "overdue", "--agency", "nope")
    assert unknown.exit_code == 2
    assert "agency_not_found" in unknown.output
    monkeypatch.setenv("GONGKAI_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    down = run("report", "overdue")
    assert down.exit_code == 1
    assert "无法连接数据库" in down.output


def test_two_copies_at_once_deliver_once(factory, cases):
    key = service.RunKey(date(2026, 11, 30), "*", 3)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def claim() -> None:
        barrier.wait()
        try:
            with transaction(factory) as session:
                outcomes.append(f"claimed #{service.claim_run(session, key, 'test').id}")
        except service.RunExists as exc:
            outcomes.append(exc.detail)

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["2026-11-30 的期限报告正在生成（运行 #1），本次不再重复交付。", "claimed #1"]


def test_a_finding_is_announced_once_a_day_whatever_the_scope_or_window(api, cases, run, factory):
    """The nightly run over every agency, then one agency's, then a longer window, the same day: subscribers are told
    of each finding once (they were told three times: found by a probe); a report of a past day tells nothing."""
    for args in ((), ("--agency", "a1"), ("--due-within", "5")):
        done = run("report", "overdue", "--as-of", AS_OF, "--format", "json", *args)
        assert done.exit_code == 0, done.output
    past = run("report", "overdue", "--as-of", "2026-11-27", "--format", "json")
    assert past.exit_code == 0, past.output
    with transaction(factory) as session:
        events = [e.type for e in session.scalars(select(OutboxEvent))]
    assert events.count("case.overdue") == 2  # the old case's two deadlines, once each
    assert events.count("report.generated") == 4  # each run still delivers its own report


def test_two_runs_of_other_scopes_at_once_announce_each_finding_once(api, cases, factory):
    """The nightly run and one agency's, completing at once on PostgreSQL, each did not see the other delivered and
    both announced the agency's findings (found by a probe). Runs now complete one at a time."""
    from tests.api.test_concurrency import _in_thread, _until_another_waits_on_a_lock

    with transaction(factory) as session:
        every = service.claim_run(session, service.RunKey(date(2026, 11, 30), service.ALL_AGENCIES, 3), "test").id
    with transaction(factory) as session:
        one = service.claim_run(session, service.RunKey(date(2026, 11, 30), "a1", 3), "test").id
    with transaction(factory) as session:
        service.complete_run(session, every)

        def other() -> None:
            with transaction(factory) as second:
                service.complete_run(second, one)

        thread, _ = _in_thread(other)
        _until_another_waits_on_a_lock(session)
    thread.join()
    with transaction(factory) as session:
        events = session.scalars(select(OutboxEvent).where(OutboxEvent.type == "case.overdue")).all()
        told = [(e.payload["case_number"], e.payload["kind"]) for e in events]
    assert told
    assert len(told) == len(set(told)), told
