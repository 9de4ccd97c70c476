"""Working time between instants: weekends, holidays, split days, 24/7, DST in Rome, a New York client."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tenants.inbox.business_hours import (
    BusinessHours,
    OpenRange,
    add_business_seconds,
    business_seconds_between,
    is_open,
)

ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


def local(instant: datetime, zone: ZoneInfo = ROME) -> str:
    return instant.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def sundays(*ranges: tuple[str, str], timezone: str = "Europe/Rome") -> BusinessHours:
    return BusinessHours.from_json(
        {"timezone": timezone, "weekly": {"sun": [list(r) for r in ranges]}, "holidays": []}
    )


def test_a_friday_evening_item_is_due_on_monday_morning():
    due = add_business_seconds(BusinessHours.default(), rome(2026, 12, 4, 17, 30), HOUR)
    assert local(due) == "Mon 2026-12-07 09:30 CET"
    assert due.tzinfo is UTC


def test_an_item_arriving_on_saturday_starts_counting_on_monday():
    due = add_business_seconds(BusinessHours.default(), rome(2026, 12, 5, 11, 0), HOUR)
    assert local(due) == "Mon 2026-12-07 10:00 CET"


def test_the_weekend_adds_no_working_time():
    hours = BusinessHours.default()
    assert business_seconds_between(hours, rome(2026, 12, 4, 17, 0), rome(2026, 12, 7, 10, 0)) == 2 * HOUR
    assert business_seconds_between(hours, rome(2026, 12, 5, 0, 0), rome(2026, 12, 7, 0, 0)) == 0


def test_a_target_used_up_exactly_at_closing_is_due_at_closing_not_next_morning():
    due = add_business_seconds(BusinessHours.default(), rome(2026, 12, 4, 17, 0), HOUR)
    assert local(due) == "Fri 2026-12-04 18:00 CET"


def test_end_before_start_and_zero_targets():
    hours = BusinessHours.default()
    assert business_seconds_between(hours, rome(2026, 12, 3, 12, 0), rome(2026, 12, 3, 10, 0)) == 0
    saturday = rome(2026, 12, 5, 11, 0)
    assert add_business_seconds(hours, saturday, 0) == saturday


def test_a_holiday_is_closed_all_day():
    hours = BusinessHours.from_json({"holidays": ["2026-12-25"]})
    christmas_eve = rome(2026, 12, 24, 17, 30)
    assert local(add_business_seconds(hours, christmas_eve, HOUR)) == "Mon 2026-12-28 09:30 CET"
    assert not is_open(hours, rome(2026, 12, 25, 11, 0))
    assert is_open(BusinessHours.default(), rome(2026, 12, 25, 11, 0))
    assert business_seconds_between(hours, christmas_eve, rome(2026, 12, 28, 9, 30)) == HOUR


def test_a_split_day_skips_the_lunch_break():
    hours = BusinessHours.from_json(
        {
            "weekly": {
                day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
            }
        }
    )
    assert local(add_business_seconds(hours, rome(2026, 12, 2, 12, 30), HOUR)) == "Wed 2026-12-02 14:30 CET"
    assert business_seconds_between(hours, rome(2026, 12, 2, 12, 0), rome(2026, 12, 2, 15, 0)) == 2 * HOUR
    assert business_seconds_between(hours, rome(2026, 12, 2, 0, 0), rome(2026, 12, 3, 0, 0)) == 8 * HOUR
    assert not is_open(hours, rome(2026, 12, 2, 13, 30))
    assert is_open(hours, rome(2026, 12, 2, 14, 0))
    assert not is_open(hours, rome(2026, 12, 2, 18, 0))


def test_always_open_counts_every_second_even_on_dst_days():
    hours = BusinessHours.always_open()
    start, end = rome(2026, 3, 28, 12, 0), rome(2026, 3, 30, 12, 0)
    # Subtracting two datetimes of one zone would count wall-clock hours (48): compare in UTC.
    assert business_seconds_between(hours, start, end) == (end - start.astimezone(UTC)).total_seconds()
    assert business_seconds_between(hours, start, end) == 47 * HOUR
    due = add_business_seconds(hours, rome(2026, 10, 24, 12, 0), 24 * HOUR)
    assert local(due) == "Sun 2026-10-25 11:00 CET"


def test_the_spring_forward_sunday_has_23_hours_and_the_fall_back_one_25():
    hours = sundays(("00:00", "24:00"))
    assert business_seconds_between(hours, rome(2026, 3, 29, 0, 0), rome(2026, 3, 30, 0, 0)) == 23 * HOUR
    assert business_seconds_between(hours, rome(2026, 10, 25, 0, 0), rome(2026, 10, 26, 0, 0)) == 25 * HOUR
    assert business_seconds_between(hours, rome(2026, 11, 1, 0, 0), rome(2026, 11, 2, 0, 0)) == 24 * HOUR


def test_a_range_spanning_the_change_lasts_the_real_time_that_passed():
    night = sundays(("01:00", "04:00"))
    assert business_seconds_between(night, rome(2026, 3, 29, 0, 0), rome(2026, 3, 30, 0, 0)) == 2 * HOUR
    assert business_seconds_between(night, rome(2026, 10, 25, 0, 0), rome(2026, 10, 26, 0, 0)) == 4 * HOUR
    # 01:30 CET + 1 hour of work is 03:30 CEST on the spring-forward night.
    due = add_business_seconds(night, rome(2026, 3, 29, 1, 30), HOUR)
    assert local(due) == "Sun 2026-03-29 03:30 CEST"


def test_a_boundary_in_the_skipped_hour_falls_on_the_jump_to_three():
    hours = sundays(("02:30", "04:00"))
    opens = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST, the instant the clocks jump
    assert not is_open(hours, opens - timedelta(microseconds=1))
    assert is_open(hours, opens)
    assert business_seconds_between(hours, rome(2026, 3, 29, 0, 0), rome(2026, 3, 30, 0, 0)) == HOUR
    assert (
        business_seconds_between(
            sundays(("02:15", "02:45")), opens - timedelta(hours=2), opens + timedelta(hours=2)
        )
        == 0
    )


def test_a_repeated_boundary_in_the_autumn_is_its_first_occurrence():
    hours = sundays(("02:30", "03:00"))
    first_half_past_two = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert is_open(hours, first_half_past_two)
    assert is_open(hours, datetime(2026, 10, 25, 1, 15, tzinfo=UTC))  # 02:15 CET, the repeated hour
    assert business_seconds_between(hours, rome(2026, 10, 25, 0, 0), rome(2026, 10, 26, 0, 0)) == 1.5 * HOUR


def test_where_the_clocks_went_back_across_midnight_the_repeated_minutes_belong_to_the_new_day():
    # St John's fell back at 00:01 NDT on 7 November 2010 to 23:01 NST on the 6th.
    hours = sundays(("00:00", "01:00"), timezone="America/St_Johns")
    repeated = datetime(2010, 11, 7, 3, 0, tzinfo=UTC)
    assert repeated.astimezone(ZoneInfo("America/St_Johns")).strftime("%a %H:%M") == "Sat 23:30"
    assert is_open(hours, repeated)
    assert business_seconds_between(hours, repeated, repeated + timedelta(minutes=10)) == 600
    assert add_business_seconds(hours, repeated, 600) == repeated + timedelta(minutes=10)
    sunday = datetime(2010, 11, 7, tzinfo=ZoneInfo("America/St_Johns"))
    assert business_seconds_between(hours, sunday, sunday + timedelta(days=1)) == 2 * HOUR


def test_a_friday_item_before_the_spring_change_is_due_at_monday_local_time():
    friday = rome(2026, 3, 27, 17, 30)
    due = add_business_seconds(BusinessHours.default(), friday, HOUR)
    assert local(due) == "Mon 2026-03-30 09:30 CEST"
    assert due - friday == timedelta(hours=63)  # 64 on an ordinary weekend


def test_a_new_york_client_is_measured_in_new_york_against_utc_instants():
    hours = BusinessHours.default("America/New_York")
    # 22:00 UTC on Friday 6 March is 17:00 EST; the US clocks go forward on Sunday 8 March.
    due = add_business_seconds(hours, datetime(2026, 3, 6, 22, 0, tzinfo=UTC), 2 * HOUR)
    assert due == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    assert local(due, NEW_YORK) == "Mon 2026-03-09 10:00 EDT"
    # 13:30 UTC is 08:30 EST (closed) before the change and 09:30 EDT (open) after it.
    assert not is_open(hours, datetime(2026, 3, 2, 13, 30, tzinfo=UTC))
    assert is_open(hours, datetime(2026, 3, 16, 13, 30, tzinfo=UTC))
    assert not is_open(BusinessHours.default(), datetime(2026, 3, 16, 22, 30, tzinfo=UTC))


def test_instants_in_any_offset_mean_the_same_thing():
    hours = BusinessHours.default()
    in_tokyo = datetime(2026, 12, 4, 10, 30, tzinfo=ZoneInfo("Asia/Tokyo"))  # 02:30 in Rome
    assert not is_open(hours, in_tokyo)
    assert add_business_seconds(hours, in_tokyo, HOUR) == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_a_schedule_with_no_open_hours_cannot_set_a_due_time():
    closed = BusinessHours("Europe/Rome", ((),) * 7)
    with pytest.raises(ValueError, match="no open time"):
        add_business_seconds(closed, rome(2026, 12, 4, 9, 0), 60)
    assert business_seconds_between(closed, rome(2026, 12, 1, 0, 0), rome(2027, 12, 1, 0, 0)) == 0
    assert not is_open(closed, rome(2026, 12, 4, 10, 0))


def test_a_target_beyond_two_years_of_open_time_gives_up():
    one_sunday_minute = BusinessHours("Europe/Rome", ((),) * 6 + ((OpenRange(600, 601),),))
    with pytest.raises(ValueError, match="two years"):
        add_business_seconds(one_sunday_minute, rome(2026, 12, 4, 9, 0), 2 * HOUR)
    with pytest.raises(ValueError, match="search limit"):
        add_business_seconds(BusinessHours.always_open(), rome(2026, 12, 4, 9, 0), 3 * 365 * 24 * HOUR)


def test_naive_datetimes_and_bad_targets_are_refused():
    hours = BusinessHours.default()
    with pytest.raises(ValueError, match="timezone-aware"):
        business_seconds_between(hours, datetime(2026, 12, 4, 9, 0), rome(2026, 12, 4, 10, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(hours, datetime(2026, 12, 4, 9, 0))
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            add_business_seconds(hours, rome(2026, 12, 4, 9, 0), bad)


def test_a_year_of_weekdays_less_holidays_adds_up():
    hours = BusinessHours.from_json({"holidays": [date(2027, m, 1).isoformat() for m in range(1, 13)]})
    start = rome(2027, 1, 1, 0, 0)
    elapsed = business_seconds_between(hours, start, rome(2028, 1, 1, 0, 0))
    # 2027 has 261 weekdays; ten of the first-of-months fall on one (May 1st and August 1st do not).
    assert elapsed == (261 - 10) * 9 * HOUR
    assert add_business_seconds(hours, start, elapsed) == rome(2027, 12, 31, 18, 0)
