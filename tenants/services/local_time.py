"""Wall-clock times in a client's time zone, DST-safe: a time that does not exist or exists twice asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tenants.errors import N_, Conflict, Invalid

CHOICES = ("earlier", "later")


class TimeChoiceNeeded(Conflict):
    """The wall-clock time is skipped or repeated by a DST change; the caller must pick one of `options`."""

    code = "time_choice_needed"

    def __init__(self, message: str, *, kind: str, options: tuple[datetime, datetime], local: datetime):
        super().__init__(
            message,
            field="scheduled_at",
            details={"kind": kind, "options": [o.isoformat() for o in options]},
            local=local.strftime("%d/%m/%Y %H:%M"),
        )
        self.kind = kind
        self.options = options


@dataclass(frozen=True)
class LocalResolution:
    """How a wall-clock time maps to UTC: 'ok' (one instant), 'gap' (none) or 'ambiguous' (two)."""

    kind: str
    options: tuple[datetime, ...]


def resolve(local: datetime, timezone: str) -> LocalResolution:
    """The UTC instants a naive wall-clock time can mean in the zone, earliest first."""
    zone = ZoneInfo(timezone)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    instants = sorted({first.astimezone(UTC), second.astimezone(UTC)})
    if len(instants) == 1:
        return LocalResolution("ok", tuple(instants))
    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    kind = "gap" if round_trip != local else "ambiguous"
    return LocalResolution(kind, tuple(instants))


def to_utc(local: datetime, timezone: str, choice: str | None = None) -> datetime:
    """The UTC instant of a wall-clock time; TimeChoiceNeeded when DST makes it skipped or repeated."""
    if choice is not None and choice not in CHOICES:
        raise Invalid(N_("Choose 'earlier' or 'later'."), field="dst_choice")
    resolution = resolve(local.replace(second=0, microsecond=0), timezone)
    if resolution.kind == "ok":
        return resolution.options[0]
    if choice is None:
        message = (
            N_("%(local)s does not exist: the clocks go forward. Pick one of the two times offered.")
            if resolution.kind == "gap"
            else N_("%(local)s happens twice: the clocks go back. Pick the first or the second one.")
        )
        raise TimeChoiceNeeded(message, kind=resolution.kind, options=resolution.options, local=local)
    return resolution.options[0 if choice == "earlier" else 1]


def to_local(instant: datetime, timezone: str) -> datetime:
    """The aware wall-clock time of a UTC instant in the zone."""
    return instant.astimezone(ZoneInfo(timezone))


def parse_local(value: str, *, field: str = "scheduled_at") -> datetime:
    """A naive wall-clock datetime from 'YYYY-MM-DDTHH:MM' (or with a space)."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "T"))
    except (AttributeError, ValueError) as exc:
        raise Invalid(N_("Use a date and time like 2026-05-04 09:30."), field=field) from exc
    if parsed.tzinfo is not None:
        raise Invalid(N_("Use a date and time like 2026-05-04 09:30."), field=field)
    return parsed


def parse_instant(value: str, *, field: str = "scheduled_at") -> datetime:
    """An aware datetime from ISO 8601 with an offset or Z."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (AttributeError, ValueError) as exc:
        raise Invalid(
            N_("Use ISO 8601 with a time zone offset, e.g. 2026-05-04T09:30:00+02:00."), field=field
        ) from exc
    if parsed.tzinfo is None:
        raise Invalid(
            N_("Use ISO 8601 with a time zone offset, e.g. 2026-05-04T09:30:00+02:00."), field=field
        )
    return parsed.astimezone(UTC)


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """UTC start and end of a local calendar day (23 or 25 hours long on DST days)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def move_to_day(instant: datetime, day: date, timezone: str, choice: str | None = None) -> datetime:
    """The same local time of day on another date (drag and drop), DST-checked."""
    local = to_local(instant, timezone)
    return to_utc(datetime.combine(day, local.time().replace(tzinfo=None)), timezone, choice)
