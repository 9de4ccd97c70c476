"""Crisis alerts: a burst of negative comments well above a client's usual rate, alerted once.

The caller counts negative items in the current window (the last `window_minutes`) and in each of the
windows of the same length before it, over `baseline_hours`: one count per window, zeros included
(a GROUP BY only returns windows that had something; fill the rest with 0). Fewer windows than
`baseline_windows` is fine for an account with a shorter history.

The threshold is

    max(min_negative, expected + sensitivity * max(std, sqrt(expected), 1))

where expected and std are the mean and population standard deviation of the baseline counts.
Negative comments arrive roughly like a Poisson process, whose spread is sqrt(expected), so that
floor stops a baseline that happens to be very regular (or too short to show its spread) from
making a small wobble a crisis; the floor of 1 does the same for an almost silent account, and
min_negative keeps a handful of comments on a tiny account from ever alerting. Past spikes inside
the baseline raise the bar for a week, which errs towards fewer alerts after a crisis.

A spike fires once: while an alert's cooldown runs, nothing fires. Once it has run out, a spike that
is still going on fires again if the window is still over the threshold, which by then counts the
spike's own earlier windows in its baseline.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

SPIKE = "spike"
BELOW_MINIMUM = "below_minimum"
WITHIN_BASELINE = "within_baseline"
COOLDOWN = "cooldown"
DISABLED = "disabled"

# (lowest, highest) accepted for each numeric setting.
_LIMITS = {
    "window_minutes": (5, 24 * 60),
    "baseline_hours": (1, 90 * 24),
    "sensitivity": (0.5, 20.0),
    "min_negative": (1, 100_000),
    "cooldown_minutes": (5, 7 * 24 * 60),
}


@dataclass(frozen=True)
class CrisisSettings:
    """How a client's crisis alert listens: window, baseline, sensitivity, floor and cooldown."""

    window_minutes: int = 30
    baseline_hours: int = 7 * 24
    sensitivity: float = 3.0
    min_negative: int = 5
    cooldown_minutes: int = 120
    enabled: bool = True

    def __post_init__(self) -> None:
        for name, (lowest, highest) in _LIMITS.items():
            value = getattr(self, name)
            kinds = int | float if isinstance(lowest, float) else int
            if isinstance(value, bool) or not isinstance(value, kinds) or not lowest <= value <= highest:
                raise ValueError(f"{name} must be a number from {lowest} to {highest}, not {value!r}")
        if not isinstance(self.enabled, bool):
            raise ValueError(f"enabled must be true or false, not {self.enabled!r}")
        if self.baseline_hours * 60 < self.window_minutes:
            raise ValueError("the baseline must cover at least one window")
        if self.cooldown_minutes < self.window_minutes:
            # A shorter cooldown would let the comments of one window raise two alerts.
            raise ValueError("the cooldown must last at least one window")

    @classmethod
    def from_json(cls, data: dict) -> CrisisSettings:
        """Parse the stored shape (see to_json); a missing key takes the default, an unknown one fails."""
        if not isinstance(data, dict):
            raise ValueError("crisis settings must be a JSON object")
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown crisis settings: {', '.join(sorted(map(str, unknown)))}")
        return cls(**data)

    def to_json(self) -> dict:
        """{"window_minutes": 30, "baseline_hours": 168, "sensitivity": 3.0, ...}: one key per field."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def baseline_windows(self) -> int:
        """How many whole windows the baseline holds."""
        return self.baseline_hours * 60 // self.window_minutes


@dataclass(frozen=True)
class SpikeDecision:
    """Whether to alert now, and the figures that explain it to the user."""

    fire: bool
    reason: str  # SPIKE, BELOW_MINIMUM, WITHIN_BASELINE, COOLDOWN or DISABLED
    window_negative: int
    expected: float  # mean negative items per window in the baseline
    threshold: float  # the count at or above which the window is a spike
    cooldown_until: datetime | None  # when the last alert stops holding new ones back


def spike_threshold(settings: CrisisSettings, baseline_counts: list[int]) -> tuple[float, float]:
    """The expected count per window and the count at or above which a window is a spike."""
    expected = statistics.fmean(baseline_counts) if baseline_counts else 0.0
    spread = statistics.pstdev(baseline_counts, mu=expected) if baseline_counts else 0.0
    threshold = expected + settings.sensitivity * max(spread, math.sqrt(expected), 1.0)
    return expected, max(float(settings.min_negative), threshold)


def detect_spike(
    settings: CrisisSettings,
    *,
    window_negative: int,
    baseline_counts: list[int],
    last_alert_at: datetime | None,
    now: datetime,
) -> SpikeDecision:
    """Whether the negative items of the current window call for a crisis alert now."""
    _check_count(window_negative, "window_negative")
    for count in baseline_counts:
        _check_count(count, "baseline counts")
    if len(baseline_counts) > settings.baseline_windows:
        raise ValueError(
            f"{len(baseline_counts)} baseline windows given, the baseline holds {settings.baseline_windows}"
        )
    for name, instant in (("now", now), ("last_alert_at", last_alert_at or now)):
        if instant.utcoffset() is None:
            raise ValueError(f"{name} must be a timezone-aware datetime")
    expected, threshold = spike_threshold(settings, baseline_counts)
    cooldown_until = last_alert_at + timedelta(minutes=settings.cooldown_minutes) if last_alert_at else None
    if not settings.enabled:
        reason = DISABLED
    elif window_negative < settings.min_negative:
        reason = BELOW_MINIMUM
    elif window_negative < threshold:
        reason = WITHIN_BASELINE
    elif cooldown_until is not None and now < cooldown_until:
        reason = COOLDOWN
    else:
        reason = SPIKE
    return SpikeDecision(reason == SPIKE, reason, window_negative, expected, threshold, cooldown_until)


def _check_count(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be whole numbers of 0 or more, not {value!r}")
