"""Report periods: a client's local Monday-Sunday weeks, one or two at a time, and when each is due.

A period's report is due from SEND_HOUR on the Monday after it ends, in the client's time zone: Sunday's
last readings are rolled up by then, and the email arrives in the morning. Biweekly periods are pairs of
weeks counted from a fixed Monday, so every scheduler, on any machine, cuts the same periods.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tenants.services.local_time import to_local

CADENCES = ("off", "weekly", "biweekly")
SEND_HOUR = 6
# A Monday: biweekly periods start an even number of weeks after it.
BIWEEKLY_ANCHOR = date(2024, 1, 1)
MAX_RANGE_DAYS = 366


def period_containing(cadence: str, day: date) -> tuple[date, date]:
    """The weekly or biweekly period (first and last local day) that holds `day`."""
    monday = day - timedelta(days=day.weekday())
    if cadence == "weekly":
        return monday, monday + timedelta(days=6)
    if cadence == "biweekly":
        weeks = (monday - BIWEEKLY_ANCHOR).days // 7
        start = monday - timedelta(weeks=weeks % 2)
        return start, start + timedelta(days=13)
    raise ValueError(f"no periods for cadence {cadence!r}")


def send_time(end: date) -> datetime:
    """The local wall-clock time (naive) from which the period ending on `end` is reported."""
    return datetime.combine(end + timedelta(days=1), time(SEND_HOUR))


def latest_due_period(
    cadence: str, *, now: datetime, timezone: str, since: datetime | None = None
) -> tuple[date, date] | None:
    """The most recent finished period whose send time has passed in the client's zone (None when off).

    Only the latest one: a scheduler that was down for weeks catches up on the last period, it does not
    mail a backlog of old reports. Nor one whose send time came before the cadence was chosen (`since`):
    turning reports on, or weekly into biweekly, mid-week waits for the next send time.
    """
    if cadence not in ("weekly", "biweekly"):
        return None
    start, end = last_finished_period(cadence, now=now, timezone=timezone)
    due = send_time(end)
    if to_local(now, timezone).replace(tzinfo=None) < due:
        return None
    if since is not None and to_local(since, timezone).replace(tzinfo=None) > due:
        return None
    return start, end


def last_finished_period(cadence: str, *, now: datetime, timezone: str) -> tuple[date, date]:
    """The period that ended most recently in the client's zone, due or not yet."""
    local_day = to_local(now, timezone).date()
    current_start, _ = period_containing(cadence, local_day)
    return period_containing(cadence, current_start - timedelta(days=1))


def next_report(cadence: str, *, now: datetime, timezone: str) -> tuple[date, date, datetime] | None:
    """The period the next scheduled report covers and its local send time (naive); None when off.

    Early on a Monday, before the send time, that is the period that just ended, not the current one.
    """
    if cadence not in ("weekly", "biweekly"):
        return None
    start, end = last_finished_period(cadence, now=now, timezone=timezone)
    if to_local(now, timezone).replace(tzinfo=None) >= send_time(end):
        start, end = period_containing(cadence, end + timedelta(days=1))
    return start, end, send_time(end)


def schedule_key(cadence: str, start: date, end: date) -> str:
    """What makes a scheduled report unique for its client: the cadence and the period."""
    return f"{cadence}:{start.isoformat()}/{end.isoformat()}"
