"""A client's business hours and the working time between UTC instants, DST-safe.

A schedule is read in its own time zone, one local date at a time. Each open range of a date is one
stretch of real time, from the first instant the local clock shows its start to the first instant it
shows its end (RFC 5545 also takes the first of a repeated time). So:

- a range that spans a DST change lasts the real time that passed: 00:00-24:00 is 23 hours on the
  last Sunday of March in Europe/Rome and 25 hours on the last Sunday of October;
- a boundary the clocks skip (02:30 on the spring-forward day) falls on the change itself, when the
  clocks jump to 03:00: that day 02:30-04:00 is open one hour and 02:15-02:45 not at all;
- a boundary the clocks repeat (02:30 on the fall-back day) is its first occurrence, so 02:30-03:00
  that day is open an hour and a half.

Ranges cannot cross midnight: a night shift is 22:00-24:00 on one day and 00:00-02:00 on the next.
Holidays are local dates, closed all day.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

DEFAULT_TIMEZONE = "Europe/Rome"  # the same default as a client's time zone
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# How far ahead a due time is searched for: a schedule open less than that is a configuration error.
SEARCH_LIMIT = timedelta(days=731)
MEMO_DAYS = 4096  # local dates whose stretches a schedule remembers

_CLOCK_RE = re.compile(r"(\d\d):(\d\d)")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, order=True)
class OpenRange:
    """One open stretch of a day, in minutes after local midnight; end may be 1440 (24:00)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        for minute in (self.start, self.end):
            if isinstance(minute, bool) or not isinstance(minute, int):
                raise ValueError(f"range bounds are minutes after midnight, not {minute!r}")
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(f"{self} must end after it starts, between 00:00 and 24:00")

    @classmethod
    def parse(cls, start: str, end: str) -> OpenRange:
        """A range from two "HH:MM" strings; "24:00" may end a range."""
        return cls(_parse_clock(start, may_be_midnight=False), _parse_clock(end, may_be_midnight=True))

    def to_json(self) -> list[str]:
        """The range as ["HH:MM", "HH:MM"]."""
        return [_format_clock(self.start), _format_clock(self.end)]

    def __str__(self) -> str:
        return "-".join(self.to_json())


@dataclass(frozen=True)
class BusinessHours:
    """When a client's inbox is staffed: open ranges per weekday (Monday first) and closed holidays."""

    timezone: str
    weekly: tuple[tuple[OpenRange, ...], ...]
    holidays: frozenset[date] = field(default_factory=frozenset)
    # Each local date's stretches once computed, kept on the schedule itself: a cache keyed by the
    # schedule would hash all its ranges on every look-up, twice per ingested item.
    _stretches: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        _check_timezone(self.timezone)
        if len(self.weekly) != len(WEEKDAYS):
            raise ValueError("weekly needs one list of ranges per weekday, Monday first")
        weekly = tuple(_check_day(name, ranges) for name, ranges in zip(WEEKDAYS, self.weekly, strict=True))
        holidays = frozenset(self.holidays)
        for day in holidays:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"holidays are dates, not {day!r}")
        # Normalised copies (ranges sorted) so equal schedules compare and hash equal.
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "holidays", holidays)

    @classmethod
    def default(cls, timezone: str = DEFAULT_TIMEZONE) -> BusinessHours:
        """Monday to Friday, 09:00-18:00."""
        office = (OpenRange(9 * 60, 18 * 60),)
        return cls(timezone, (office,) * 5 + ((), ()))

    @classmethod
    def always_open(cls, timezone: str = DEFAULT_TIMEZONE) -> BusinessHours:
        """Open around the clock, every day: working time is wall-clock time."""
        return cls(timezone, ((OpenRange(0, MINUTES_PER_DAY),),) * 7)

    @classmethod
    def from_json(cls, data: dict) -> BusinessHours:
        """Parse the stored shape (see to_json); a missing key takes the default, an unknown one fails."""
        if not isinstance(data, dict):
            raise ValueError("business hours must be a JSON object")
        unknown = set(data) - {"timezone", "weekly", "holidays"}
        if unknown:
            raise ValueError(f"unknown business-hours keys: {', '.join(sorted(map(str, unknown)))}")
        weekly = _parse_weekly(data["weekly"]) if "weekly" in data else cls.default().weekly
        holidays = _parse_holidays(data.get("holidays", []))
        return cls(data.get("timezone", DEFAULT_TIMEZONE), weekly, holidays)

    def to_json(self) -> dict:
        """{"timezone": str, "weekly": {"mon": [["09:00", "18:00"]], ...}, "holidays": ["2026-12-25"]}."""
        return {
            "timezone": self.timezone,
            "weekly": {name: [r.to_json() for r in self.weekly[i]] for i, name in enumerate(WEEKDAYS)},
            "holidays": sorted(day.isoformat() for day in self.holidays),
        }

    @property
    def has_open_hours(self) -> bool:
        """Whether any weekday has an open range."""
        return any(self.weekly)


def business_seconds_between(hours: BusinessHours, start: datetime, end: datetime) -> float:
    """Working time elapsed from start to end (aware datetimes); 0 if end is not after start."""
    start, end = _as_utc(start, "start"), _as_utc(end, "end")
    if end <= start:
        return 0.0
    stretches = _open_stretches(hours, start, end)
    return sum((closes - opens for opens, closes in stretches), timedelta(0)).total_seconds()


