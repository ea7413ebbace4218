"""The working-day calendar (工作日) that every legal period of the 条例 is counted in.

A working day is Monday to Friday, minus the official holidays, plus the weekend days designated as make-up working
days (调休上班). The State Council General Office publishes each year's arrangement around October of the year before
(《国务院办公厅关于XXXX年部分节假日安排的通知》); it cannot be computed. A year without one is counted with weekends
only, and `spans_unloaded` lets callers mark such a result provisional instead of guessing silently.

Counting is arithmetic, never a walk over days: the number of working days up to a date is the number of Mondays to
Fridays (a closed formula) corrected by the holidays that fall on weekdays (-1 each) and the make-up days (+1 each),
whose running sum sits in a sorted array searched with `bisect`. That works for any date in O(log n).

Where deadlines actually fall (from the year before the first loaded year to two years after the last, unloaded
years included, weekends-only as above) the same function is also tabulated once per calendar: the working-day count
of every day, and the ordinal of every working day by its count. A deadline is then two array lookups ("the n-th
working day after d" = the working day whose count is count(d) + n), about 50 times faster than walking the days.
The table is a cache of the formula, not a second rule: both give the same answer for every date.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import accumulate

from app.domain.errors import InvalidInput

INDEX_YEARS_BEFORE = 1
INDEX_YEARS_AFTER = 2
"""The tabulated span around the loaded years: a case received in the last loaded year has its deadlines in the
next one (provisional), an extension or a long wait may reach the year after."""

_FIRST_ORDINAL = date.min.toordinal()  # 0001-01-01, a Monday
_LAST_ORDINAL = date.max.toordinal()
_ALL_ORDINALS = range(_FIRST_ORDINAL, _LAST_ORDINAL + 1)


class DayKind(StrEnum):
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"

    @property
    def is_working(self) -> bool:
        return self in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)


DAY_KIND_LABELS: dict[DayKind, str] = {
    DayKind.WORKDAY: "工作日",
    DayKind.WEEKEND: "周末",
    DayKind.HOLIDAY: "法定节假日",
    DayKind.MAKEUP_WORKDAY: "调休上班日",
}


def _is_weekend(d: date) -> bool:
    return d.weekday() >= 5


@dataclass(frozen=True)
class YearArrangement:
    """One year's State Council holiday notice: what the calendar adds to or removes from Monday–Friday."""

    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    source: str = ""

    def validate(self) -> None:
        """Reject a notice that cannot be right before it moves any deadline (an import typo would shift every case)."""
        stray = sorted(d for d in self.holidays | self.makeup_workdays if d.year != self.year)
        if stray:
            raise InvalidInput("calendar_invalid", f"{self.year}年的节假日安排中含有其他年份的日期：{stray[0]}。")
        both = sorted(self.holidays & self.makeup_workdays)
        if both:
            raise InvalidInput("calendar_invalid", f"{both[0]} 不能既是放假日又是调休上班日。")
        weekdays = sorted(d for d in self.makeup_workdays if not _is_weekend(d))
        if weekdays:
            raise InvalidInput("calendar_invalid", f"{weekdays[0]} 本来就是工作日，调休上班日只能是周六或周日。")


