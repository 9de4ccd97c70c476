"""Posts scheduled on the days the clocks change go out at the right absolute minute, never an hour off.

Each post is scheduled at a local wall-clock time through the domain services (composer data, submit,
schedule), then the dispatcher's own question, `claim_due` with an explicit `now`, is asked a minute
before its UTC instant (not due), a second before (not due) and at the instant (due, alone). The expected
instants are written out by hand from each zone's offsets, not computed with the code under test.

The days are next year's (the services refuse to schedule in the past, and this year's are gone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from tenants.models import Agency, Post, PostTarget, User
from tenants.services import approvals, local_time, posts, publishing
from tests.calendar_helpers import FALL_BACK, SPRING_FORWARD, YEAR
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, member, membership_of

ROME = "Europe/Rome"
NEW_YORK = "America/New_York"


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


# The United States change at 02:00 local time: forward on March's second Sunday, back on November's first.
NY_FORWARD = _nth_sunday(YEAR, 3, 2)
NY_BACK = _nth_sunday(YEAR, 11, 1)


@dataclass(frozen=True)
class DstDay:
    """A zone's clock change, the wall-clock time it skips or repeats, and what each choice means in UTC."""

    zone: str
    day: date
    changed: str  # the local time that does not exist (forward) or exists twice (back)
    earlier_utc: time
    later_utc: time
    nine_utc: time  # an ordinary 09:00 the same day, already on the new offset


DAYS = [
    # Rome, last Sunday of March: 02:00 CET jumps to 03:00 CEST. "Earlier" is 01:30 CET, "later" 03:30 CEST.
    DstDay(ROME, SPRING_FORWARD, "02:30", time(0, 30), time(1, 30), time(7, 0)),
    # Rome, last Sunday of October: 03:00 CEST goes back to 02:00 CET. 02:30 CEST first, then 02:30 CET.
    DstDay(ROME, FALL_BACK, "02:30", time(0, 30), time(1, 30), time(8, 0)),
    # New York, second Sunday of March: 02:00 EST jumps to 03:00 EDT. 01:30 EST or 03:30 EDT.
    DstDay(NEW_YORK, NY_FORWARD, "02:30", time(6, 30), time(7, 30), time(13, 0)),
    # New York, first Sunday of November: 02:00 EDT goes back to 01:00 EST. 01:30 EDT first, then EST.
    DstDay(NEW_YORK, NY_BACK, "01:30", time(5, 30), time(6, 30), time(14, 0)),
]
IDS = ["rome-forward", "rome-back", "new-york-forward", "new-york-back"]


@pytest.fixture
def team(session):
    """An agency whose client publishes without an approval step, with one connected account."""
    agency = AgencyFactory()
    manager = member(agency, "manager")
    return agency, manager


def _client(session, agency: Agency, zone: str):
    client = ClientFactory(agency_id=agency.id, timezone=zone, approval_workflow="none")
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    return client, account


def _schedule(session, client, account, manager: User, local: str, choice: str | None) -> Post:
    """Write the post as the composer does (local time in the client's zone), submit it, schedule it."""
    membership = membership_of(manager, session.get(Agency, client.agency_id))
    post = posts.create_post(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        membership=membership,
        actor=manager,
        data={
            "text": f"Buongiorno alle {local}!",
            "targets": [account.id],
            "scheduled_local": local,
            "dst_choice": choice,
        },
    )
    approvals.submit(session=session, post=post, membership=membership, actor=manager)
    approvals.schedule(session=session, post=post, membership=membership, actor=manager)
    session.commit()
    assert post.status == "scheduled"
    return post


def _claimed_posts(session, now: datetime) -> set[int]:
    """The dispatcher's round at `now`: the posts whose targets it claims."""
    claimed = publishing.claim_due(session=session, now=now)
    session.commit()
    targets = [item.target_id for item in claimed]
    return set(session.scalars(select(PostTarget.post_id).where(PostTarget.id.in_(targets))))


@pytest.mark.parametrize("dst", DAYS, ids=IDS)
def test_the_changed_hour_asks_which_one_is_meant(session, team, dst):
    agency, manager = team
    client, account = _client(session, agency, dst.zone)
    with pytest.raises(local_time.TimeChoiceNeeded):
        _schedule(session, client, account, manager, f"{dst.day}T{dst.changed}", None)
    session.rollback()


@pytest.mark.parametrize("dst", DAYS, ids=IDS)
def test_each_choice_is_due_at_its_own_utc_minute_and_not_a_minute_before(session, team, dst):
    agency, manager = team
    client, account = _client(session, agency, dst.zone)
    expected = {
        "earlier": datetime.combine(dst.day, dst.earlier_utc, tzinfo=UTC),
        "later": datetime.combine(dst.day, dst.later_utc, tzinfo=UTC),
        "nine": datetime.combine(dst.day, dst.nine_utc, tzinfo=UTC),
    }
    scheduled = {
        "earlier": _schedule(session, client, account, manager, f"{dst.day}T{dst.changed}", "earlier"),
        "later": _schedule(session, client, account, manager, f"{dst.day}T{dst.changed}", "later"),
        "nine": _schedule(session, client, account, manager, f"{dst.day}T09:00", None),
    }
    for name, post in scheduled.items():
        assert post.scheduled_at == expected[name], name
    assert expected["later"] - expected["earlier"] == timedelta(hours=1)  # the same wall clock, an hour apart

    for name in sorted(expected, key=expected.get):
        instant = expected[name]
        assert _claimed_posts(session, instant - timedelta(minutes=1)) == set(), f"{name}: a minute early"
        assert _claimed_posts(session, instant - timedelta(seconds=1)) == set(), f"{name}: a second early"
        assert _claimed_posts(session, instant) == {scheduled[name].id}, f"{name}: due at its minute"
