"""The calendar in the database: seeded, shown, and imported with the open cases recomputed."""

from __future__ import annotations

import json
from datetime import date

from app.domain.roles import Role

NOTICE_2027 = {
    "year": 2027,
    "source": "国办发明电〔2026〕99号（测试用）",
    "holidays": [{"date": "2027-01-01", "name": "元旦"}, "2027-01-04"],
    "makeup_workdays": [{"date": "2027-01-09", "name": "元旦调休"}],
}


def test_seeded_year_is_shown_with_its_make_up_days(api, make_case):
    make_case()
    body = api.client.get("/api/v1/calendar/2026", headers=api.headers("a1")).json()
    makeup = [d["date"] for d in body["days"] if d["kind"] == "makeup_workday"]
    assert makeup == ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
    missing = api.client.get("/api/v1/calendar/2031", headers=api.headers("a1"))
    assert missing.status_code == 404
    assert missing.json()["code"] == "calendar_year_not_loaded"


def test_import_recomputes_open_cases_and_records_it(api, make_case):
    api.clock.today = date(2026, 12, 20)
    open_case = make_case(received="2026-12-18")  # +15 reaches into 2027, which has no arrangement yet
    assert open_case["deadline"]["provisional"] is True
    assert open_case["deadline"]["due_date"] == "2027-01-08"
    concluded = make_case(received="2026-12-17")
    api.client.post(
        f"/api/v1/cases/{concluded['id']}/conclusion",
        json={"on": "2026-12-18", "disposition": "disclosed"},
        headers=api.headers("a1"),
    )
    clerk = api.client.put("/api/v1/calendar/2027", json=NOTICE_2027, headers=api.headers("a1", Role.CLERK))
    assert clerk.status_code == 403
    response = api.client.put("/api/v1/calendar/2027", json=NOTICE_2027, headers=api.system_admin())
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["replaced"] is False
    assert [c["number"] for c in result["changed_cases"]] == [open_case["number"]]
    assert result["changed_cases"][0]["old"]["due_date"] == "2027-01-08"
    # 01-01 and 01-04 off, Saturday 01-09 worked: day 15 is Monday 01-11.
    assert result["changed_cases"][0]["new"]["due_date"] == "2027-01-11"
    after = api.client.get(f"/api/v1/cases/{open_case['id']}", headers=api.headers("a1")).json()
    assert after["deadline"]["provisional"] is False
    assert after["deadline"]["calendar_version"] == result["version"]
    assert after["timeline"][-1]["type"] == "deadlines_recomputed"
    assert after["timeline"][-1]["data"]["new"]["due_date"] == "2027-01-11"


def test_bad_notices_are_refused(api, make_case):
    make_case()
    headers = api.system_admin()
    bad_day = {**NOTICE_2027, "makeup_workdays": ["2027-01-06"]}  # a Wednesday cannot be a make-up working day
    response = api.client.put("/api/v1/calendar/2027", json=bad_day, headers=headers)
    assert response.status_code == 422
    other_year = api.client.put("/api/v1/calendar/2028", json=NOTICE_2027, headers=headers)
    assert other_year.json()["code"] == "calendar_year_mismatch"
    wrong_year = {**NOTICE_2027, "holidays": ["2026-12-31"]}
    assert api.client.put("/api/v1/calendar/2027", json=wrong_year, headers=headers).status_code == 422


def test_an_import_rolled_back_leaves_nothing_in_the_calendar_the_process_keeps(api, make_case):
    """The calendar an import computes with is its own transaction's until it commits: one rolled back after its
    recomputation (a lock time-out, say) must not be what the process, or the next import of the same version
    number, counts with afterwards."""
    from app.db import transaction
    from app.holiday import repository, service

    make_case()
    today = date(2026, 12, 20)
    with transaction(api.factory) as session:
        version = repository.current_version(session)
    wrong = service.parse_json(json.dumps({**NOTICE_2027, "holidays": ["2027-01-05"], "makeup_workdays": []}))
    with transaction(api.factory) as session:
        assert service.import_year(session, wrong, "test", today).version == version + 1
        session.rollback()
    right = service.parse_json(json.dumps(NOTICE_2027))
    with transaction(api.factory) as session:
        assert service.import_year(session, right, "test", today).version == version + 1
        counted = repository.load_calendar(session)
        assert (counted.is_working_day(date(2027, 1, 4)), counted.is_working_day(date(2027, 1, 5))) == (False, True)
    with transaction(api.factory) as session:
        kept = repository.load_calendar(session)
    assert kept.version == version + 1
    assert (kept.is_working_day(date(2027, 1, 4)), kept.is_working_day(date(2027, 1, 5))) == (False, True)


def test_two_imports_at_once_raise_the_version_one_after_the_other(api, make_case):
    """Two imports whose transactions overlap (PostgreSQL: READ COMMITTED) must not both take the next version: a
    process that had loaded the first one's calendar would keep it, since the version it checks would not move."""
    import threading

    from app.db import transaction
    from app.holiday import repository, service

    make_case()
    today = date(2026, 12, 20)
    with transaction(api.factory) as session:
        version = repository.current_version(session)
    first_done, let_first_commit = threading.Event(), threading.Event()
    versions: list[int] = []

    def first() -> None:
        with transaction(api.factory) as session:
            versions.append(
                service.import_year(session, service.parse_json(json.dumps(NOTICE_2027)), "a", today).version
            )
            first_done.set()
            let_first_commit.wait(10)

    def second() -> None:
        notice = {**NOTICE_2027, "year": 2028, "holidays": ["2028-01-03"], "makeup_workdays": []}
        with transaction(api.factory) as session:
            versions.append(service.import_year(session, service.parse_json(json.dumps(notice)), "b", today).version)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_done.wait(10)
    threads[1].start()
    threads[1].join(0.5)  # the second waits for the first (or, before the fix, read the same version and went on)
    let_first_commit.set()
    for thread in threads:
        thread.join(15)
    assert versions == [version + 1, version + 2]
    with transaction(api.factory) as session:
        assert repository.load_calendar(session).version == version + 2
