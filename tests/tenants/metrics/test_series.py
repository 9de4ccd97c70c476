"""Day series and post rankings for charts and reports, from the rollups."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tenants.metrics.readings import Reading, store_readings
from tenants.metrics.rollup import rollup_day
from tenants.metrics.series import account_days, client_days, post_performance
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, draft_post, member
from tests.tenants.metrics.test_rollup import DAY1, at, world  # noqa: F401 - the fixture

DAY2 = date(2026, 11, 2)


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
    # Whole numbers on every database (PostgreSQL sums integers as numeric: Decimal).
    assert {type(v) for v in (ranked.impressions, ranked.engagements, ranked.rated_engagements)} == {int}
    assert {type(v) for v in ranked.gains.values() if v is not None} == {int}
    # Per impression where impressions are counted: X's 30 likes, not Mastodon's 7 engagements.
    assert ranked.engagement_rate == 3.0
    days = client_days(session=session, agency_id=client.agency_id, client_id=client.id, start=DAY1, end=DAY1)
    assert [(d["day"], d["followers"], d["likes_gain"], d["saves_gain"]) for d in days] == [(DAY1, 17, 35, 0)]
    per_account = account_days(
        session=session, agency_id=client.agency_id, client_id=client.id, start=DAY1, end=date(2026, 11, 30)
    )
    assert {(d["network"], d["impressions_gain"]) for d in per_account} == {("x", 1000), ("mastodon", None)}


def test_posts_are_titled_by_their_first_line_and_ranked_by_engagements(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, timezone="Europe/Rome")
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    author = member(agency, "editor")
    quiet = draft_post(client, author, [x], "Orari delle feste\nAperti anche il 26")
    loud = draft_post(client, author, [x], "Nuovo menù!")
    for post, remote in ((quiet, "q"), (loud, "l")):
        post.targets[0].status, post.targets[0].remote_id = "published", remote
        post.targets[0].published_at = datetime(2026, 11, 2, 8, tzinfo=UTC)
    session.commit()
    store_readings(
        session=session,
        account=x,
        readings=[Reading("likes", 3, "q"), Reading("likes", 30, "l"), Reading("impressions", 600, "l")],
        read_at=datetime(2026, 11, 2, 12, tzinfo=UTC),
    )
    rollup_day(session=session, agency_id=agency.id, client_id=client.id, day=DAY2)
    session.commit()
    ranked = post_performance(session=session, agency_id=agency.id, client_id=client.id, start=DAY2, end=DAY2)
    assert [(p.title, p.engagements, p.impressions) for p in ranked] == [
        ("Nuovo menù!", 30, 600),
        ("Orari delle feste", 3, None),
    ]
    assert ranked[0].engagement_rate == 5.0 and ranked[1].engagement_rate is None
    other = AgencyFactory()
    assert not post_performance(
        session=session, agency_id=other.id, client_id=client.id, start=DAY2, end=DAY2
    )
