"""The ``gongkai`` command against a real test database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import migrate
from app.cli import cli, first_run, main, openapi_json
from app.db import transaction
from app.main import create_app


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("GONGKAI_DATABASE_URL", settings.database_url)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args))

    return invoke


def test_agency_token_and_import(run, tmp_path, api):
    assert run("agency", "create", "--code", "nrb", "--name", "自然资源局").exit_code == 0
    assert run("agency", "create", "--code", "nrb-a", "--name", "分局", "--parent", "nrb").exit_code == 0
    duplicate = run("agency", "create", "--code", "nrb", "--name", "x")
    assert duplicate.exit_code == 2
    assert "agency_exists" in duplicate.output
    token = run("token", "create", "--agency", "nrb", "--role", "integration", "--name", "oa-prod")
    assert token.exit_code == 0
    plain = token.stdout.strip().splitlines()[-1]
    assert plain.startswith("gk_")

    good = [
        {
            "agency": "nrb",
            "applicant_type": "natural_person",
            "applicant_name": "甲",
            "channel": "online",
            "received_date": "2020-03-02",
            "concluded_date": "2020-03-20",
            "disposition": "unavailable.not_held",
            "reviews": [{"kind": "review", "filed_date": "2020-05-06", "outcome": "other"}],
        },
        {
            "agency": "nrb",
            "applicant_type": "commercial_enterprise",
            "applicant_name": "乙",
            "channel": "post",
            "received_date": "2026-03-02",
            "external_ref": "OLD-7",
            "events": [
                {
                    "type": "extension_granted",
                    "date": "2026-03-20",
                    "days": 10,
                    "approver": "王",
                    "notice_on": "2026-03-20",
                }
            ],
        },
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in good) + "\n", encoding="utf-8")
    imported = run("cases", "import", str(path))
    assert imported.exit_code == 0, imported.output
    assert "已导入 2 件" in imported.output

    listed = api.client.get(
        "/api/v1/cases", params={"sort": "received_date"}, headers={"Authorization": f"Bearer {plain}"}
    )
    items = listed.json()["items"]
    assert [i["status"] for i in items] == ["concluded", "open"]
    assert items[1]["deadline"]["due_date"] == "2026-04-07"  # 15 + 10 working days after 2026-03-02 (04-06 off)


def test_import_is_all_or_nothing_with_line_numbers(run, tmp_path, api):
    run("agency", "create", "--code", "nrb", "--name", "自然资源局")
    lines = [
        json.dumps(
            {
                "agency": "nrb",
                "applicant_type": "natural_person",
                "applicant_name": "甲",
                "channel": "fax",
                "received_date": "2026-03-02",
            }
        ),
        "{broken",
        json.dumps(
            {
                "agency": "nrb",
                "applicant_type": "martian",
                "applicant_name": "乙",
                "channel": "fax",
                "received_date": "2026-03-02",
            }
        ),
        json.dumps(
            {
                "agency": "nrb",
                "applicant_type": "natural_person",
                "applicant_name": "丙",
                "channel": "fax",
                "received_date": "2026-03-02",
                "concluded_date": "2026-02-01",
                "disposition": "disclosed",
            }
        ),
        json.dumps(
            {
                "agency": "nrb",
                "applicant_type": "natural_person",
                "applicant_name": "丁",
                "channel": "fax",
                "received_date": "2026-03-02",
                "concluded_date": "2026-03-05",
                "disposition": "withheld",
            }
        ),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run("cases", "import", str(path))
    assert result.exit_code == 1
    for number, code in (
        (2, "json_invalid"),
        (3, "validation_failed"),
        (4, "event_before_receipt"),
        (5, "disposition_reason_required"),
    ):
        assert f"第{number}行 [{code}]" in result.output
    assert "第1行" not in result.output
    token = run("token", "create", "--agency", "nrb", "--role", "auditor").stdout.strip().splitlines()[-1]
    assert api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).json()["total"] == 0


def test_calendar_import_from_csv(run, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-01-09,makeup_workday,调休\n", encoding="utf-8")
    result = run("calendar", "import", str(path), "--source", "国办发明电〔2026〕99号")
    assert result.exit_code == 0, result.output
    shown = run("calendar", "show", "2027")
    assert "2027-01-09  调休上班日  调休" in shown.output
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind\n2027-01-06,makeup_workday\n", encoding="utf-8")
    refused = run("calendar", "import", str(bad))
    assert refused.exit_code == 2
    assert "calendar_invalid" in refused.output


def test_an_operators_mistake_is_told_in_chinese_and_changes_nothing(run, tmp_path, api):
    """What a probe found as tracebacks (a GBK file as Excel and WPS save it, a missing file, numbers past what the
    database holds, a NUL that PostgreSQL cannot store) or as silently accepted (control characters kept on SQLite, a
    token that had expired when it was issued, a year no notice can be for): each a refusal with its code, exit 2."""
    assert run("agency", "create", "--code", "nrb", "--name", "自然资源局").exit_code == 0
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("date,kind,name\n2031-01-01,holiday,元旦\n".encode("gbk"))
    nul = tmp_path / "nul.csv"
    nul.write_text("date,kind,name\n2031-01-01,holiday,元\x00旦\n", encoding="utf-8")
    escape = tmp_path / "escape.json"
    escape.write_text(json.dumps({"year": 2032, "source": "国办\u202e", "holidays": ["2032-01-01"]}), "utf-8")
    far = tmp_path / "far.json"
    far.write_text(json.dumps({"year": 10**20, "source": "国办", "holidays": []}), "utf-8")
    huge = tmp_path / "huge.csv"
    huge.write_text("date,kind,name\n2031-01-01,holiday," + "元" * 200_000 + "\n", encoding="utf-8")
    ancient = tmp_path / "ancient.csv"
    ancient.write_text("date,kind,name\n0001-01-01,holiday,x\n", encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    cases.write_bytes('{"agency": "nrb", "applicant_name": "张三"}\n'.encode("gbk"))
    for args, code in (
        (("calendar", "import", str(gbk), "--source", "国办"), "file_not_utf8"),
        (("calendar", "import", str(tmp_path / "missing.csv")), "file_not_found"),
        (("calendar", "import", str(nul), "--source", "国办"), "calendar_day_name_invalid"),
        (("calendar", "import", str(escape)), "calendar_source_invalid"),
        (("calendar", "import", str(far)), "calendar_year_invalid"),
        (("calendar", "import", str(huge), "--source", "国办"), "calendar_file_invalid"),
        (("calendar", "import", str(ancient), "--source", "国办"), "calendar_year_invalid"),
        (("cases", "import", str(cases)), "file_not_utf8"),
        (("calendar", "show", str(10**20)), "calendar_year_not_loaded"),
        (("report", "annual", "--year", "99999", "--agency", "nrb"), "report_year_unsupported"),
        (("token", "create", "--agency", "nrb", "--role", "clerk", "--expires-days", "-5"), "token_expiry_invalid"),
        (
            ("token", "create", "--agency", "nrb", "--role", "clerk", "--expires-days", str(10**20)),
            "token_expiry_invalid",
        ),
    ):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output, result.exception)
        assert code in result.output, (args, result.output)
        assert "Traceback" not in result.output
    for year in ("2031", "2032"):
        assert run("calendar", "show", year).exit_code == 2  # nothing was imported
    issued = run("token", "create", "--agency", "nrb", "--role", "clerk", "--expires-days", "30")
    assert issued.exit_code == 0, issued.output


def test_calendar_show_names_the_seeded_holidays_in_chinese(run, api):
    shown = run("calendar", "show", "2026")
    assert shown.exit_code == 0, shown.output
    assert "2026-10-01  法定节假日  国庆节" in shown.output
    assert "National Day" not in shown.output
    assert "国庆节调休" in shown.output


def test_committed_openapi_is_current(settings):
    committed = (Path(__file__).parent.parent / "openapi" / "openapi.json").read_text("utf-8")
    assert committed == openapi_json(create_app(settings)), (
        "openapi/openapi.json is stale: run `gongkai openapi export`"
    )


def test_first_run_creates_an_administrator_once(api):
    with transaction(api.factory) as session:
        printed = first_run(session)
    assert printed is not None
    password = next(line for line in printed.splitlines() if line.startswith("密码：")).removeprefix("密码：")
    token = next(line for line in printed.splitlines() if line.startswith("令牌：")).removeprefix("令牌：")
    login = api.client.post("/api/v1/auth/login", json={"username": "admin", "password": password})
    assert login.status_code == 200, login.text
    assert login.json()["memberships"][0]["role"] == "admin"
    assert api.client.get("/api/v1/agencies", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with transaction(api.factory) as session:
        assert first_run(session) is None


def test_import_takes_histories_as_older_registers_kept_them(run, tmp_path, api):
    run("agency", "create", "--code", "nrb", "--name", "自然资源局")
    line = {
        "agency": "nrb",
        "applicant_type": "legal_service_org",
        "applicant_name": "某律师事务所",
        "channel": "email",
        "received_date": "2025-09-26",
        "events": [
            {"type": "correction_requested", "date": "2025-09-29", "until": "2025-10-20"},
            {"type": "correction_received", "date": "2025-10-13"},
            {"type": "consultation", "date": "2025-10-14"},
            {"type": "consultation_ended", "date": "2025-10-16"},
            {"type": "extension", "date": "2025-10-20", "days": 10},
            {"type": "concluded", "date": "2025-11-05", "disposition": "partially_disclosed"},
        ],
        "concluded_date": "2025-11-05",
        "disposition": "partially_disclosed",
    }
    path = tmp_path / "history.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False), encoding="utf-8")
    result = run("cases", "import", str(path))
    assert result.exit_code == 0, result.output
    token = run("token", "create", "--agency", "nrb", "--role", "auditor").stdout.strip().splitlines()[-1]
    case = api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).json()["items"][0]
    full = api.client.get(f"/api/v1/cases/{case['id']}", headers={"Authorization": f"Bearer {token}"}).json()
    assert [e["type"] for e in full["timeline"]][1:] == [
        "correction_requested",
        "correction_received",
        "consultation_started",
        "consultation_ended",
        "extension_granted",
        "concluded",
    ]
    extension = full["timeline"][5]["data"]
    assert (extension["approver"], extension["notice_on"]) == ("（迁移前的记录未载明）", "2025-10-20")
    assert full["disposition"]["code"] == "partially_disclosed"

    conflicting = {**line, "external_ref": "X", "concluded_date": "2025-11-06"}
    path.write_text(json.dumps(conflicting, ensure_ascii=False), encoding="utf-8")
    refused = run("cases", "import", str(path))
    assert refused.exit_code == 1
    assert "conclusion_conflict" in refused.output


def test_serving_a_database_another_release_left_behind_is_refused(run, tmp_path, monkeypatch):
    """``--no-migrate`` on a schema one revision behind started, said it was ready and answered 500 on every request
    with an Idempotency-Key (found by a probe): it is refused before serving, with what to run."""
    from app.db import make_engine
    from app.settings import Settings

    url = f"sqlite:///{tmp_path / 'behind.db'}"
    engine = make_engine(Settings(database_url=url, environment="test"))
    migrate.upgrade(engine, "0015")
    engine.dispose()
    monkeypatch.setenv("GONGKAI_DATABASE_URL", url)
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: pytest.fail("served a database left behind"))
    refused = CliRunner().invoke(cli, ["serve", "--no-migrate", "--port", "1"])
    assert refused.exit_code == 2, refused.output
    assert "schema_outdated" in refused.output
    assert "gongkai db upgrade" in refused.output


def _main(monkeypatch, capsys, *argv: str, **env: str) -> tuple[int, str]:
    """``gongkai`` as the shell runs it (``app.cli.main``) with ``env``: its exit code and what it wrote to stderr."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.argv", ["gongkai", *argv])
    with pytest.raises(SystemExit) as ended:
        main()
    return ended.value.code, capsys.readouterr().err