def _weekdays_through(ordinal: int) -> int:
    """Mondays to Fridays in [0001-01-01, ordinal]: the first day is a Monday, so every 7-day block holds 5."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


class WorkingCalendar:
    """Working days for the loaded years, Monday–Friday elsewhere. Immutable once built."""

    def __init__(self, arrangements: Iterable[YearArrangement], version: int = 0) -> None:
        by_year: dict[int, YearArrangement] = {}
        for arrangement in arrangements:
            arrangement.validate()
            if arrangement.year in by_year:
                raise InvalidInput("calendar_invalid", f"{arrangement.year}年的节假日安排重复。")
            by_year[arrangement.year] = arrangement
        self.version = version
        self.loaded_years = frozenset(by_year)
        self._years = sorted(by_year)
        self._holidays = frozenset(d for a in by_year.values() for d in a.holidays)
        self._makeup = frozenset(d for a in by_year.values() for d in a.makeup_workdays)
        corrections = sorted(
            [(d.toordinal(), -1) for d in self._holidays if not _is_weekend(d)]
            + [(d.toordinal(), 1) for d in self._makeup]
        )
        self._correction_ordinals = [ordinal for ordinal, _ in corrections]
        self._correction_sums = list(accumulate((delta for _, delta in corrections), initial=0))
        self._index_from = 0
        self._counts: list[int] = []
        self._working: list[int] = [0]
        if self._years:
            self._tabulate(
                date(max(self._years[0] - INDEX_YEARS_BEFORE, 1), 1, 1).toordinal(),
                date(min(self._years[-1] + INDEX_YEARS_AFTER, 9999), 12, 31).toordinal(),
            )

    def _tabulate(self, first: int, last: int) -> None:
        """``_counts[o - _index_from]`` = working days in [first, o]; ``_working[c]`` = the ordinal of the working day
        whose count (from ``first``) is c (``_working[0]`` unused). Relative counts keep both lists short."""
        holidays = {d.toordinal() for d in self._holidays}
        makeup = {d.toordinal() for d in self._makeup}
        counts, working = self._counts, self._working
        count = 0
        for ordinal in range(first, last + 1):
            if ordinal in makeup or ((ordinal - 1) % 7 < 5 and ordinal not in holidays):
                count += 1
                working.append(ordinal)
            counts.append(count)
        self._index_from = first

    def _count(self, ordinal: int) -> int:
        """Working days in [0001-01-01, ordinal]; working days in (a, b] are _count(b) - _count(a)."""
        return _weekdays_through(ordinal) + self._correction_sums[bisect_right(self._correction_ordinals, ordinal)]

    def _nth(self, index: int) -> date:
        """The working day whose _count is `index`: the first day at which the count reaches it."""
        if not 1 <= index <= self._count(_LAST_ORDINAL):
            raise InvalidInput("date_out_of_range", "日期超出可计算的范围。")
        return date.fromordinal(_ALL_ORDINALS[bisect_left(_ALL_ORDINALS, index, key=self._count)])

    def kind(self, d: date) -> DayKind:
        if d in self._holidays:
            return DayKind.HOLIDAY
        if d in self._makeup:
            return DayKind.MAKEUP_WORKDAY
        return DayKind.WEEKEND if _is_weekend(d) else DayKind.WORKDAY

    def is_working_day(self, d: date) -> bool:
        return self.kind(d).is_working

    def is_loaded(self, year: int) -> bool:
        return year in self.loaded_years

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after d, d itself not counted (n < 0: the |n|-th before d; n = 0: d)."""
        if n == 0:
            return d
        ordinal = d.toordinal() if n > 0 else d.toordinal() - 1
        shift = n if n > 0 else n + 1
        i = ordinal - self._index_from
        if 0 <= i < len(self._counts):
            target = self._counts[i] + shift
            if 0 < target < len(self._working):
                return date.fromordinal(self._working[target])
        return self._nth(self._count(ordinal) + shift)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; the negative of those in (b, a] when b < a."""
        counts, first = self._counts, self._index_from
        i, j = a.toordinal() - first, b.toordinal() - first
        if 0 <= i < len(counts) and 0 <= j < len(counts):
            return counts[j] - counts[i]
        return self._count(b.toordinal()) - self._count(a.toordinal())

    def next_working_day(self, d: date) -> date:
        """The first working day on or after d: where an act on a non-working day is deemed to take place."""
        return d if self.is_working_day(d) else self.add_working_days(d, 1)

    def spans_unloaded(self, a: date, b: date) -> bool:
        """Whether some year from a to b (either order) has no arrangement, so a result there is provisional."""
        first, last = sorted((a.year, b.year))
        loaded = bisect_right(self._years, last) - bisect_left(self._years, first)
        return loaded < last - first + 1
