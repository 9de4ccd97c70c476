"""The calendar service: periods, gaps against the plan, the mix, time slots and moving posts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tenants.errors import Forbidden, Invalid, NotFound
from tenants.services import calendar, calendar_slots, local_time
from tests.calendar_helpers import FALL_BACK, JUNE_MONDAY, ROME, SPRING_FORWARD, post_at, save_plan
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, member, membership_of

PLAN = {
    "channels": [{"network": "instagram", "posts_per_week": 3}, {"network": "mastodon", "posts_per_week": 1}],
    "pillars": [
        {"key": "educational", "target_share": 50},
        {"key": "promotional", "target_share": 50},
    ],
}


@pytest.fixture
def world(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, timezone=ROME)
    insta = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="instagram", handle="@da.mario"
    )
    masto = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    people = {role: member(agency, role) for role in ("manager", "editor")}
    people["viewer"] = member(agency, "viewer", client=client)
    return agency, client, insta, masto, people


def _m(world, role):
    return membership_of(world[4][role], world[0])


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def test_month_grid_is_whole_weeks_monday_first_and_dst_days_are_flagged():
    period = calendar.period_for("month", date(2026, 3, 15))
    assert (period.start, period.end) == (date(2026, 2, 23), date(2026, 4, 6))
    assert (period.focus_start, period.focus_end) == (date(2026, 3, 1), date(2026, 4, 1))
    assert all(len(week) == 7 and week[0].weekday() == 0 for week in period.weeks)
    assert (period.previous, period.next) == (date(2026, 2, 1), date(2026, 4, 1))
    week = calendar.period_for("week", date(2026, 10, 25))
    assert (week.start, week.end, week.previous) == (
        date(2026, 10, 19),
        date(2026, 10, 26),
        date(2026, 10, 12),
    )
    assert calendar.dst_change(date(2026, 3, 29), ROME) == "forward"
    assert calendar.dst_change(date(2026, 10, 25), ROME) == "back"
    assert calendar.dst_change(date(2026, 10, 26), ROME) is None


def test_gaps_compare_each_plan_channel_with_each_local_week(session, world):
    _agency, client, insta, masto, people = world
    save_plan(client, people["manager"], **PLAN)
    monday = JUNE_MONDAY
    post_at(client, people["editor"], [insta, masto], _at(monday, 9), pillar="educational")
    post_at(client, people["editor"], [insta], _at(monday + timedelta(days=2), 18), pillar="educational")
    post_at(client, people["editor"], [insta], _at(monday + timedelta(days=8), 9), pillar="promotional")
    summary = calendar.period_summary(
        session=session,
        client=client,
        membership=_m(world, "editor"),
        start=monday,
        end=monday + timedelta(days=14),
    )
    assert summary.weeks == [monday, monday + timedelta(days=7)]
    insta_weeks = [(cw.actual, cw.planned, cw.missing) for cw in summary.channels["instagram"]]
    assert insta_weeks == [(2, 3, 1), (1, 3, 2)]
    gaps = {(g.network, g.week_start) for g in summary.gaps}
    assert gaps == {
        ("instagram", monday),
        ("instagram", monday + timedelta(days=7)),
        ("mastodon", monday + timedelta(days=7)),
    }
    mix = {p.key: (p.count, p.share, p.delta) for p in summary.mix}
    assert mix == {
        "educational": (2, 66.7, pytest.approx(16.7)),
        "promotional": (1, 33.3, pytest.approx(-16.7)),
    }
    assert summary.total == 3 and summary.has_plan


def test_the_mix_lists_posts_without_a_pillar_and_clients_without_a_plan_have_no_gaps(session, world):
    _agency, client, insta, _masto, people = world
    post_at(client, people["editor"], [insta], _at(JUNE_MONDAY, 9))
    summary = calendar.period_summary(
        session=session,
        client=client,
        membership=_m(world, "editor"),
        start=JUNE_MONDAY,
        end=JUNE_MONDAY + timedelta(days=7),
    )
    assert summary.gaps == [] and not summary.has_plan
    assert [(p.key, p.count, p.share) for p in summary.mix] == [("", 1, 100.0)]


def test_agency_wide_entries_filter_and_respect_each_members_visibility(session, world):
    agency, client, insta, masto, people = world
    other = ClientFactory(agency_id=agency.id, timezone="America/New_York")
    other_account = SocialAccountFactory(agency_id=agency.id, client_id=other.id, network="instagram")
    save_plan(client, people["manager"], **PLAN)
    draft = post_at(client, people["editor"], [insta], _at(JUNE_MONDAY, 9), "bozza", pillar="educational")
    shown = post_at(
        client, people["editor"], [masto], _at(JUNE_MONDAY, 12), "pronto", status="awaiting_client"
    )
    elsewhere = post_at(other, people["editor"], [other_account], _at(JUNE_MONDAY, 9), "NYC")
    undated = post_at(client, people["editor"], [insta], None, "senza data")
    start, end = calendar.utc_bounds(JUNE_MONDAY, JUNE_MONDAY + timedelta(days=7), ROME)

    def ids(role_or_membership, **filters):
        membership = (
            role_or_membership if not isinstance(role_or_membership, str) else _m(world, role_or_membership)
        )
        found = calendar.entries(
            session=session, membership=membership, start=start, end=end, filters=calendar.Filters(**filters)
        )
        return [e.post.id for e in found]

    assert ids("editor") == [draft.id, shown.id, elsewhere.id]  # by instant: NYC 09:00 is 15:00 in Rome
    assert ids("editor", client_id=other.id) == [elsewhere.id]
    assert ids("editor", network="mastodon") == [shown.id]
    assert ids("editor", pillar="educational") == [draft.id]
    assert ids("editor", status="awaiting_client") == [shown.id]
    assert ids("viewer") == [shown.id]  # a client contact: own client, client-visible statuses only
    with pytest.raises(NotFound):
        ids("viewer", client_id=other.id)
    limited = member(agency, "manager", limited_to=[other])
    assert ids(membership_of(limited, agency)) == [elsewhere.id]
    unscheduled = calendar.entries(session=session, membership=_m(world, "editor"), unscheduled=True)
    assert [e.post.id for e in unscheduled] == [undated.id]
    entry = next(
        e
        for e in calendar.entries(session=session, membership=_m(world, "editor"), start=start, end=end)
        if e.post.id == elsewhere.id
    )
    assert entry.local.strftime("%H:%M") == "09:00" and entry.day == JUNE_MONDAY


def test_clean_filters_drops_unknown_values():
    filters = calendar.clean_filters(
        {"client": "12", "network": "myspace", "status": "bogus", "pillar": " Edu "}
    )
    assert filters == calendar.Filters(client_id=12, network=None, pillar="edu", status=None)


def test_slots_are_replaced_per_account_and_checked(session, world):
    agency, client, insta, _masto, people = world
    calendar.set_slots(
        session=session,
        client=client,
        membership=_m(world, "editor"),
        actor=people["editor"],
        account_id=insta.id,
        slots=[(0, "09:00"), (2, "14.30"), (0, "09:00")],
    )
    session.commit()
    slots = calendar.list_slots(session=session, client=client)
    assert [(s.weekday, s.minute) for s in slots[insta.id]] == [(0, 540), (2, 870)]
    with pytest.raises(Forbidden):
        calendar.set_slots(
            session=session,
            client=client,
            membership=_m(world, "viewer"),
            actor=None,
            account_id=insta.id,
            slots=[],
        )
    with pytest.raises(Invalid):
        calendar.set_slots(
            session=session,
            client=client,
            membership=_m(world, "editor"),
            actor=None,
            account_id=insta.id,
            slots=[(7, "09:00")],
        )
    with pytest.raises(Invalid):
        calendar_slots.parse_hhmm("25:00")
    stranger = SocialAccountFactory(agency_id=agency.id, client_id=ClientFactory(agency_id=agency.id).id)
    with pytest.raises(NotFound):
        calendar.set_slots(
            session=session,
            client=client,
            membership=_m(world, "editor"),
            actor=None,
            account_id=stranger.id,
            slots=[(0, "10:00")],
        )


def _slots(session, world, account, pairs):
    calendar.set_slots(
        session=session,
        client=world[1],
        membership=_m(world, "editor"),
        actor=None,
        account_id=account.id,
        slots=pairs,
    )
    session.commit()


def test_next_free_slot_skips_taken_times_and_gives_up_after_eight_weeks(session, world):
    _agency, client, insta, masto, people = world
    _slots(session, world, insta, [(0, "09:00"), (2, "14:30")])
    post = post_at(client, people["editor"], [insta], None)
    after = local_time.to_utc(_at(JUNE_MONDAY, 10), ROME)
    wednesday = local_time.to_utc(_at(JUNE_MONDAY + timedelta(days=2), 14, 30), ROME)
    assert calendar.next_free_slot(session=session, client=client, post=post, after=after) == wednesday
    post_at(client, people["editor"], [insta], _at(JUNE_MONDAY + timedelta(days=2), 14, 30))
    next_monday = local_time.to_utc(_at(JUNE_MONDAY + timedelta(days=7), 9), ROME)
    assert calendar.next_free_slot(session=session, client=client, post=post, after=after) == next_monday
    # Another account's post at that time does not take this account's slot.
    other = post_at(client, people["editor"], [masto], _at(JUNE_MONDAY + timedelta(days=7), 9))
    assert calendar.next_free_slot(session=session, client=client, post=post, after=after) == next_monday
    assert calendar.next_free_slot(session=session, client=client, post=other, after=after) is None


def test_next_free_slot_is_never_in_the_past(session, world):
    _agency, client, insta, _masto, people = world
    _slots(session, world, insta, [(d, "00:00") for d in range(7)])
    post = post_at(client, people["editor"], [insta], None)
    found = calendar.next_free_slot(
        session=session, client=client, post=post, after=datetime(2020, 1, 1, tzinfo=UTC)
    )
    now = datetime.now(UTC)
    assert now + timedelta(minutes=1) <= found <= now + timedelta(days=1, minutes=1)


def test_next_free_slot_on_rome_dst_days(session, world):
    _agency, client, insta, _masto, people = world
    _slots(session, world, insta, [(6, "02:30")])
    post = post_at(client, people["editor"], [insta], None)
    saturday = local_time.to_utc(_at(SPRING_FORWARD - timedelta(days=1), 12), ROME)
    spring = calendar.next_free_slot(session=session, client=client, post=post, after=saturday)
    assert local_time.to_local(spring, ROME).strftime("%Y-%m-%d %H:%M %Z") == f"{SPRING_FORWARD} 03:30 CEST"
    saturday = local_time.to_utc(_at(FALL_BACK - timedelta(days=1), 12), ROME)
    autumn = calendar.next_free_slot(session=session, client=client, post=post, after=saturday)
    assert local_time.to_local(autumn, ROME).strftime("%Y-%m-%d %H:%M %Z") == f"{FALL_BACK} 02:30 CEST"
    post_at(client, people["editor"], [insta], _at(FALL_BACK, 2, 30), choice="earlier")
    later = calendar.next_free_slot(session=session, client=client, post=post, after=saturday)
    assert later.date() == FALL_BACK + timedelta(days=7)  # the repeated hour's second 02:30 is not a slot


def test_moving_keeps_the_local_time_and_asks_on_dst_days(session, world):
    _agency, client, insta, _masto, people = world
    post = post_at(client, people["editor"], [insta], _at(SPRING_FORWARD - timedelta(days=1), 2, 30))
    kwargs = {
        "session": session,
        "client": client,
        "membership": _m(world, "editor"),
        "actor": people["editor"],
    }
    with pytest.raises(local_time.TimeChoiceNeeded) as asked:
        calendar_slots.move_post(post_id=post.id, day=SPRING_FORWARD, **kwargs)
    assert asked.value.kind == "gap"
    calendar_slots.move_post(post_id=post.id, day=SPRING_FORWARD, dst_choice="later", **kwargs)
    assert local_time.to_local(post.scheduled_at, ROME).strftime("%H:%M") == "03:30"
    calendar_slots.move_post(post_id=post.id, day=JUNE_MONDAY, **kwargs)
    assert local_time.to_local(post.scheduled_at, ROME).strftime("%H:%M") == "03:30"
    with pytest.raises(Invalid):
        calendar_slots.move_post(post_id=post.id, day=date(2020, 1, 1), **kwargs)
    with pytest.raises(Forbidden):
        calendar_slots.move_post(
            **{**kwargs, "membership": _m(world, "viewer")}, post_id=post.id, day=JUNE_MONDAY
        )


def test_an_undated_post_dropped_on_a_day_takes_its_slot_or_nine(session, world):
    _agency, client, insta, _masto, people = world
    kwargs = {
        "session": session,
        "client": client,
        "membership": _m(world, "editor"),
        "actor": people["editor"],
    }
    post = post_at(client, people["editor"], [insta], None)
    calendar_slots.move_post(post_id=post.id, day=JUNE_MONDAY, **kwargs)
    assert local_time.to_local(post.scheduled_at, ROME).strftime("%H:%M") == "09:00"
    _slots(session, world, insta, [(1, "11:15")])
    other = post_at(client, people["editor"], [insta], None)
    calendar_slots.move_post(post_id=other.id, day=JUNE_MONDAY + timedelta(days=1), **kwargs)
    assert local_time.to_local(other.scheduled_at, ROME).strftime("%a %H:%M") == "Tue 11:15"
    calendar_slots.assign_next_slot(post_id=post.id, **kwargs)
    assert local_time.to_local(post.scheduled_at, ROME).strftime("%a %H:%M") == "Tue 11:15"
    assert post.scheduled_at > datetime.now(UTC)
