"""Business hours as stored JSON: defaults, round trips, and clear errors for bad schedules."""

from __future__ import annotations

from datetime import date

import pytest

from tenants.inbox.business_hours import BusinessHours, OpenRange

SPLIT = {
    "timezone": "America/New_York",
    "weekly": {
        "mon": [["14:00", "18:00"], ["09:00", "13:00"]],
        "tue": [],
        "wed": [["00:00", "24:00"]],
        "thu": [["22:00", "24:00"]],
        "fri": [["00:00", "02:00"], ["09:00", "13:00"]],
        "sat": [],
        "sun": [],
    },
    "holidays": ["2026-12-25", "2026-11-26"],
}


def test_the_default_is_weekdays_nine_to_six_in_rome():
    hours = BusinessHours.default()
    assert hours.to_json() == {
        "timezone": "Europe/Rome",
        "weekly": {
            **{day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
            "sat": [],
            "sun": [],
        },
        "holidays": [],
    }
    assert BusinessHours.from_json({}) == hours


def test_always_open_is_midnight_to_midnight_every_day():
    assert BusinessHours.always_open("Asia/Tokyo").to_json()["weekly"] == {
        day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }


def test_a_schedule_round_trips_with_ranges_and_holidays_sorted():
    hours = BusinessHours.from_json(SPLIT)
    assert hours.weekly[0] == (OpenRange(540, 780), OpenRange(840, 1080))
    assert hours.holidays == {date(2026, 11, 26), date(2026, 12, 25)}
    stored = hours.to_json()
    assert stored["weekly"]["mon"] == [["09:00", "13:00"], ["14:00", "18:00"]]
    assert stored["holidays"] == ["2026-11-26", "2026-12-25"]
    assert BusinessHours.from_json(stored) == hours
    assert hash(BusinessHours.from_json(stored)) == hash(hours)


def test_a_weekday_left_out_is_closed():
    hours = BusinessHours.from_json({"weekly": {"sat": [["10:00", "12:00"]]}})
    assert hours.weekly == ((), (), (), (), (), (OpenRange(600, 720),), ())


def test_adjacent_ranges_are_allowed():
    hours = BusinessHours.from_json({"weekly": {"mon": [["09:00", "13:00"], ["13:00", "18:00"]]}})
    assert len(hours.weekly[0]) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weekly": {"mon": [["18:00", "09:00"]]}}, "mon: 18:00-09:00 must end after it starts"),
        ({"weekly": {"tue": [["09:00", "09:00"]]}}, "tue: 09:00-09:00 must end after it starts"),
        (
            {"weekly": {"wed": [["09:00", "13:00"], ["12:00", "18:00"]]}},
            "wed: 09:00-13:00 overlaps 12:00-18:00",
        ),
        ({"weekly": {"thu": [["9:00", "18:00"]]}}, "thu: '9:00' is not a time like \"09:30\""),
        ({"weekly": {"fri": [["09:00", "25:00"]]}}, "fri: '25:00' is not a time"),
        ({"weekly": {"fri": [["09:60", "10:00"]]}}, "fri: '09:60' is not a time"),
        ({"weekly": {"fri": [["09:00", "24:30"]]}}, "fri: '24:30' is not a time"),
        ({"weekly": {"sat": [["24:00", "24:00"]]}}, 'sat: "24:00" can only end a range'),
        ({"weekly": {"sun": [[900, 1000]]}}, "sun: 900 is not a time"),
        ({"weekly": {"sun": [["09:00"]]}}, "sun: each range is a pair"),
        ({"weekly": {"sun": "09:00-18:00"}}, "sun: expected a list"),
        ({"weekly": {"monday": []}}, "unknown weekdays \\['monday'\\]"),
        ({"weekly": [["09:00", "18:00"]]}, "weekly must be an object"),
        ({"timezone": "Europe/Roma"}, "unknown time zone 'Europe/Roma'"),
        ({"timezone": None}, "unknown time zone None"),
        ({"holidays": ["25/12/2026"]}, "holiday '25/12/2026' is not a date"),
        ({"holidays": ["2026-02-30"]}, "holiday '2026-02-30' is not a date"),
        ({"holidays": "2026-12-25"}, "holidays must be a list"),
        ({"hours": {}}, "unknown business-hours keys: hours"),
    ],
)
def test_bad_schedules_say_what_is_wrong(data, message):
    with pytest.raises(ValueError, match=message):
        BusinessHours.from_json(data)


def test_not_an_object_is_refused():
    with pytest.raises(ValueError, match="must be a JSON object"):
        BusinessHours.from_json([])  # type: ignore[arg-type]


def test_the_constructor_checks_too():
    with pytest.raises(ValueError, match="one list of ranges per weekday"):
        BusinessHours("Europe/Rome", ((),) * 6)
    with pytest.raises(ValueError, match="holidays are dates"):
        BusinessHours("Europe/Rome", ((),) * 7, frozenset({"2026-12-25"}))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="minutes after midnight"):
        OpenRange(9.5, 10)  # type: ignore[arg-type]
