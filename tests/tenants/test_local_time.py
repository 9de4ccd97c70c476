"""DST-safe wall-clock times for Europe/Rome: skipped and repeated hours ask, normal hours do not."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tenants.errors import Invalid
from tenants.services import local_time

ROME = "Europe/Rome"


def test_an_ordinary_time_maps_to_one_instant():
    assert local_time.to_utc(datetime(2026, 7, 1, 9, 30), ROME) == datetime(2026, 7, 1, 7, 30, tzinfo=UTC)
    assert local_time.to_utc(datetime(2026, 1, 15, 9, 30), ROME) == datetime(2026, 1, 15, 8, 30, tzinfo=UTC)


def test_the_skipped_hour_in_march_asks_and_offers_the_times_around_it():
    with pytest.raises(local_time.TimeChoiceNeeded) as caught:
        local_time.to_utc(datetime(2026, 3, 29, 2, 30), ROME)
    assert caught.value.kind == "gap"
    earlier, later = caught.value.options
    assert local_time.to_local(earlier, ROME).strftime("%H:%M") == "01:30"
    assert local_time.to_local(later, ROME).strftime("%H:%M") == "03:30"
    assert local_time.to_utc(datetime(2026, 3, 29, 2, 30), ROME, "later") == later


def test_the_repeated_hour_in_october_asks_first_or_second():
    with pytest.raises(local_time.TimeChoiceNeeded) as caught:
        local_time.to_utc(datetime(2026, 10, 25, 2, 30), ROME)
    assert caught.value.kind == "ambiguous"
    first = local_time.to_utc(datetime(2026, 10, 25, 2, 30), ROME, "earlier")
    second = local_time.to_utc(datetime(2026, 10, 25, 2, 30), ROME, "later")
    assert (first, second) == (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    )
    assert caught.value.details["options"] == [first.isoformat(), second.isoformat()]


def test_the_hours_next_to_the_changes_are_unambiguous():
    assert local_time.resolve(datetime(2026, 3, 29, 1, 59), ROME).kind == "ok"
    assert local_time.resolve(datetime(2026, 3, 29, 3, 0), ROME).kind == "ok"
    assert local_time.resolve(datetime(2026, 10, 25, 1, 59), ROME).kind == "ok"
    assert local_time.resolve(datetime(2026, 10, 25, 3, 0), ROME).kind == "ok"


def test_dst_days_are_23_and_25_hours_long():
    start, end = local_time.day_bounds(date(2026, 3, 29), ROME)
    assert (end - start).total_seconds() == 23 * 3600
    start, end = local_time.day_bounds(date(2026, 10, 25), ROME)
    assert (end - start).total_seconds() == 25 * 3600


def test_dragging_keeps_the_local_time_across_a_dst_change():
    friday_nine = local_time.to_utc(datetime(2026, 3, 27, 9, 0), ROME)
    moved = local_time.move_to_day(friday_nine, date(2026, 3, 30), ROME)
    assert local_time.to_local(moved, ROME).strftime("%Y-%m-%d %H:%M") == "2026-03-30 09:00"
    assert moved - friday_nine != (date(2026, 3, 30) - date(2026, 3, 27))  # 71 hours, not 72


def test_dragging_a_2_30_post_onto_the_change_day_asks():
    night = local_time.to_utc(datetime(2026, 3, 28, 2, 30), ROME)
    with pytest.raises(local_time.TimeChoiceNeeded):
        local_time.move_to_day(night, date(2026, 3, 29), ROME)


def test_bad_inputs_are_invalid_not_crashes():
    with pytest.raises(Invalid):
        local_time.parse_local("domani alle nove")
    with pytest.raises(Invalid):
        local_time.parse_instant("2026-05-04T09:30")
    with pytest.raises(Invalid):
        local_time.to_utc(datetime(2026, 10, 25, 2, 30), ROME, "sideways")
