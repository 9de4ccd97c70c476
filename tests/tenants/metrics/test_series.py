"""Posts ranked over a range: titled from the post's own text, most engaging first, one client's only."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tenants.metrics.readings import Reading, store_readings
from tenants.metrics.rollup import rollup_day
from tenants.metrics.series import post_performance
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, draft_post, member

DAY = date(2026, 11, 2)


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
    rollup_day(session=session, agency_id=agency.id, client_id=client.id, day=DAY)
    session.commit()
    ranked = post_performance(session=session, agency_id=agency.id, client_id=client.id, start=DAY, end=DAY)
    assert [(p.title, p.engagements, p.impressions) for p in ranked] == [
        ("Nuovo menù!", 30, 600),
        ("Orari delle feste", 3, None),
    ]
    assert ranked[0].engagement_rate == 5.0 and ranked[1].engagement_rate is None
    other = AgencyFactory()
    assert not post_performance(session=session, agency_id=other.id, client_id=client.id, start=DAY, end=DAY)
