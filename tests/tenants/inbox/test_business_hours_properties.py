"""Properties of working time on random schedules in zones with unusual DST rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tenants.inbox.business_hours import (
    BusinessHours,
    OpenRange,
    add_business_seconds,
    business_seconds_between,
    is_open,
)

# Rome and New York; Lord Howe moves by 30 minutes; Santiago changes at midnight; Kolkata never changes.
ZONES = ["Europe/Rome", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "UTC"]
MICROSECOND = timedelta(microseconds=1)

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
).map(lambda value: value.astimezone(UTC))


@st.composite
def day_ranges(draw: st.DrawFn) -> tuple[OpenRange, ...]:
    """Up to three ranges of a day; boundaries often near 00:00, the DST hours and 24:00."""
    minutes = st.one_of(st.integers(0, 1440), st.sampled_from([0, 60, 90, 120, 150, 180, 1380, 1440]))
    bounds = sorted(draw(st.sets(minutes, max_size=6)))
    bounds = bounds[: len(bounds) // 2 * 2]
    return tuple(OpenRange(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2))


@st.composite
def schedules(draw: st.DrawFn, *, open_somewhere: bool = False) -> BusinessHours:
    weekly = tuple(draw(day_ranges()) for _ in range(7))
    if open_somewhere and not any(weekly):
        weekly = ((OpenRange(540, 1080),),) + weekly[1:]
    holidays = draw(st.frozensets(st.dates(date(2025, 1, 1), date(2028, 12, 31)), max_size=10))
    return BusinessHours(draw(st.sampled_from(ZONES)), weekly, holidays)


def weekly_open_seconds(hours: BusinessHours) -> int:
    return sum(r.end - r.start for ranges in hours.weekly for r in ranges) * 60


@st.composite
def targets(draw: st.DrawFn) -> tuple[BusinessHours, datetime, float]:
    """A schedule, a start and up to three weeks' worth of its open time (well inside two years)."""
    hours = draw(schedules(open_somewhere=True))
    seconds = draw(st.floats(0, 3 * weekly_open_seconds(hours), allow_nan=False))
    return hours, draw(instants), seconds


@settings(deadline=None)
@given(targets())
def test_adding_then_measuring_gives_back_the_target(case):
    hours, start, seconds = case
    due = add_business_seconds(hours, start, seconds)
    assert due >= start
    assert abs(business_seconds_between(hours, start, due) - seconds) <= 1e-6


@settings(deadline=None)
@given(targets())
def test_the_due_time_is_the_first_instant_the_target_is_reached(case):
    hours, start, seconds = case
    due = add_business_seconds(hours, start, seconds)
    if timedelta(seconds=seconds) > timedelta(0):
        assert business_seconds_between(hours, start, due - MICROSECOND) < seconds
        assert is_open(hours, due - MICROSECOND)


@settings(deadline=None)
@given(targets(), st.floats(0, 1, allow_nan=False))
def test_a_larger_target_is_never_due_earlier(case, fraction):
    hours, start, seconds = case
    assert add_business_seconds(hours, start, seconds * fraction) <= add_business_seconds(
        hours, start, seconds
    )


@settings(deadline=None)
@given(targets(), instants)
def test_a_later_start_is_never_due_earlier(case, other):
    hours, start, seconds = case
    early, late = sorted([start, other])
    assert add_business_seconds(hours, early, seconds) <= add_business_seconds(hours, late, seconds)


@settings(deadline=None)
@given(
    schedules(),
    instants,
    st.timedeltas(timedelta(0), timedelta(days=20)),
    st.timedeltas(timedelta(0), timedelta(days=20)),
)
def test_working_time_adds_up_grows_and_never_exceeds_the_wall_clock(hours, start, first, second):
    middle, end = start + first, start + first + second
    whole = business_seconds_between(hours, start, end)
    parts = business_seconds_between(hours, start, middle), business_seconds_between(hours, middle, end)
    assert abs(whole - sum(parts)) <= 1e-6
    assert 0 <= parts[0] <= whole <= (end - start).total_seconds()
    assert business_seconds_between(hours, end, start) == 0


@settings(deadline=None)
@given(st.sampled_from(ZONES), instants, st.timedeltas(timedelta(0), timedelta(days=40)))
def test_around_the_clock_working_time_is_wall_clock_time(zone, start, span):
    hours = BusinessHours.always_open(zone)
    assert business_seconds_between(hours, start, start + span) == span.total_seconds()
    assert add_business_seconds(hours, start, span.total_seconds()) == start + span
    assert is_open(hours, start)


@settings(deadline=None)
@given(schedules(), instants)
def test_open_means_working_time_passes_in_the_next_microsecond(hours, at):
    assert is_open(hours, at) == (business_seconds_between(hours, at, at + MICROSECOND) > 0)
