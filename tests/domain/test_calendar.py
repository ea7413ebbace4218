from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.calendar import DAY_KIND_LABELS, DayKind, WorkingCalendar, YearArrangement
from app.domain.errors import InvalidInput
from tests.domain.conftest import package_arrangements

D = date.fromisoformat

# domain.md §6: received, then +7, +15, +20, +40 (day 1 = the next working day).
WORKED_EXAMPLES = [
    ("2025-01-20", "2025-02-05", "2025-02-14", "2025-02-21", "2025-03-21"),
    ("2025-09-26", "2025-10-13", "2025-10-23", "2025-10-30", "2025-11-27"),
    ("2026-02-10", "2026-02-26", "2026-03-09", "2026-03-16", "2026-04-14"),
    ("2024-12-31", "2025-01-10", "2025-01-22", "2025-02-05", "2025-03-04"),
]


def _ranges(*spans: tuple[str, str]) -> frozenset[date]:
    days: set[date] = set()
    for first, last in spans:
        day = D(first)
        while day <= D(last):
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


# domain.md §6, literally.
ARRANGEMENT_2026 = YearArrangement(
    2026,
    holidays=_ranges(
        ("2026-01-01", "2026-01-03"),
        ("2026-02-15", "2026-02-23"),
        ("2026-04-04", "2026-04-06"),
        ("2026-05-01", "2026-05-05"),
        ("2026-06-19", "2026-06-21"),
        ("2026-09-25", "2026-09-27"),
        ("2026-10-01", "2026-10-07"),
    ),
    makeup_workdays=frozenset(
        map(D, ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"])
    ),
)

any_days = st.dates(min_value=date(1990, 1, 1), max_value=date(2150, 12, 31))


def _brute_nth_after(cal: WorkingCalendar, day: date, n: int) -> date:
    """The oracle: walk day by day."""
    while n:
        day += timedelta(days=1)
        n -= cal.is_working_day(day)
    return day


@pytest.mark.parametrize(("received", "plus7", "plus15", "plus20", "plus40"), WORKED_EXAMPLES)
def test_worked_examples(
    cal: WorkingCalendar, received: str, plus7: str, plus15: str, plus20: str, plus40: str
) -> None:
    got = [cal.add_working_days(D(received), n) for n in (7, 15, 20, 40)]
    assert got == [D(plus7), D(plus15), D(plus20), D(plus40)]


@pytest.mark.parametrize(("received", "plus7", "plus15", "plus20", "plus40"), WORKED_EXAMPLES[2:3])
def test_worked_example_2026_from_the_literal_notice(
    received: str, plus7: str, plus15: str, plus20: str, plus40: str
) -> None:
    cal = WorkingCalendar([ARRANGEMENT_2026])
    assert [cal.add_working_days(D(received), n) for n in (7, 15, 20, 40)] == list(
        map(D, (plus7, plus15, plus20, plus40))
    )


def test_package_2026_matches_the_literal_notice() -> None:
    (from_package,) = [a for a in package_arrangements() if a.year == 2026]
    assert from_package.holidays == ARRANGEMENT_2026.holidays
    assert from_package.makeup_workdays == ARRANGEMENT_2026.makeup_workdays


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        ("2026-01-04", DayKind.MAKEUP_WORKDAY),  # Sunday worked
        ("2026-02-14", DayKind.MAKEUP_WORKDAY),  # Saturday worked
        ("2026-02-16", DayKind.HOLIDAY),  # Monday off
        ("2026-02-15", DayKind.HOLIDAY),  # Sunday inside the Spring Festival
        ("2026-03-07", DayKind.WEEKEND),
        ("2026-03-09", DayKind.WORKDAY),
        ("2030-01-01", DayKind.WORKDAY),  # no arrangement: weekends only, New Year's Day not guessed
        ("2030-01-05", DayKind.WEEKEND),
    ],
)
def test_kind(cal: WorkingCalendar, day: str, kind: DayKind) -> None:
    assert cal.kind(D(day)) is kind
    assert cal.is_working_day(D(day)) is kind.is_working


def test_every_day_kind_has_a_label() -> None:
    assert set(DAY_KIND_LABELS) == set(DayKind)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-02-10", 0, "2026-02-10"),
        ("2026-02-15", 0, "2026-02-15"),  # n = 0 is the day itself, working or not
        ("2026-02-13", 1, "2026-02-14"),  # Friday -> make-up Saturday
        ("2026-02-14", 1, "2026-02-24"),  # over the Spring Festival
        ("2026-02-21", 1, "2026-02-24"),  # from inside a holiday
        ("2026-02-24", -1, "2026-02-14"),
        ("2026-02-21", -1, "2026-02-14"),  # back from inside a holiday: the last working day before it
        ("2026-03-02", -5, "2026-02-24"),
        ("2029-12-28", 2, "2030-01-01"),  # Friday in an unloaded year: Monday, then Tuesday
        ("2150-06-01", 5, "2150-06-08"),
    ],
)
def test_add_working_days(cal: WorkingCalendar, start: str, n: int, expected: str) -> None:
    assert cal.add_working_days(D(start), n) == D(expected)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2026-02-10", "2026-02-10", 0),
        ("2026-02-13", "2026-02-14", 1),
        ("2026-02-13", "2026-02-24", 2),
        ("2026-02-24", "2026-02-13", -2),
        ("2026-02-14", "2026-02-23", 0),
        ("2030-01-01", "2030-12-31", 260),  # an unloaded year: Mondays to Fridays only
    ],
)
def test_working_days_between(cal: WorkingCalendar, a: str, b: str, expected: int) -> None:
    assert cal.working_days_between(D(a), D(b)) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-02-10", "2026-02-10"),
        ("2026-02-14", "2026-02-14"),
        ("2026-02-15", "2026-02-24"),
        ("2026-03-07", "2026-03-09"),
    ],
)
def test_next_working_day(cal: WorkingCalendar, day: str, expected: str) -> None:
    assert cal.next_working_day(D(day)) == D(expected)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2025-12-01", "2026-01-20", False),
        ("2026-12-01", "2027-01-20", True),
        ("2027-01-20", "2026-12-01", True),
        ("2003-12-20", "2004-01-10", True),
        ("2004-01-01", "2026-12-31", False),
    ],
)
def test_spans_unloaded(cal: WorkingCalendar, a: str, b: str, expected: bool) -> None:
    assert cal.spans_unloaded(D(a), D(b)) is expected


