from __future__ import annotations

import weakref
from collections import defaultdict
from datetime import date

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from app.db import reading
from app.domain.calendar import WorkingCalendar, YearArrangement
from app.models import CalendarDay, CalendarYear

_CURRENT_VERSION = select(func.coalesce(func.max(CalendarYear.version), 0))  # built once: on every clock's path


def current_version(session: Session) -> int:
    return reading(session).scalar(_CURRENT_VERSION) or 0


def lock_versions(session: Session) -> None:
    """Hold every year's row until the transaction ends, so that imports raise the version one after the other: two
    at once on PostgreSQL both read the same highest version and both wrote the next, and a process whose copy of the
    calendar was of that version never saw the second. (SQLite's writers queue already.)"""
    session.execute(select(CalendarYear.year).with_for_update()).all()


def year_row(session: Session, year: int) -> CalendarYear | None:
    return session.get(CalendarYear, year)


def loaded_years(session: Session) -> list[CalendarYear]:
    return list(session.scalars(select(CalendarYear).order_by(CalendarYear.year)))


def arrangements(session: Session) -> list[YearArrangement]:
    holidays: dict[int, set[date]] = defaultdict(set)
    makeup: dict[int, set[date]] = defaultdict(set)
    for day in session.scalars(select(CalendarDay)):
        (holidays if day.kind == "holiday" else makeup)[day.year].add(day.day)
    return [
        YearArrangement(
            year=row.year,
            holidays=frozenset(holidays[row.year]),
            makeup_workdays=frozenset(makeup[row.year]),
            source=row.source,
        )
        for row in session.scalars(select(CalendarYear).order_by(CalendarYear.year))
    ]


def days_of(session: Session, year: int) -> list[CalendarDay]:
    return list(session.scalars(select(CalendarDay).where(CalendarDay.year == year).order_by(CalendarDay.day)))


def replace_days(session: Session, year: int, days: list[CalendarDay]) -> None:
    session.info.pop(_SESSION_KEY, None)  # the unit of work computes with the new calendar from now on
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    session.add_all(days)
    session.flush()


_cache: weakref.WeakKeyDictionary[Engine, WorkingCalendar] = weakref.WeakKeyDictionary()
_SESSION_KEY = "gongkai_calendar"


def load_calendar(session: Session, *, uncommitted: bool = False) -> WorkingCalendar:
    """The calendar in force, rebuilt only when an import has raised the version (checked on every call, so
    several API processes over one PostgreSQL database agree) and once per unit of work: the calendar a transaction
    started with is the one it computes with.

    ``uncommitted``: the calendar as this unit of work has just written it (an import recomputing the open cases),
    built afresh and kept for this unit of work only. The process's copy is keyed by version alone, so a calendar
    left there by an import that then rolled back would be taken for the next import's of the same version."""
    in_session: WorkingCalendar | None = session.info.get(_SESSION_KEY)
    if in_session is not None and not uncommitted:
        return in_session
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    version = current_version(session)
    cached = None if uncommitted else _cache.get(engine)
    if cached is None or cached.version != version:
        cached = WorkingCalendar(arrangements(session), version=version)
        if not uncommitted:
            _cache[engine] = cached
    session.info[_SESSION_KEY] = cached
    return cached
