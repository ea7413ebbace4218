"""The real State Council arrangements for 2004-2026, from the chinesecalendar package."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from chinese_calendar import constants
from hypothesis import settings

from app.domain.calendar import WorkingCalendar, YearArrangement

settings.register_profile("mutation", deadline=None, derandomize=True)
"""For the mutation run (pyproject ``[tool.mutmut]``): mutated code is slower, and each mutant must meet the same
examples."""


def package_arrangements() -> list[YearArrangement]:
    """Group the package's days by the year they fall in; its make-up days are the weekend entries of `workdays`."""
    holidays: defaultdict[int, set[date]] = defaultdict(set)
    makeup: defaultdict[int, set[date]] = defaultdict(set)
    for day in constants.holidays:
        holidays[day.year].add(day)
    for day in constants.workdays:
        if day.weekday() >= 5:
            makeup[day.year].add(day)
    return [
        YearArrangement(year, frozenset(holidays[year]), frozenset(makeup[year]), source="chinesecalendar")
        for year in sorted(holidays.keys() | makeup.keys())
    ]


@pytest.fixture(scope="session")
def cal() -> WorkingCalendar:
    return WorkingCalendar(package_arrangements(), version=3)
