"""Which posts a read asks about (fresh ones every time, older ones daily) and raw-reading retention."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tenants.metrics.readings import (
    Reading,
    older_posts_due,
    purge_old_readings,
    store_readings,
    tracked_post_ids,
)
from tenants.models import MetricReading, utcnow
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, draft_post, member


def test_fresh_posts_every_read_older_ones_once_a_day(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    author = member(agency, "editor")
    session.commit()
    now = utcnow()
    for remote, age in (("fresh", 2), ("older", 20), ("ancient", 120)):
        post = draft_post(client, author, [x], f"Post {remote}")
        target = post.targets[0]
        target.status, target.remote_id, target.published_at = "published", remote, now - timedelta(days=age)
    session.commit()
    assert tracked_post_ids(session=session, account=x, now=now, include_older=False) == ["fresh"]
    assert tracked_post_ids(session=session, account=x, now=now) == ["fresh", "older"]
    assert older_posts_due(None, now) and older_posts_due(now - timedelta(hours=25), now)
    assert not older_posts_due(now - timedelta(hours=3), now)


def test_old_raw_readings_are_purged_in_batches(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    session.commit()
    now = utcnow()
    for days in (100, 95, 91, 10):
        store_readings(
            session=session,
            account=x,
            readings=[Reading("followers", days)],
            read_at=now - timedelta(days=days),
        )
    session.commit()
    cutoff = now - timedelta(days=90)
    assert purge_old_readings(session=session, before=cutoff, batch=2) == 2
    assert purge_old_readings(session=session, before=cutoff, batch=2) == 1
    assert purge_old_readings(session=session, before=cutoff, batch=2) == 0
    session.commit()
    assert [r.value for r in session.scalars(select(MetricReading))] == [10]
