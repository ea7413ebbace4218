"""How fast the working-day clock answers, against the obvious day-by-day loop, in the same process.

    .venv/bin/python bench/clock.py [--queries 20000]

Prints the median time per query for `WorkingCalendar.add_working_days` (bisect over working-day ordinals) and for a
day-by-day walk over the same calendar, with the ratio; then the cost of `clock.project` for a case with a long
timeline. The calendar is the real 2004–2026 arrangement from the ``chinesecalendar`` package.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from chinese_calendar import constants

from app.domain.calendar import WorkingCalendar, YearArrangement
from app.domain.clock import DeadlinePolicy, project
from app.domain.lifecycle import CaseEvent, EventType


def real_calendar() -> WorkingCalendar:
    years = range(2004, 2027)
    return WorkingCalendar(
        YearArrangement(
            year=y,
            holidays=frozenset(d for d in constants.holidays if d.year == y),
            makeup_workdays=frozenset(d for d in constants.workdays if d.year == y and d.weekday() >= 5),
        )
        for y in years
    )


def day_by_day(calendar: WorkingCalendar, start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        n -= calendar.is_working_day(day)
    return day


def median_us(fn: Callable[[], object], repeat: int = 7) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=20000)
    args = parser.parse_args()
    calendar = real_calendar()
    rng = random.Random(7)
    starts = [date(2005, 1, 1) + timedelta(days=rng.randrange(7000)) for _ in range(args.queries)]
    for n in (15, 40, 250):
        fast = median_us(lambda n=n: [calendar.add_working_days(s, n) for s in starts])
        slow = median_us(lambda n=n: [day_by_day(calendar, s, n) for s in starts])
        assert all(calendar.add_working_days(s, n) == day_by_day(calendar, s, n) for s in starts[:500])
        print(
            f"+{n:>3} working days: bisect {fast / len(starts) * 1e6:6.2f} µs/query, "
            f"day-by-day {slow / len(starts) * 1e6:7.2f} µs/query, ratio {slow / fast:5.1f}x"
        )
    received = date(2025, 3, 3)
    events = [CaseEvent(EventType.RECEIVED, received)]
    day = received
    for _ in range(20):
        day += timedelta(days=1)
        events.append(CaseEvent(EventType.CONSULTATION_STARTED, day))
        day += timedelta(days=2)
        events.append(CaseEvent(EventType.CONSULTATION_ENDED, day))
    policy = DeadlinePolicy()
    per = median_us(lambda: [project(received, events, policy, calendar) for _ in range(1000)]) / 1000
    print(f"project() with {len(events)} events: {per * 1e6:.1f} µs per case")


if __name__ == "__main__":
    main()
