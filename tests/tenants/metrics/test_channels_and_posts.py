"""The Channels and Posts pages' figures: per network from the accounts' rollups (previous range too,
"not available" kept), top and bottom posts, per pillar, and click-through rates."""

from __future__ import annotations

from datetime import date

import pytest

from tenants.metrics.channels import channel_report
from tenants.metrics.post_ranking import by_pillar, click_through_rate, top_and_bottom
from tenants.metrics.series import PostPerformance
from tenants.models import AccountMetricDay
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory

START, END = date(2026, 11, 5), date(2026, 11, 6)  # the previous range is Nov 3-4


def _day(account, day, **figures):
    return AccountMetricDay(
        agency_id=account.agency_id,
        client_id=account.client_id,
        account_id=account.id,
        network=account.network,
        day=day,
        **figures,
    )


def test_channels_add_up_their_accounts_and_keep_not_available(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    other = ClientFactory(agency_id=agency.id)
    x1 = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    x2 = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    mastodon = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    foreign = SocialAccountFactory(agency_id=agency.id, client_id=other.id, network="x")
    session.add_all(
        [
            _day(x1, date(2026, 11, 4), followers=90, followers_gain=1, impressions_gain=100, likes_gain=5),
            _day(
                x1, date(2026, 11, 5), followers=100, followers_gain=10, impressions_gain=1000, likes_gain=30
            ),
            _day(x1, date(2026, 11, 6), followers=None, impressions_gain=500, likes_gain=10, clicks_gain=7),
            _day(x2, date(2026, 11, 6), followers=50, followers_gain=5, impressions_gain=500, shares_gain=10),
            _day(
                mastodon, date(2026, 11, 6), followers=20, followers_gain=2, likes_gain=4, posts_published=1
            ),
            _day(foreign, date(2026, 11, 6), followers=9999, impressions_gain=9999, likes_gain=9999),
        ]
    )
    session.commit()
    rows = channel_report(session=session, agency_id=agency.id, client_id=client.id, start=START, end=END)
    assert [r.now.network for r in rows] == ["x", "mastodon"]
    x, md = rows[0], rows[1]
    assert (x.now.accounts, x.now.followers, x.now.follower_growth) == (2, 150, 15)
    assert (x.now.impressions, x.now.engagements, x.now.clicks) == (2000, 50, 7)
    assert x.now.engagement_rate == pytest.approx(2.5)
    assert x.previous.impressions == 100 and x.previous.followers == 90
    assert md.now.impressions is None and md.now.engagement_rate is None and md.now.clicks is None
    assert md.now.posts_published == 1 and md.previous is None


def _post(post_id, engagements, *, pillar=None, impressions=None, clicks=0):
    """A post on X (which counts impressions), with `clicks` on its short links."""
    return PostPerformance(
        post_id=post_id,
        title=f"Post {post_id}",
        pillar=pillar,
        networks=("x",),
        impressions=impressions,
        engagements=engagements,
        gains={"impressions": impressions, "likes": engagements},
        rated_engagements=engagements if impressions is not None else 0,
        link_clicks=clicks,
        rated_link_clicks=clicks,
    )


def test_top_bottom_pillars_and_click_through():
    posts = [
        _post(1, 50, pillar="menu", impressions=1000, clicks=20),
        _post(2, 10, pillar="menu", impressions=None),
        _post(3, 30, pillar="team", impressions=500),
        _post(4, 0, pillar=None, impressions=200, clicks=1),
        _post(5, 30, pillar="team", impressions=100, clicks=0),
    ]
    top, bottom = top_and_bottom(posts, count=2)
    assert [p.post_id for p in top] == [1, 3] and [p.post_id for p in bottom] == [4, 2]
    assert [p.post_id for p in top_and_bottom(posts[:2], count=5)[1]] == []  # none left for the bottom
    assert click_through_rate(posts[0]) == pytest.approx(2.0)
    # No impressions counted: no rate. Counted but no clicks: a real 0 %.
    assert click_through_rate(posts[1]) is None and click_through_rate(posts[2]) == 0.0
    pillars = {p.pillar: p for p in by_pillar(posts)}
    assert list(pillars) == ["menu", "team", ""]  # 60 engagements each: by name
    assert (pillars["menu"].posts, pillars["menu"].impressions, pillars["menu"].engagements) == (2, 1000, 60)
    assert pillars["team"].clicks == 0 and pillars["team"].click_through_rate == 0.0
    assert pillars[""].engagement_rate == 0.0
