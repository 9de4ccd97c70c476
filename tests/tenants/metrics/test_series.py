"""Day series and post rankings for charts and reports, from the rollups."""

from __future__ import annotations

from datetime import date

from tenants.metrics.readings import Reading, store_readings
from tenants.metrics.rollup import rollup_day
from tenants.metrics.series import account_days, client_days, post_performance
from tests.tenants.metrics.test_rollup import DAY1, at, world  # noqa: F401 - the fixture


def test_posts_rank_by_engagement_across_their_networks(session, world):  # noqa: F811
    client, x, mastodon, post = world
    store_readings(
        session=session,
        account=x,
        readings=[
            Reading("impressions", 1000, "tw-1"),
            Reading("likes", 30, "tw-1"),
            Reading("followers", 10),
        ],
        read_at=at(DAY1, 10),
    )
    store_readings(
        session=session,
        account=mastodon,
        readings=[Reading("likes", 5, "md-1"), Reading("shares", 2, "md-1"), Reading("followers", 7)],
        read_at=at(DAY1, 10),
    )
    rollup_day(session=session, agency_id=client.agency_id, client_id=client.id, day=DAY1)
    session.commit()
    (ranked,) = post_performance(
        session=session, agency_id=client.agency_id, client_id=client.id, start=DAY1, end=DAY1
    )
    assert ranked.post_id == post.id and ranked.networks == ("mastodon", "x")
    assert ranked.title == "Pranzo della domenica"
    assert (ranked.impressions, ranked.engagements) == (1000, 37)
    # Per impression where impressions are counted: X's 30 likes, not Mastodon's 7 engagements.
    assert ranked.engagement_rate == 3.0
    days = client_days(session=session, agency_id=client.agency_id, client_id=client.id, start=DAY1, end=DAY1)
    assert [(d["day"], d["followers"], d["likes_gain"], d["saves_gain"]) for d in days] == [(DAY1, 17, 35, 0)]
    per_account = account_days(
        session=session, agency_id=client.agency_id, client_id=client.id, start=DAY1, end=date(2026, 11, 30)
    )
    assert {(d["network"], d["impressions_gain"]) for d in per_account} == {("x", 1000), ("mastodon", None)}
