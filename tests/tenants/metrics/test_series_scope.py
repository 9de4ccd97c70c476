"""Day-by-day series and post rankings on hand-built rollups: one client's rows only, "not available"
kept as None, a post's networks added together."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tenants.metrics.series import account_days, client_days, post_performance
from tenants.models import AccountMetricDay, ClientMetricDay, PostMetricDay
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, draft_post, member

DAY = date(2026, 11, 3)


def test_series_and_post_performance_of_one_client(session):
    agency = AgencyFactory()
    client, other = ClientFactory(agency_id=agency.id), ClientFactory(agency_id=agency.id)
    author = member(agency, "editor")
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x", handle="@a")
    md = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon", handle="@b")
    theirs = SocialAccountFactory(agency_id=agency.id, client_id=other.id, network="x")
    post = draft_post(client, author, [x, md], "Menu d'autunno\nsecond line")
    quiet = draft_post(client, author, [md], "Solo su Mastodon")
    foreign = draft_post(other, author, [theirs], "Not ours")
    for p in (post, quiet, foreign):
        for target in p.targets:
            target.status, target.published_at = "published", datetime(2026, 11, 3, 9, tzinfo=UTC)
    session.add_all(
        [
            ClientMetricDay(agency_id=agency.id, client_id=client.id, day=DAY, followers=10, likes_gain=3),
            ClientMetricDay(agency_id=agency.id, client_id=other.id, day=DAY, followers=99),
            AccountMetricDay(
                agency_id=agency.id, client_id=client.id, account_id=x.id, network="x", day=DAY, followers=7
            ),
        ]
    )
    figures = {
        (post.id, x.id): {"impressions_gain": 200, "likes_gain": 5, "clicks_gain": 4},
        (post.id, md.id): {"likes_gain": 3, "shares_gain": 1},
        (quiet.id, md.id): {"likes_gain": 1},
        (foreign.id, theirs.id): {"impressions_gain": 9999, "likes_gain": 9999},
    }
    for p in (post, quiet, foreign):
        for target in p.targets:
            session.add(
                PostMetricDay(
                    agency_id=agency.id,
                    client_id=p.client_id,
                    account_id=target.account_id,
                    post_id=p.id,
                    target_id=target.id,
                    day=DAY,
                    **figures[(p.id, target.account_id)],
                )
            )
    session.commit()
    scope = {"session": session, "agency_id": agency.id, "client_id": client.id, "start": DAY, "end": DAY}
    days = client_days(**scope)
    assert len(days) == 1 and days[0]["followers"] == 10 and days[0]["impressions_gain"] is None
    accounts = account_days(**scope)
    assert [(a["handle"], a["followers"]) for a in accounts] == [("@a", 7)]
    ranked = post_performance(**scope)
    assert [p.post_id for p in ranked] == [post.id, quiet.id]
    top = ranked[0]
    assert top.title == "Menu d'autunno" and top.networks == ("mastodon", "x")
    assert (top.impressions, top.engagements, top.gains["clicks"]) == (200, 9, 4)
    assert ranked[1].impressions is None and ranked[1].engagement_rate is None