def add_business_seconds(hours: BusinessHours, start: datetime, seconds: float) -> datetime:
    """The first UTC instant by which `seconds` of working time have elapsed after start."""
    start = _as_utc(start, "start")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds):
        raise ValueError(f"seconds must be a finite number, not {seconds!r}")
    if seconds < 0:
        raise ValueError("seconds cannot be negative")
    if not hours.has_open_hours:
        raise ValueError("the business hours have no open time on any day")
    if seconds > SEARCH_LIMIT.total_seconds():
        raise ValueError(f"{seconds:.0f} seconds of working time is more than the search limit")
    remaining = timedelta(seconds=seconds)
    if remaining == timedelta(0):
        return start
    for opens, closes in _open_stretches(hours, start, start + SEARCH_LIMIT):
        if remaining <= closes - opens:
            return opens + remaining
        remaining -= closes - opens
    raise ValueError("the business hours leave too little open time to reach the target within two years")


def is_open(hours: BusinessHours, at: datetime) -> bool:
    """Whether the instant falls inside an open range."""
    at = _as_utc(at, "at")
    day = at.astimezone(ZoneInfo(hours.timezone)).date()
    days = (day, day + timedelta(days=1))  # the next date too: see _open_stretches
    return any(opens <= at < closes for d in days for opens, closes in _day_stretches(hours, d))


def _open_stretches(
    hours: BusinessHours, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The open stretches between two UTC instants, clipped to them, in order."""
    zone = ZoneInfo(hours.timezone)
    day = start.astimezone(zone).date()
    # Where the clocks went back across midnight (St John's until 2011: 00:01 became 23:01), an
    # instant showing one date can belong to the next date's hours.
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        for opens, closes in _day_stretches(hours, day):
            if opens < end and closes > start:
                yield max(opens, start), min(closes, end)
        day += timedelta(days=1)


def _day_stretches(hours: BusinessHours, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The open stretches of one local date as UTC instants (a range the clocks skip is empty)."""
    memo = hours._stretches
    found = memo.get(day)
    if found is None:
        if len(memo) >= MEMO_DAYS:
            memo.clear()
        found = memo[day] = _compute_day_stretches(hours, day)
    return found


def _compute_day_stretches(hours: BusinessHours, day: date) -> tuple[tuple[datetime, datetime], ...]:
    if day in hours.holidays:
        return ()
    zone = ZoneInfo(hours.timezone)
    return tuple(
        (_first_instant(day, r.start, zone), _first_instant(day, r.end, zone))
        for r in hours.weekly[day.weekday()]
    )


def _first_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The first UTC instant at which the local clock shows `minute` of `day`, or later."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    # fold=0 is the first of a repeated time; inside a skipped hour it lands after the jump.
    after = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if after.astimezone(zone).replace(tzinfo=None) == wall:
        return after
    # A skipped time: the clock jumps over it somewhere between the two readings, at the change.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    offset_after = after.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + timedelta(seconds=(after - before) // timedelta(seconds=2))
        if middle.astimezone(zone).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return after


def _as_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(UTC)


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _check_timezone(name: object) -> None:
    if not isinstance(name, str) or name not in _known_timezones():
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as Europe/Rome")


def _check_day(name: str, ranges: tuple[OpenRange, ...]) -> tuple[OpenRange, ...]:
    """The day's ranges sorted, or ValueError if one is not an OpenRange or two overlap."""
    for r in ranges:
        if not isinstance(r, OpenRange):
            raise ValueError(f"{name}: ranges must be OpenRange values, not {r!r}")
    ordered = tuple(sorted(ranges))
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.start < earlier.end:
            raise ValueError(f"{name}: {earlier} overlaps {later}")
    return ordered


def _parse_weekly(value: object) -> tuple[tuple[OpenRange, ...], ...]:
    """Seven days of ranges from {"mon": [["09:00", "18:00"]], ...}; a day left out is closed."""
    if not isinstance(value, dict):
        raise ValueError('weekly must be an object like {"mon": [["09:00", "18:00"]]}')
    unknown = set(value) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"unknown weekdays {sorted(map(str, unknown))}: use {', '.join(WEEKDAYS)}")
    return tuple(_parse_day(name, value.get(name, [])) for name in WEEKDAYS)


def _parse_day(name: str, value: object) -> tuple[OpenRange, ...]:
    if not isinstance(value, list):
        raise ValueError(f"{name}: expected a list of [start, end] pairs")
    ranges = []
    for pair in value:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError(f'{name}: each range is a pair like ["09:00", "18:00"], not {pair!r}')
        try:
            ranges.append(OpenRange.parse(*pair))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return _check_day(name, tuple(ranges))


def _parse_holidays(value: object) -> frozenset[date]:
    if not isinstance(value, list):
        raise ValueError('holidays must be a list of dates like "2026-12-25"')
    days = set()
    for text in value:
        try:
            if not isinstance(text, str) or not _DATE_RE.fullmatch(text):
                raise ValueError
            days.add(date.fromisoformat(text))
        except ValueError:
            raise ValueError(f'holiday {text!r} is not a date like "2026-12-25"') from None
    return frozenset(days)


def _parse_clock(text: object, *, may_be_midnight: bool) -> int:
    """Minutes after midnight of "HH:MM"; "24:00" only where a range ends."""
    match = _CLOCK_RE.fullmatch(text) if isinstance(text, str) else None
    minutes = int(match[1]) * 60 + int(match[2]) if match else -1
    if match is None or int(match[2]) > 59 or minutes > MINUTES_PER_DAY:
        raise ValueError(f'{text!r} is not a time like "09:30"')
    if minutes == MINUTES_PER_DAY and not may_be_midnight:
        raise ValueError('"24:00" can only end a range')
    return minutes


def _format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
