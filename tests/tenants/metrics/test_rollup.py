"""Daily rollups on hand-computed fixtures: last reading of the local day, gains over the day before,
followers carried over, and "not available" (NULL) where a network does not count something."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tenants.metrics.readings import Reading, store_readings
from tenants.metrics.rollup import rollup_day
from tenants.models import AccountMetricDay, ClientMetricDay, PostMetricDay
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, draft_post, member

DAY1, DAY2 = date(2026, 11, 2), date(2026, 11, 3)  # Monday and Tuesday in Rome (UTC+1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def world(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, timezone="Europe/Rome")
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    mastodon = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    author = member(agency, "editor")
    session.commit()
    post = draft_post(client, author, [x, mastodon], "Pranzo della domenica")
    for target, remote in zip(post.targets, ("tw-1", "md-1"), strict=True):
        target.status, target.remote_id, target.published_at = "published", remote, at(DAY1, 8)
    session.commit()
    return client, x, mastodon, post


def read(session, account, when, *values, followers=None):
    readings = [Reading(name, value, remote) for remote, name, value in values]
    if followers is not None:
        readings.append(Reading("followers", followers))
    store_readings(session=session, account=account, readings=readings, read_at=when)


def roll(session, client, day):
    result = rollup_day(session=session, agency_id=client.agency_id, client_id=client.id, day=day)
    session.commit()
    return result


def test_a_day_keeps_the_last_reading_and_gains_over_the_previous_day(session, world):
    client, x, mastodon, _post = world
    read(session, x, at(DAY1, 9), ("tw-1", "impressions", 100), ("tw-1", "likes", 5), followers=1000)
    read(session, x, at(DAY1, 20), ("tw-1", "impressions", 300), ("tw-1", "likes", 9), followers=1010)
    # 23:30 UTC on DAY1 is 00:30 on DAY2 in Rome: it belongs to DAY2.
    read(session, x, at(DAY1, 23, 30), ("tw-1", "impressions", 350), ("tw-1", "likes", 10), followers=1012)
    read(session, mastodon, at(DAY1, 10), ("md-1", "likes", 4), ("md-1", "shares", 2), followers=200)
    read(session, x, at(DAY2, 12), ("tw-1", "impressions", 420), ("tw-1", "likes", 12), followers=1015)

    assert roll(session, client, DAY1).posts == 2
    roll(session, client, DAY2)

    tw = {r.day: r for r in session.scalars(select(PostMetricDay).where(PostMetricDay.account_id == x.id))}
    assert (tw[DAY1].impressions, tw[DAY1].impressions_gain, tw[DAY1].likes_gain) == (300, 300, 9)
    assert (tw[DAY2].impressions, tw[DAY2].impressions_gain, tw[DAY2].likes_gain) == (420, 120, 3)
    md = session.scalars(select(PostMetricDay).where(PostMetricDay.account_id == mastodon.id)).one()
    # Mastodon counts no impressions: not available, not zero.
    assert (md.impressions, md.impressions_gain, md.likes_gain, md.shares_gain) == (None, None, 4, 2)

    accounts = {(r.account_id, r.day): r for r in session.scalars(select(AccountMetricDay))}
    # The first day has no day before: growth counts from the day's first reading (1000 at 09:00).
    assert (accounts[x.id, DAY1].followers, accounts[x.id, DAY1].followers_gain) == (1010, 10)
    assert accounts[mastodon.id, DAY1].followers_gain == 0  # one reading: no growth seen
    assert (accounts[x.id, DAY2].followers, accounts[x.id, DAY2].followers_gain) == (1015, 5)
    assert accounts[x.id, DAY1].posts_published == 1 and accounts[x.id, DAY2].posts_published == 0
    # Not read on DAY2: Mastodon's followers carry over, with no gain.
    assert (accounts[mastodon.id, DAY2].followers, accounts[mastodon.id, DAY2].followers_gain) == (200, 0)
    assert accounts[mastodon.id, DAY2].impressions_gain is None

    days = {
        r.day: r
        for r in session.scalars(select(ClientMetricDay).where(ClientMetricDay.client_id == client.id))
    }
    assert (days[DAY1].followers, days[DAY1].posts_published, days[DAY1].impressions_gain) == (1210, 2, 300)
    assert days[DAY1].followers_gain == 10
    assert days[DAY1].likes_gain == 13 and days[DAY1].shares_gain == 2
    # Engagements over impressions count only accounts with impressions (X: 9 likes, not Mastodon's 4+2).
    assert days[DAY1].rated_engagements_gain == 9
    assert (days[DAY2].followers, days[DAY2].followers_gain, days[DAY2].likes_gain) == (1215, 5, 3)


def test_rolling_a_day_up_again_replaces_its_rows(session, world):
    client, x, _mastodon, _post = world
    read(session, x, at(DAY1, 9), ("tw-1", "impressions", 100), followers=1000)
    roll(session, client, DAY1)
    read(session, x, at(DAY1, 15), ("tw-1", "impressions", 180), followers=1001)
    roll(session, client, DAY1)
    rows = session.scalars(select(PostMetricDay).where(PostMetricDay.account_id == x.id)).all()
    assert [(r.impressions, r.impressions_gain) for r in rows] == [(180, 180)]
    assert session.scalars(select(ClientMetricDay)).one().followers == 1001


def test_meta_views_are_impressions_and_bluesky_quotes_are_shares(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, timezone="Europe/Rome")
    facebook = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="facebook")
    bluesky = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="bluesky")
    author = member(agency, "editor")
    session.commit()
    post = draft_post(client, author, [facebook, bluesky], "Nuovo menu")
    for target, remote in zip(post.targets, ("fb-1", "at://bsky/1"), strict=True):
        target.status, target.remote_id, target.published_at = "published", remote, at(DAY1, 8)
    session.commit()
    read(session, facebook, at(DAY1, 9), ("fb-1", "views", 70), ("fb-1", "reach", 50))
    read(session, bluesky, at(DAY1, 9), ("at://bsky/1", "shares", 3), ("at://bsky/1", "quotes", 2))
    roll(session, client, DAY1)
    rows = {r.account_id: r for r in session.scalars(select(PostMetricDay))}
    assert (rows[facebook.id].impressions, rows[facebook.id].reach, rows[facebook.id].saves) == (70, 50, None)
    assert (rows[bluesky.id].shares, rows[bluesky.id].impressions) == (5, None)


def test_reads_of_two_accounts_finishing_together_both_roll_up(session, world, engine):
    """Two workers store their account's readings and roll the client's day up at the same moment."""
    import threading

    from tenants.db import make_session_factory

    client, x, mastodon, _post = world
    factory = make_session_factory(engine)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker(account_id: int, value: int) -> None:
        with factory() as own:
            try:
                account = own.get(type(x), account_id)
                remote = "tw-1" if account_id == x.id else "md-1"
                for n in range(15):
                    barrier.wait(timeout=10)
                    read(own, account, at(DAY1, 9, n), (remote, "likes", value + n))
                    rollup_day(session=own, agency_id=client.agency_id, client_id=client.id, day=DAY1)
                    own.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                barrier.abort()

    threads = [threading.Thread(target=worker, args=(a.id, v)) for a, v in ((x, 100), (mastodon, 10))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    session.expire_all()
    likes = {r.account_id: r.likes for r in session.scalars(select(PostMetricDay))}
    assert likes == {x.id: 114, mastodon.id: 24}
