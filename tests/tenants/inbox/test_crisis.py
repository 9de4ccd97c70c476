"""Crisis spikes: fire once per burst, respect the cooldown, ignore tiny accounts, scale with the baseline."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenants.inbox.crisis import CrisisSettings, detect_spike, spike_threshold

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
DEFAULTS = CrisisSettings()


def decide(settings=DEFAULTS, *, window, baseline, last_alert_at=None, now=NOW):
    return detect_spike(
        settings, window_negative=window, baseline_counts=baseline, last_alert_at=last_alert_at, now=now
    )


def counts(settings: CrisisSettings, negatives: list[datetime], now: datetime) -> tuple[int, list[int]]:
    """The current window's count and the baseline windows' counts, zeros included, as the caller does."""
    size = timedelta(minutes=settings.window_minutes)
    buckets = [0] * (settings.baseline_windows + 1)
    for at in negatives:
        index = (now - at) // size
        if at <= now and index < len(buckets):
            buckets[index] += 1
    return buckets[0], buckets[1:]


def run(
    settings: CrisisSettings, negatives: list[datetime], start: datetime, end: datetime
) -> list[datetime]:
    """Evaluate every five minutes like the periodic job would; the instants an alert fired."""
    alerts: list[datetime] = []
    now = start
    while now <= end:
        window, baseline = counts(settings, negatives, now)
        last = alerts[-1] if alerts else None
        if decide(settings, window=window, baseline=baseline, last_alert_at=last, now=now).fire:
            alerts.append(now)
        now += timedelta(minutes=5)
    return alerts


def quiet_week(rng: random.Random, end: datetime, per_hour: float) -> list[datetime]:
    """Negative comments at random over the week before `end`."""
    seconds = 7 * 24 * 3600
    return [end - timedelta(seconds=rng.uniform(0, seconds)) for _ in range(int(per_hour * 7 * 24))]


def burst(start: datetime, minutes: int, per_minute: float) -> list[datetime]:
    step = timedelta(minutes=1 / per_minute)
    return [start + step * i for i in range(int(minutes * per_minute))]


def test_a_burst_fires_once_even_while_it_lasts_through_many_checks():
    rng = random.Random(6)
    outbreak = NOW + timedelta(hours=1)
    negatives = quiet_week(rng, NOW, per_hour=1) + burst(outbreak, minutes=90, per_minute=1)
    alerts = run(DEFAULTS, negatives, NOW, NOW + timedelta(hours=4))
    assert len(alerts) == 1
    assert outbreak < alerts[0] <= outbreak + timedelta(minutes=30)


def test_the_same_week_without_the_burst_never_fires():
    rng = random.Random(6)
    assert run(DEFAULTS, quiet_week(rng, NOW, per_hour=1), NOW, NOW + timedelta(hours=4)) == []


def test_a_second_burst_after_the_cooldown_fires_again():
    rng = random.Random(7)
    first, second = NOW + timedelta(hours=1), NOW + timedelta(hours=5)
    negatives = quiet_week(rng, NOW, per_hour=1) + burst(first, 40, 1) + burst(second, 40, 1)
    alerts = run(DEFAULTS, negatives, NOW, NOW + timedelta(hours=7))
    assert len(alerts) == 2
    assert alerts[0] < second <= alerts[1]


def test_a_burst_still_going_when_the_cooldown_ends_fires_again_and_one_that_ended_does_not():
    rng = random.Random(8)
    outbreak = NOW + timedelta(hours=1)
    quiet = quiet_week(rng, NOW, per_hour=1)
    ongoing = run(DEFAULTS, quiet + burst(outbreak, 180, 1), NOW, NOW + timedelta(hours=5))
    assert len(ongoing) == 2
    assert ongoing[1] - ongoing[0] == timedelta(minutes=DEFAULTS.cooldown_minutes)
    over = run(DEFAULTS, quiet + burst(outbreak, 60, 1), NOW, NOW + timedelta(hours=5))
    assert len(over) == 1


def test_within_the_cooldown_a_spike_is_held_back_and_says_why():
    held = decide(window=40, baseline=[0] * 10, last_alert_at=NOW - timedelta(minutes=119))
    assert (held.fire, held.reason) == (False, "cooldown")
    assert held.cooldown_until == NOW + timedelta(minutes=1)
    again = decide(window=40, baseline=[0] * 10, last_alert_at=NOW - timedelta(minutes=120))
    assert (again.fire, again.reason) == (True, "spike")


def test_the_same_count_is_a_spike_on_a_quiet_account_and_normal_on_a_busy_one():
    quiet = decide(window=12, baseline=[1, 0, 2, 1, 0, 1, 2, 1] * 40)
    busy = decide(window=12, baseline=[8, 12, 10, 9, 11, 13, 7, 10] * 40)
    assert (quiet.fire, quiet.reason) == (True, "spike")
    assert (busy.fire, busy.reason) == (False, "within_baseline")
    assert quiet.expected == 1.0 and busy.expected == 10.0
    assert quiet.threshold < 12 <= busy.threshold


def test_a_tiny_account_never_alerts_below_the_minimum():
    silent = decide(window=4, baseline=[0] * 336)
    assert (silent.fire, silent.reason) == (False, "below_minimum")
    assert silent.threshold == DEFAULTS.min_negative
    assert decide(window=5, baseline=[0] * 336).fire
    assert decide(window=5, baseline=[]).fire  # no history yet: the minimum still applies


def test_a_sparse_baseline_is_not_made_jumpy_by_its_zeros():
    # Mostly silent with the odd comment: sqrt(mean) and 1 floor the spread, so 5 is not a 3-sigma event.
    sparse = [0] * 330 + [1] * 6
    expected, threshold = spike_threshold(CrisisSettings(min_negative=1), sparse)
    assert expected == pytest.approx(6 / 336)
    assert 3 <= threshold < 4


def test_a_very_regular_baseline_still_allows_for_chance():
    # Exactly 10 in every window has no spread at all; chance alone spreads such counts by sqrt(10).
    steady = [10] * 336
    assert not decide(window=15, baseline=steady).fire
    assert decide(window=20, baseline=steady).fire


def test_a_disabled_alert_never_fires_but_still_explains():
    off = decide(CrisisSettings(enabled=False), window=500, baseline=[0] * 10)
    assert (off.fire, off.reason) == (False, "disabled")
    assert off.threshold == 5


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="baseline holds 336"):
        decide(window=10, baseline=[0] * 337)
    with pytest.raises(ValueError, match="window_negative"):
        decide(window=-1, baseline=[])
    with pytest.raises(ValueError, match="baseline counts"):
        decide(window=1, baseline=[1.5])
    with pytest.raises(ValueError, match="now must be"):
        decide(window=1, baseline=[], now=datetime(2026, 12, 4, 12, 0))
    with pytest.raises(ValueError, match="last_alert_at must be"):
        decide(window=1, baseline=[], last_alert_at=datetime(2026, 12, 4, 12, 0))


def test_settings_round_trip_and_default_missing_keys():
    custom = CrisisSettings(
        window_minutes=15, baseline_hours=48, sensitivity=2.5, min_negative=3, cooldown_minutes=60
    )
    assert CrisisSettings.from_json(custom.to_json()) == custom
    assert CrisisSettings.from_json({}) == DEFAULTS
    assert DEFAULTS.to_json() == {
        "window_minutes": 30,
        "baseline_hours": 168,
        "sensitivity": 3.0,
        "min_negative": 5,
        "cooldown_minutes": 120,
        "enabled": True,
    }
    assert DEFAULTS.baseline_windows == 336


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"window_minutes": 0}, "window_minutes must be a number from 5 to 1440"),
        ({"window_minutes": "30"}, "window_minutes must be"),
        ({"window_minutes": 30.0}, "window_minutes must be"),
        ({"sensitivity": 0}, "sensitivity must be a number from 0.5"),
        ({"sensitivity": float("nan")}, "sensitivity must be"),
        ({"min_negative": True}, "min_negative must be"),
        ({"min_negative": 0}, "min_negative must be"),
        ({"enabled": "yes"}, "enabled must be true or false"),
        ({"window_minutes": 120, "baseline_hours": 1}, "at least one window"),
        ({"window_minutes": 60, "cooldown_minutes": 30}, "cooldown must last at least one window"),
        ({"threshold": 4}, "unknown crisis settings: threshold"),
    ],
)
def test_bad_settings_say_what_is_wrong(data, message):
    with pytest.raises(ValueError, match=message):
        CrisisSettings.from_json(data)


counts_lists = st.lists(st.integers(0, 60), max_size=336)
sensitivities = st.floats(0.5, 20.0, allow_nan=False)


@given(counts_lists, st.integers(0, 200), sensitivities, sensitivities, st.integers(1, 20))
def test_a_higher_sensitivity_never_fires_where_a_lower_one_did_not(baseline, window, one, other, minimum):
    lower, higher = sorted([one, other])
    fired = [
        decide(CrisisSettings(sensitivity=s, min_negative=minimum), window=window, baseline=baseline).fire
        for s in (lower, higher)
    ]
    assert fired[0] or not fired[1]


@given(counts_lists, st.integers(0, 200), st.integers(0, 200), sensitivities)
def test_more_negative_comments_never_stop_an_alert(baseline, one, other, sensitivity):
    fewer, more = sorted([one, other])
    settings = CrisisSettings(sensitivity=sensitivity)
    assert (
        not decide(settings, window=fewer, baseline=baseline).fire
        or decide(settings, window=more, baseline=baseline).fire
    )


@given(counts_lists, st.integers(0, 200), sensitivities)
def test_a_spike_fires_exactly_at_or_above_its_own_threshold(baseline, window, sensitivity):
    decision = decide(CrisisSettings(sensitivity=sensitivity), window=window, baseline=baseline)
    assert decision.fire == (window >= decision.threshold)
    assert decision.threshold >= max(DEFAULTS.min_negative, decision.expected)
