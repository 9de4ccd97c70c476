"""Inbox SLAs: when a first response and a resolution are due in business time, and which were late.

An item is late for a target when the instant that meets it (the first response, the closing) comes
after the due instant, or when nothing met it and `now` is past the due instant. Closing an item
without answering stops the first-response clock: it is late only if it was closed after the due
time. Due instants are those of add_business_seconds, so an answer given after hours once the
working time ran out is late even though no more working time passed.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime

from tenants.inbox.business_hours import BusinessHours, add_business_seconds, business_seconds_between

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"


@dataclass(frozen=True)
class SlaTargets:
    """How much working time a client allows for a first response and for a resolution."""

    first_response_seconds: int
    resolution_seconds: int

    def __post_init__(self) -> None:
        for name in ("first_response_seconds", "resolution_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a whole number of seconds above 0, not {value!r}")
        if self.resolution_seconds < self.first_response_seconds:
            raise ValueError("the resolution target cannot be shorter than the first-response target")

    @classmethod
    def from_json(cls, data: dict) -> SlaTargets:
        """Parse {"first_response_seconds": int, "resolution_seconds": int}."""
        if not isinstance(data, dict) or set(data) != {"first_response_seconds", "resolution_seconds"}:
            raise ValueError('SLA targets are {"first_response_seconds": ..., "resolution_seconds": ...}')
        return cls(data["first_response_seconds"], data["resolution_seconds"])

    def to_json(self) -> dict:
        """{"first_response_seconds": int, "resolution_seconds": int}."""
        return {
            "first_response_seconds": self.first_response_seconds,
            "resolution_seconds": self.resolution_seconds,
        }


@dataclass(frozen=True)
class SlaState:
    """An item's due times, the working time it took so far, and the targets it missed."""

    first_response_due_at: datetime
    resolution_due_at: datetime
    first_response_business_seconds: float | None  # None until answered
    resolution_business_seconds: float | None  # None until closed
    overdue: bool  # some target is missed: still open past its due time, or met late
    breached: frozenset[str]  # FIRST_RESPONSE and/or RESOLUTION


def sla_state(
    hours: BusinessHours,
    targets: SlaTargets,
    *,
    received_at: datetime,
    first_response_at: datetime | None,
    closed_at: datetime | None,
    now: datetime,
) -> SlaState:
    """The SLA picture of one inbox item at `now` (all instants aware)."""
    if now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    first_due = add_business_seconds(hours, received_at, targets.first_response_seconds)
    resolution_due = add_business_seconds(hours, received_at, targets.resolution_seconds)
    breached = set()
    if _late(first_due, met_at=first_response_at, waiting_until=closed_at or now):
        breached.add(FIRST_RESPONSE)
    if _late(resolution_due, met_at=closed_at, waiting_until=now):
        breached.add(RESOLUTION)
    return SlaState(
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
        first_response_business_seconds=_took(hours, received_at, first_response_at),
        resolution_business_seconds=_took(hours, received_at, closed_at),
        overdue=bool(breached),
        breached=frozenset(breached),
    )


def summarise_response_times(values: list[float], *, target_seconds: float | None = None) -> dict:
    """{"count", "median", "p90", "mean", "within_target"} of working-time durations, for reports.

    p90 interpolates between the closest ranks (statistics' "inclusive" method, like Excel's
    PERCENTILE.INC); within_target is the share (0 to 1) at or under target_seconds. Figures are None
    when there are no values, within_target also when no target is given.
    """
    for value in values:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            raise ValueError(f"response times are finite seconds of 0 or more, not {value!r}")
    if not values:
        return {"count": 0, "median": None, "p90": None, "mean": None, "within_target": None}
    p90 = statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]
    within = None
    if target_seconds is not None:
        within = sum(value <= target_seconds for value in values) / len(values)
    return {
        "count": len(values),
        "median": statistics.median(values),
        "p90": p90,
        "mean": statistics.fmean(values),
        "within_target": within,
    }


def _late(due: datetime, *, met_at: datetime | None, waiting_until: datetime) -> bool:
    return (met_at if met_at is not None else waiting_until) > due


def _took(hours: BusinessHours, received_at: datetime, done_at: datetime | None) -> float | None:
    return None if done_at is None else business_seconds_between(hours, received_at, done_at)
