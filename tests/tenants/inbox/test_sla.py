"""SLA state of inbox items in business time, and the response-time summary behind reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenants.inbox.business_hours import BusinessHours
from tenants.inbox.sla import SlaTargets, sla_state, summarise_response_times

ROME = ZoneInfo("Europe/Rome")
HOUR = 3600
OFFICE = BusinessHours.default()
TARGETS = SlaTargets(first_response_seconds=HOUR, resolution_seconds=8 * HOUR)
FRIDAY_EVENING = datetime(2026, 12, 4, 17, 30, tzinfo=ROME)


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


def state(*, first_response_at=None, closed_at=None, now, received_at=FRIDAY_EVENING, hours=OFFICE):
    return sla_state(
        hours,
        TARGETS,
        received_at=received_at,
        first_response_at=first_response_at,
        closed_at=closed_at,
        now=now,
    )


def test_a_friday_evening_item_is_due_on_monday_and_not_late_over_the_weekend():
    waiting = state(now=rome(2026, 12, 6, 22, 0))
    assert waiting.first_response_due_at == rome(2026, 12, 7, 9, 30)
    assert waiting.resolution_due_at == rome(2026, 12, 7, 16, 30)
    assert waiting.first_response_business_seconds is None
    assert waiting.resolution_business_seconds is None
    assert (waiting.overdue, waiting.breached) == (False, frozenset())


def test_an_unanswered_item_turns_overdue_once_its_due_time_passes():
    assert not state(now=rome(2026, 12, 7, 9, 30)).overdue
    late = state(now=rome(2026, 12, 7, 9, 31))
    assert (late.overdue, late.breached) == (True, {"first_response"})
    assert state(now=rome(2026, 12, 7, 16, 31)).breached == {"first_response", "resolution"}


def test_an_answer_in_time_counts_only_working_time():
    answered = state(first_response_at=rome(2026, 12, 7, 9, 20), now=rome(2026, 12, 7, 12, 0))
    assert answered.first_response_business_seconds == 50 * 60
    assert answered.resolution_business_seconds is None
    assert not answered.overdue


def test_a_late_answer_stays_breached_after_it_is_given():
    answered = state(first_response_at=rome(2026, 12, 7, 11, 0), now=rome(2026, 12, 7, 12, 0))
    assert answered.first_response_business_seconds == 2.5 * HOUR
    assert (answered.overdue, answered.breached) == (True, {"first_response"})


def test_an_answer_after_hours_once_the_time_ran_out_is_late():
    # Received at 17:00, due at 18:00 when the office closes; answered at 19:00 with no working time spent.
    answered = state(
        received_at=rome(2026, 12, 4, 17, 0),
        first_response_at=rome(2026, 12, 4, 19, 0),
        now=rome(2026, 12, 5, 9, 0),
    )
    assert answered.first_response_business_seconds == HOUR
    assert answered.breached == {"first_response"}


def test_a_closed_item_records_its_resolution_time_and_stops_the_clock():
    closed = state(
        first_response_at=rome(2026, 12, 7, 9, 10),
        closed_at=rome(2026, 12, 7, 16, 0),
        now=rome(2026, 12, 20, 9, 0),
    )
    assert closed.resolution_business_seconds == 7.5 * HOUR
    assert (closed.overdue, closed.breached) == (False, frozenset())
    late = state(
        first_response_at=rome(2026, 12, 7, 9, 10), closed_at=rome(2026, 12, 8, 9, 0), now=rome(2026, 12, 20)
    )
    assert late.resolution_business_seconds == 9.5 * HOUR
    assert late.breached == {"resolution"}


def test_closing_without_an_answer_is_late_only_if_closed_after_the_answer_was_due():
    quick = state(closed_at=rome(2026, 12, 7, 9, 15), now=rome(2026, 12, 20))
    assert quick.first_response_business_seconds is None
    assert quick.breached == frozenset()
    slow = state(closed_at=rome(2026, 12, 7, 10, 0), now=rome(2026, 12, 20))
    assert slow.breached == {"first_response"}


def test_a_new_york_client_is_due_in_new_york_working_time():
    new_york = BusinessHours.default("America/New_York")
    received = datetime(2026, 12, 4, 21, 30, tzinfo=UTC)  # 16:30 in New York, 22:30 in Rome
    in_new_york = state(received_at=received, hours=new_york, now=received)
    in_rome = state(received_at=received, now=received)
    assert in_new_york.first_response_due_at == received + timedelta(hours=1)
    assert in_rome.first_response_due_at == rome(2026, 12, 7, 10, 0)


def test_targets_round_trip_and_are_checked():
    assert SlaTargets.from_json(TARGETS.to_json()) == TARGETS
    assert TARGETS.to_json() == {"first_response_seconds": 3600, "resolution_seconds": 28800}
    for bad in (
        {"first_response_seconds": 0, "resolution_seconds": 10},
        {"first_response_seconds": 1.5, "resolution_seconds": 10},
    ):
        with pytest.raises(ValueError, match="first_response_seconds must be a whole number"):
            SlaTargets.from_json(bad)
    with pytest.raises(ValueError, match="cannot be shorter"):
        SlaTargets(first_response_seconds=HOUR, resolution_seconds=60)
    with pytest.raises(ValueError, match="SLA targets are"):
        SlaTargets.from_json({"first_response_seconds": 60})


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        state(now=datetime(2026, 12, 7, 9, 0))


@settings(deadline=None)
@given(
    st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.timedeltas(timedelta(0), timedelta(days=10)),
    st.timedeltas(timedelta(0), timedelta(days=10)),
)
def test_the_state_agrees_with_the_measured_working_time(received, to_answer, to_close):
    answered, closed = received + to_answer, received + to_answer + to_close
    result = state(received_at=received, first_response_at=answered, closed_at=closed, now=closed)
    taken = {
        "first_response": result.first_response_business_seconds,
        "resolution": result.resolution_business_seconds,
    }
    for target, allowed in (("first_response", HOUR), ("resolution", 8 * HOUR)):
        # Working time over the target is a breach; a breach means at least the target was used (an
        # answer after hours once the time ran out adds none).
        if taken[target] > allowed:
            assert target in result.breached
        if target in result.breached:
            assert taken[target] >= allowed
    assert result.overdue == bool(result.breached)


def test_the_summary_of_ten_response_times():
    summary = summarise_response_times([float(m * 60) for m in range(1, 11)], target_seconds=4 * 60)
    assert summary == {
        "count": 10,
        "median": 330.0,
        "p90": pytest.approx(546.0),
        "mean": 330.0,
        "within_target": 0.4,
    }


def test_the_summary_of_one_and_of_none():
    assert summarise_response_times([120.0]) == {
        "count": 1,
        "median": 120.0,
        "p90": 120.0,
        "mean": 120.0,
        "within_target": None,
    }
    assert summarise_response_times([], target_seconds=60) == {
        "count": 0,
        "median": None,
        "p90": None,
        "mean": None,
        "within_target": None,
    }


def test_the_p90_ignores_one_slow_outlier_less_than_the_mean_does():
    summary = summarise_response_times([60.0] * 19 + [86_400.0], target_seconds=HOUR)
    assert summary["median"] == summary["p90"] == 60.0
    assert summary["mean"] > HOUR
    assert summary["within_target"] == 0.95


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "60"])
def test_the_summary_refuses_values_that_are_not_durations(bad):
    with pytest.raises(ValueError, match="response times"):
        summarise_response_times([60.0, bad])
