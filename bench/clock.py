"""Benchmark 1: the working-day clock, against the naive day-by-day loop and ``numpy.busday_offset``, in one process.

    .venv/bin/python -m bench clock [--smoke]

For N = 15, 40 and 250 working days from random start dates in 2005–2024: the median time per query of
``WorkingCalendar.add_working_days`` (the tabulated index: two array lookups), of a day-by-day walk over the same
calendar (the baseline), and of ``numpy.busday_offset`` with the same holidays and make-up days (a weekmask cannot
express a worked Saturday, so the make-up days are folded into a per-day boolean table; the reference for what a
vectorised C loop costs per query). All three answers are checked equal first. Then ``clock.project`` for a case
with a 41-event timeline, against the same projection on a calendar without the index (the bisect formula). The
calendar is the real 2004–2026 arrangement from the ``chinesecalendar`` package.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from chinese_calendar import constants

from app.domain.calendar import WorkingCalendar, YearArrangement
from app.domain.clock import DeadlinePolicy, project
from app.domain.lifecycle import CaseEvent, EventType


def arrangements() -> list[YearArrangement]:
    return [
        YearArrangement(
            year=y,
            holidays=frozenset(d for d in constants.holidays if d.year == y),
            makeup_workdays=frozenset(d for d in constants.workdays if d.year == y and d.weekday() >= 5),
        )
        for y in range(2004, 2027)
    ]


def real_calendar() -> WorkingCalendar:
    return WorkingCalendar(arrangements())


class _Untabulated(WorkingCalendar):
    """The same calendar answering from the formula alone (the engine before the index), for comparison."""

    def __init__(self, years: list[YearArrangement]) -> None:
        super().__init__(years)
        self._counts, self._working = [], [0]


def day_by_day(calendar: WorkingCalendar, start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        n -= calendar.is_working_day(day)
    return day


def median_s(fn: Callable[[], object], repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def _numpy_reference(calendar: WorkingCalendar, starts: list[date], n: int) -> tuple[float, list[date]] | None:
    try:
        import numpy as np
    except ImportError:
        return None
    first, last = date(2004, 1, 1), date(2027, 12, 31)
    days = np.arange(np.datetime64(first), np.datetime64(last) + 1)
    working = np.array([calendar.is_working_day(first + timedelta(days=i)) for i in range(len(days))])
    # busday_offset with weekmask "1111111" and every non-working day as a holiday: exactly the calendar.
    holidays = days[~working]
    cal = np.busdaycalendar(weekmask="1111111", holidays=holidays)
    array = np.array(starts, dtype="datetime64[D]")

    def query() -> object:
        return np.busday_offset(array, n, roll="backward", busdaycal=cal)

    seconds = median_s(query)
    answers = [d.astype(object) for d in query()]  # type: ignore[attr-defined]
    return seconds, answers


def run(smoke: bool = False) -> None:
    calendar = real_calendar()
    untabulated = _Untabulated(arrangements())
    rng = random.Random(7)
    queries = 500 if smoke else 20_000
    starts = [date(2005, 1, 1) + timedelta(days=rng.randrange(7300)) for _ in range(queries)]
    print(f"clock: {queries} queries, real calendar 2004–2026")
    for n in (15, 40, 250):
        fast = median_s(lambda n=n: [calendar.add_working_days(s, n) for s in starts])
        formula = median_s(lambda n=n: [untabulated.add_working_days(s, n) for s in starts])
        slow = median_s(lambda n=n: [day_by_day(calendar, s, n) for s in starts], repeat=1 if n == 250 else 3)
        expected = [day_by_day(calendar, s, n) for s in starts[:500]]
        assert [calendar.add_working_days(s, n) for s in starts[:500]] == expected
        assert [untabulated.add_working_days(s, n) for s in starts[:500]] == expected
        per = 1e6 / len(starts)
        line = (
            f"  +{n:>3} working days: index {fast * per:6.2f} µs/query, bisect formula {formula * per:6.2f} µs, "
            f"day-by-day {slow * per:8.2f} µs; index vs day-by-day {slow / fast:6.1f}x, "
            f"vs formula {formula / fast:4.1f}x"
        )
        reference = _numpy_reference(calendar, starts, n)
        if reference is not None:
            seconds, answers = reference
            # roll="backward": a start on a non-working day counts from the working day before it, which is what
            # "d itself not counted" means too.
            same = answers[:500] == expected
            line += f"; numpy.busday_offset {seconds * per:5.3f} µs/query (vectorised, agrees: {same})"
        print(line, flush=True)
    received = date(2025, 3, 3)
    events = [CaseEvent(EventType.RECEIVED, received)]
    day = received
    for _ in range(20):
        day += timedelta(days=1)
        events.append(CaseEvent(EventType.CONSULTATION_STARTED, day))
        day += timedelta(days=2)
        events.append(CaseEvent(EventType.CONSULTATION_ENDED, day))
    policy = DeadlinePolicy()
    cases = 100 if smoke else 1000
    per_case = median_s(lambda: [project(received, events, policy, calendar) for _ in range(cases)]) / cases
    per_formula = median_s(lambda: [project(received, events, policy, untabulated) for _ in range(cases)]) / cases
    assert project(received, events, policy, calendar) == project(received, events, policy, untabulated)
    print(
        f"  project() of a {len(events)}-event timeline: {per_case * 1e6:.1f} µs per case with the index, "
        f"{per_formula * 1e6:.1f} µs with the formula; {per_formula / per_case:.1f}x"
    )