def test_loaded_years_and_version(cal: WorkingCalendar) -> None:
    assert cal.loaded_years == frozenset(range(2004, 2027))
    assert cal.is_loaded(2026)
    assert not cal.is_loaded(2027)
    assert cal.version == 3


def _one_year(holidays: list[str], makeup: list[str]) -> YearArrangement:
    return YearArrangement(2026, frozenset(map(D, holidays)), frozenset(map(D, makeup)))


@pytest.mark.parametrize(
    "arrangements",
    [
        [_one_year(["2025-12-31"], [])],  # a day of another year
        [_one_year(["2026-02-14"], ["2026-02-14"])],  # off and worked at once
        [_one_year([], ["2026-02-13"])],  # a make-up day that is a Friday
        [_one_year([], []), _one_year([], [])],  # the same year twice
    ],
)
def test_invalid_arrangements_are_rejected(arrangements: list[YearArrangement]) -> None:
    with pytest.raises(InvalidInput) as caught:
        WorkingCalendar(arrangements)
    assert caught.value.code == "calendar_invalid"


@pytest.mark.parametrize(("day", "n"), [(date.max, 1), (date.min, -1), (date(9999, 12, 20), 30)])
def test_out_of_range_is_a_clear_error(cal: WorkingCalendar, day: date, n: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        cal.add_working_days(day, n)
    assert caught.value.code == "date_out_of_range"


@given(day=st.dates(min_value=date(2003, 6, 1), max_value=date(2027, 6, 1)), n=st.integers(1, 60))
def test_add_working_days_agrees_with_walking_day_by_day(cal: WorkingCalendar, day: date, n: int) -> None:
    assert cal.add_working_days(day, n) == _brute_nth_after(cal, day, n)


@given(day=any_days, n=st.integers(1, 400))
def test_forward_then_back_returns_the_deemed_start(cal: WorkingCalendar, day: date, n: int) -> None:
    start = cal.next_working_day(day)
    assert cal.add_working_days(cal.add_working_days(start, n), -n) == start


@given(day=any_days, n=st.integers(-400, 400).filter(bool))
def test_add_working_days_lands_on_a_working_day(cal: WorkingCalendar, day: date, n: int) -> None:
    assert cal.is_working_day(cal.add_working_days(day, n))


@given(day=any_days, n=st.integers(0, 400))
def test_between_inverts_add_from_a_working_day(cal: WorkingCalendar, day: date, n: int) -> None:
    start = cal.next_working_day(day)
    assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


@given(makeup=st.sampled_from(sorted(d for a in package_arrangements() for d in a.makeup_workdays)))
def test_a_makeup_weekend_day_counts(cal: WorkingCalendar, makeup: date) -> None:
    assert makeup.weekday() >= 5
    before = makeup - timedelta(days=1)
    assert cal.working_days_between(before, makeup) == 1
    assert cal.add_working_days(cal.add_working_days(makeup, -1), 1) == makeup


def _brute_nth_before(cal: WorkingCalendar, day: date, n: int) -> date:
    while n:
        day -= timedelta(days=1)
        n -= cal.is_working_day(day)
    return day


def _brute_between(cal: WorkingCalendar, a: date, b: date) -> int:
    """The oracle: count working days in (a, b] one by one (negated when b < a)."""
    lo, hi = sorted((a, b))
    count = sum(cal.is_working_day(lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1))
    return count if b >= a else -count


# The calendar tabulates 2003-01-01 … 2028-12-31 (a year before the loaded 2004–2026, two after): around both edges
# and beyond them the table and the formula must be the same function.
edges = st.dates(min_value=date(2001, 10, 1), max_value=date(2003, 4, 1)) | st.dates(
    min_value=date(2028, 9, 1), max_value=date(2030, 3, 1)
)


@given(day=edges | st.dates(min_value=date(2003, 1, 1), max_value=date(2028, 12, 31)), n=st.integers(1, 80))
def test_tabulated_and_untabulated_days_agree_with_walking(cal: WorkingCalendar, day: date, n: int) -> None:
    assert cal.add_working_days(day, n) == _brute_nth_after(cal, day, n)
    assert cal.add_working_days(day, -n) == _brute_nth_before(cal, day, n)
    other = day + timedelta(days=2 * n)
    assert cal.working_days_between(day, other) == _brute_between(cal, day, other)
    assert cal.working_days_between(other, day) == -_brute_between(cal, day, other)


@given(day=st.dates(min_value=date(2028, 1, 1), max_value=date(2032, 12, 31)), n=st.integers(-80, 80).filter(bool))
def test_a_calendar_of_one_future_year_is_exact_around_it(day: date, n: int) -> None:
    lone = WorkingCalendar(
        [YearArrangement(2030, frozenset({D("2030-10-01"), D("2030-10-02")}), frozenset({D("2030-09-29")}))]
    )
    target = lone.add_working_days(day, n)
    assert target == (_brute_nth_after(lone, day, n) if n > 0 else _brute_nth_before(lone, day, -n))
    assert lone.working_days_between(day, target) == _brute_between(lone, day, target)