def test_a_database_that_cannot_be_reached_is_one_chinese_line(monkeypatch, capsys):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    code, said = _main(monkeypatch, capsys, "db", "upgrade", GONGKAI_DATABASE_URL=url)
    assert code == 1
    assert "database_unreachable" in said
    assert "暂时无法连接数据库" in said
    assert "Traceback" not in said


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"GONGKAI_DB_POOL_SIZE": "abc"}, "GONGKAI_DB_POOL_SIZE：应为整数。"),
        ({"GONGKAI_ENVIRONMENT": "production"}, "须将 GONGKAI_SECRET_KEY 设为至少 32 个随机字符"),
        # SQLite has one writer: two processes waited on each other's file lock past busy_timeout (a probe)
        ({"GONGKAI_WORKERS": "2"}, "SQLite 只能由一个进程写入：GONGKAI_WORKERS 应为 1（实为 2）"),
    ],
)
def test_wrong_settings_are_said_in_chinese_with_their_variable(monkeypatch, capsys, tmp_path, env, said):
    """A wrong GONGKAI_* value printed pydantic's English validation error (and a traceback) to the operator."""
    url = f"sqlite:///{tmp_path / 'g.db'}"
    code, err = _main(monkeypatch, capsys, "db", "upgrade", GONGKAI_DATABASE_URL=url, **env)
    assert code == 2
    assert "settings_invalid" in err
    assert said in err
    assert "Traceback" not in err
    assert "validation error" not in err


def test_a_command_on_a_database_never_migrated_says_to_upgrade(monkeypatch, capsys, tmp_path):
    """A command on an empty database ended in a traceback and "no such table: agency" (found by a review)."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    code, err = _main(monkeypatch, capsys, "report", "annual", "--year", "2025", GONGKAI_DATABASE_URL=url)
    assert code == 1
    assert "schema_outdated" in err
    assert "请先运行 gongkai db upgrade" in err
    assert "Traceback" not in err


def test_a_report_file_appears_whole_or_not_at_all(tmp_path, monkeypatch):
    """A report written into a watched folder: a failure part-way (a full disk) left an empty file behind (found by a
    probe); the file is written beside its name and renamed over it."""
    from app.commands import write_whole

    target = tmp_path / "reports" / "overdue.csv"
    write_whole(target, b"a,b\n")
    assert target.read_bytes() == b"a,b\n"

    def full(self: Path, data: bytes) -> int:
        self.open("wb").close()  # the file was created, then the disk was full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(OSError, match="No space left"):
        write_whole(tmp_path / "reports" / "again.csv", b"x")
    assert sorted(p.name for p in target.parent.iterdir()) == ["overdue.csv"]
