"""Use cases of the calendar: seed from the ``chinesecalendar`` package, import a year's notice, show a year.

Import format (JSON, one year per file)::

    {"year": 2027, "source": "国办发明电〔2026〕12号",
     "holidays": [{"date": "2027-01-01", "name": "元旦"}, ...],
     "makeup_workdays": [{"date": "2027-02-07", "name": "春节调休"}, ...]}

``holidays`` lists every official day off (weekend days inside a holiday block may be listed or not: they are not
working days either way); ``makeup_workdays`` lists the weekend days designated as working days (调休上班). A plain
date string is accepted in place of ``{"date": …}``. CSV: a header ``date,kind,name`` then one row per day, ``kind``
being ``holiday`` or ``makeup_workday``; the year is taken from the dates and the source from ``--source``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date
from typing import Any

from sqlalchemy.orm import Session

from app.agency import locks as agency_locks
from app.audit import service as audit
from app.case import service as cases
from app.clock import utcnow
from app.domain.calendar import YearArrangement
from app.domain.errors import InvalidInput, NotFound
from app.holiday import repository
from app.inputs import name_line
from app.models import CalendarDay, CalendarYear

DAY_KINDS = ("holiday", "makeup_workday")


@dataclass(frozen=True)
class YearNotice:
    """A parsed State Council notice: the arrangement the rules use, plus the festival names shown to clerks."""

    arrangement: YearArrangement
    names: dict[date, str]


@dataclass(frozen=True)
class ImportResult:
    year: int
    version: int
    replaced: bool
    changed_cases: list[cases.DateChange]


def _parse_date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("calendar_date_invalid", f"{where}：日期「{value}」格式应为 YYYY-MM-DD。") from None


FIRST_NOTICE_YEAR, LAST_NOTICE_YEAR = 1990, 2200
"""The years a notice may be imported for, by any adapter (the API, the web form, the command line): beyond them a
year is a typo, and one beyond 9999 cannot even be stored."""


def _notice(year: int, source: str, rows: list[tuple[date, str, str]]) -> YearNotice:
    """The notice as every adapter imports it, checked here once: its year, its source and each day's name (one line
    each: NUL cannot be stored by PostgreSQL, and SQLite kept what the API refused)."""
    if isinstance(year, bool) or not FIRST_NOTICE_YEAR <= year <= LAST_NOTICE_YEAR:
        raise InvalidInput(
            "calendar_year_invalid", f"年份应在 {FIRST_NOTICE_YEAR} 至 {LAST_NOTICE_YEAR} 之间，实为 {year}。"
        )
    if source.strip():
        source = name_line(source, code="calendar_source", label="通知文号（来源）", max_length=300)
    rows = [
        (
            d,
            kind,
            name_line(name, code="calendar_day_name", label=f"{d} 的名称", max_length=100) if name.strip() else "",
        )
        for d, kind, name in rows
    ]
    holidays = frozenset(d for d, kind, _ in rows if kind == "holiday")
    makeup = frozenset(d for d, kind, _ in rows if kind == "makeup_workday")
    arrangement = YearArrangement(year=year, holidays=holidays, makeup_workdays=makeup, source=source)
    arrangement.validate()
    if len(holidays) + len(makeup) != len(rows):
        raise InvalidInput("calendar_duplicate_day", f"{year}年的安排中有日期重复出现。")
    return YearNotice(arrangement, {d: name for d, _, name in rows if name})


def parse_json(text: str) -> YearNotice:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput("calendar_file_invalid", f"日历文件不是有效的 JSON：第{exc.lineno}行 {exc.msg}。") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("year"), int):
        raise InvalidInput(
            "calendar_file_invalid", "日历文件须为一个对象，含整数 year、source、holidays、makeup_workdays。"
        )
    rows: list[tuple[date, str, str]] = []
    for kind in DAY_KINDS:
        entries = doc.get(f"{kind}s", [])
        if not isinstance(entries, list):
            raise InvalidInput("calendar_file_invalid", f"{kind}s 应为列表。")
        for i, entry in enumerate(entries, 1):
            raw, name = (entry.get("date"), entry.get("name", "")) if isinstance(entry, dict) else (entry, "")
            rows.append((_parse_date(raw, f"{kind} 第{i}项"), kind, str(name)))
    return _notice(doc["year"], str(doc.get("source", "")), rows)


def parse_csv(text: str, source: str) -> YearNotice:
    try:
        return _parse_csv(text, source)
    except csv.Error as exc:  # a field past the csv module's limit (131,072 characters): was a 500
        raise InvalidInput(
            "calendar_file_invalid", f"CSV 无法读取：某一格过长或格式有误（{type(exc).__name__}）。"
        ) from None


def _parse_csv(text: str, source: str) -> YearNotice:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or not {"date", "kind"} <= set(reader.fieldnames):
        raise InvalidInput("calendar_file_invalid", "CSV 须有表头 date,kind,name。")
    rows: list[tuple[date, str, str]] = []
    for line, record in enumerate(reader, 2):
        kind = (record.get("kind") or "").strip()
        if kind not in DAY_KINDS:
            raise InvalidInput("calendar_file_invalid", f"第{line}行：kind 须为 holiday 或 makeup_workday。")
        rows.append((_parse_date(record.get("date"), f"第{line}行"), kind, (record.get("name") or "").strip()))
    years = {d.year for d, _, _ in rows}
    if len(years) != 1:
        raise InvalidInput("calendar_file_invalid", "一个 CSV 文件只能包含同一年的安排。")
    return _notice(years.pop(), source, rows)


def _year_state(row: CalendarYear, days: list[CalendarDay]) -> dict[str, Any]:
    return {**audit.snapshot(row), "days": [[d.day, d.kind, d.name] for d in days]}


def import_year(session: Session, notice: YearNotice, actor: str, today: date) -> ImportResult:
    """Store (or replace) a year's arrangement, raise the calendar version and recompute every open case's dates in
    the same transaction; the cases whose dates moved are returned and their timelines record the change."""
    arrangement = notice.arrangement
    repository.lock_versions(session)
    # Registrations share-lock their agency before they read the calendar: those in progress end first (and are
    # recomputed below), those that follow wait and compute with this year's arrangement (PostgreSQL; a case
    # registered during an import kept the old dates, found by a probe).
    agency_locks.lock_all(session)
    version = repository.current_version(session) + 1
    row = repository.year_row(session, arrangement.year)
    replaced = row is not None
    before = _year_state(row, repository.days_of(session, arrangement.year)) if row is not None else None
    if row is None:
        row = CalendarYear(year=arrangement.year)
        session.add(row)
    row.source = arrangement.source
    row.version = version
    row.imported_at = utcnow()
    row.imported_by = actor
    session.flush()
    days = [
        CalendarDay(day=d, year=arrangement.year, kind=kind, name=notice.names.get(d, ""))
        for kind, dates in (("holiday", arrangement.holidays), ("makeup_workday", arrangement.makeup_workdays))
        for d in sorted(dates)
    ]
    repository.replace_days(session, arrangement.year, days)
    audit.record(
        session,
        agency=None,
        actor=actor,
        action="calendar.import",
        entity="calendar_year",
        entity_id=arrangement.year,
        before=before,
        after=_year_state(row, days),
    )
    calendar = repository.load_calendar(session, uncommitted=True)
    changed = cases.recompute_open_cases(session, calendar, actor, today, cause="calendar")
    return ImportResult(arrangement.year, version, replaced, changed)


def seed_from_package(session: Session) -> int:
    """Load 2004 onward from the ``chinesecalendar`` package when the database has no calendar yet. Returns the
    number of years seeded (0 when a calendar is already there)."""
    if repository.current_version(session) > 0:
        return 0
    from importlib.metadata import version as package_version

    from chinese_calendar import constants

    source = f"chinesecalendar {package_version('chinesecalendar')}（国务院办公厅历年节假日安排通知）"
    chinese = {holiday.value: holiday.chinese for holiday in constants.Holiday}
    by_year: dict[int, list[tuple[date, str, str]]] = {}
    for day, name in constants.holidays.items():
        by_year.setdefault(day.year, []).append((day, "holiday", chinese.get(str(name), str(name))))
    for day, name in constants.workdays.items():
        if day.weekday() >= 5:
            by_year.setdefault(day.year, []).append((day, "makeup_workday", chinese.get(str(name), str(name)) + "调休"))
    now = utcnow()
    for year in sorted(by_year):
        notice = _notice(year, source, by_year[year])
        session.add(CalendarYear(year=year, source=source, version=1, imported_at=now, imported_by="system:seed"))
        session.flush()
        repository.replace_days(
            session,
            year,
            [CalendarDay(day=d, year=year, kind=kind, name=notice.names.get(d, "")) for d, kind, _ in by_year[year]],
        )
    return len(by_year)


def get_year(session: Session, year: int) -> tuple[CalendarYear, list[CalendarDay]]:
    row = repository.year_row(session, year) if MINYEAR <= year <= MAXYEAR else None  # else no database int holds it
    if row is None:
        raise NotFound("calendar_year_not_loaded", f"{year}年的节假日安排尚未导入；该年的期限按周末推算并标记为暂定。")
    return row, repository.days_of(session, year)
