"""KPI maths on hand-computed fixtures: totals and rates over a range, the previous range, targets scaled
to the range, plan and mix adherence, response time, and "not available" where nothing measures a KPI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tenants.errors import Forbidden, Invalid
from tenants.inbox.incoming import Incoming
from tenants.inbox.ingest import ingest
from tenants.metrics.kpis import kpi_overview
from tenants.metrics.targets import list_targets, replace_targets
from tenants.models import ClientMetricDay, InboxItem
from tenants.services.plans import save_plan
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    SocialAccountFactory,
    draft_post,
    member,
    membership_of,
)

START, END = date(2026, 11, 1), date(2026, 11, 10)  # ten days; the previous range is Oct 22-31


@pytest.fixture
def shop(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, timezone="Europe/Rome")
    manager = member(agency, "manager")
    session.commit()
    return agency, client, manager


def day_row(client, day, **figures):
    return ClientMetricDay(agency_id=client.agency_id, client_id=client.id, day=day, **figures)


def overview(session, client, start=START, end=END):
    return {
        k.key: k
        for k in kpi_overview(
            session=session, agency_id=client.agency_id, client_id=client.id, start=start, end=end
        )
    }


def test_totals_rates_and_the_previous_range(session, shop):
    _agency, client, _manager = shop
    session.add_all(
        [
            # Previous range: 2 days.
            day_row(
                client,
                date(2026, 10, 25),
                followers=980,
                followers_gain=5,
                impressions_gain=500,
                likes_gain=20,
                comments_gain=5,
                shares_gain=None,
                saves_gain=None,
                rated_engagements_gain=25,
                posts_published=1,
            ),
            day_row(
                client,
                date(2026, 10, 31),
                followers=1000,
                followers_gain=15,
                impressions_gain=500,
                likes_gain=10,
                rated_engagements_gain=10,
                posts_published=1,
            ),
            # This range: 3 days.
            day_row(
                client,
                date(2026, 11, 1),
                followers=1010,
                followers_gain=10,
                impressions_gain=1000,
                likes_gain=40,
                comments_gain=10,
                shares_gain=5,
                saves_gain=None,
                rated_engagements_gain=50,
                posts_published=2,
            ),
            day_row(
                client,
                date(2026, 11, 5),
                followers=1030,
                followers_gain=20,
                impressions_gain=3000,
                likes_gain=90,
                comments_gain=20,
                shares_gain=10,
                saves_gain=None,
                rated_engagements_gain=100,
                posts_published=1,
            ),
            day_row(
                client,
                date(2026, 11, 10),
                followers=1025,
                followers_gain=-5,
                impressions_gain=None,
                likes_gain=3,
                posts_published=0,
            ),
            # After the range: ignored.
            day_row(client, date(2026, 11, 11), followers=2000, followers_gain=975, impressions_gain=99999),
        ]
    )
    session.commit()
    kpis = overview(session, client)
    assert kpis["follower_growth"].value == 25 and kpis["follower_growth"].previous == 20
    assert kpis["follower_growth"].change == 5
    assert kpis["followers"].value == 1025 and kpis["followers"].previous == 1000
    assert kpis["impressions"].value == 4000
    # likes 133 + comments 30 + shares 15 (saves not available anywhere: left out, not zero)
    assert kpis["engagements"].value == 178
    # Over impressions, only engagements where impressions are counted: 150 / 4000.
    assert kpis["engagement_rate"].value == pytest.approx(3.75)
    assert kpis["engagement_rate"].previous == pytest.approx(3.5)
    assert kpis["posts_published"].value == 3


def test_a_client_with_no_data_has_kpis_not_available_not_zero(session, shop):
    _agency, client, _manager = shop
    kpis = overview(session, client)
    for key in (
        "follower_growth",
        "followers",
        "impressions",
        "engagements",
        "engagement_rate",
        "response_time",
    ):
        assert kpis[key].value is None and not kpis[key].available, key
    assert kpis["plan_adherence"].value is None  # no plan yet


def test_targets_scale_to_the_range_for_totals_and_not_for_rates(session, shop):
    agency, client, manager = shop
    session.add(
        day_row(
            client,
            date(2026, 11, 3),
            followers=500,
            followers_gain=150,
            impressions_gain=2000,
            likes_gain=80,
            rated_engagements_gain=80,
            posts_published=1,
        )
    )
    session.commit()
    replace_targets(
        session=session,
        agency_id=agency.id,
        client_id=client.id,
        membership=membership_of(manager, agency),
        actor=manager,
        data={
            "follower_growth": {"target": 300, "period": "month"},
            "engagement_rate": {"target": "3,5", "period": "month"},
            "response_time": {"target": 3600, "period": "week"},
        },
    )
    session.commit()
    kpis = overview(session, client)
    growth = kpis["follower_growth"]
    assert growth.target == pytest.approx(300 * 10 / 30) and growth.progress == pytest.approx(1.5)
    assert growth.on_track
    assert growth.agreed_target == 300 and growth.target_period == "month"  # as agreed, for display
    rate = kpis["engagement_rate"]
    assert rate.target == 3.5 and rate.value == 4.0 and rate.on_track
    assert rate.agreed_target == 3.5
    assert kpis["response_time"].target == 3600 and kpis["response_time"].progress is None  # no replies yet
    assert [t.kpi for t in list_targets(session=session, agency_id=agency.id, client_id=client.id)] == [
        "follower_growth",
        "engagement_rate",
        "response_time",
    ]


def test_only_valid_targets_from_people_allowed_to_set_them(session, shop):
    agency, client, manager = shop
    editor = member(agency, "editor")
    session.commit()
    ok = {"membership": membership_of(manager, agency), "actor": manager}
    for bad in (
        {"nonsense": {"target": 1}},
        {"follower_growth": {"target": -5}},
        {"follower_growth": {"target": "lots"}},
        {"ctr_typo": 3},
        {"follower_growth": {"target": 5, "period": "year"}},
        ["follower_growth"],
    ):
        with pytest.raises(Invalid):
            replace_targets(session=session, agency_id=agency.id, client_id=client.id, data=bad, **ok)
    with pytest.raises(Forbidden):
        replace_targets(
            session=session,
            agency_id=agency.id,
            client_id=client.id,
            actor=editor,
            membership=membership_of(editor, agency),
            data={"follower_growth": {"target": 5}},
        )


def test_plan_and_mix_adherence_from_what_was_published(session, shop):
    agency, client, manager = shop
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    mastodon = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    session.commit()
    save_plan(
        session=session,
        agency_id=agency.id,
        client_id=client.id,
        membership=membership_of(manager, agency),
        actor=manager,
        data={
            "channels": [
                {"network": "x", "posts_per_week": 3.5},
                {"network": "mastodon", "posts_per_week": 3.5},
            ],
            "pillars": [{"key": "menu", "target_share": 50}, {"key": "team", "target_share": 50}],
        },
    )
    published_at = datetime(2026, 11, 4, 10, tzinfo=UTC)
    for n, (pillar, accounts) in enumerate(
        [("menu", [x, mastodon]), ("menu", [x]), ("menu", [x]), ("team", [x])]
    ):
        post = draft_post(client, manager, accounts, f"Post {n}", pillar=pillar)
        for target in post.targets:
            target.status, target.remote_id, target.published_at = (
                "published",
                f"r-{n}-{target.id}",
                published_at,
            )
    # 5 targets published (what the day rows count) against 7 per week x 10 days / 7 = 10 planned.
    session.add(day_row(client, date(2026, 11, 4), posts_published=5))
    session.commit()
    kpis = overview(session, client)
    assert kpis["plan_adherence"].value == pytest.approx(50.0)
    # 3 menu posts and 1 team post: shares 75/25 against 50/50 -> 25 points off -> 75 % adherence.
    assert kpis["mix_adherence"].value == pytest.approx(75.0)


def test_response_time_is_the_median_first_response_in_business_time(session, shop):
    agency, client, _manager = shop
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    session.commit()
    tuesday_10 = datetime(2026, 11, 3, 9, tzinfo=UTC)  # 10:00 in Rome
    items = [
        Incoming(
            remote_id=f"m{n}",
            kind="mention",
            author_id="a",
            author_handle="@a",
            author_name="A",
            text="Ciao?",
            created_at=tuesday_10,
        )
        for n in range(3)
    ]
    ingest(session=session, account=account, items=items, now=tuesday_10)
    for n, minutes in enumerate((10, 30, 90)):
        row = session.query(InboxItem).filter_by(remote_id=f"m{n}").one()
        row.first_response_at = tuesday_10 + timedelta(minutes=minutes)
    session.commit()
    assert overview(session, client)["response_time"].value == 30 * 60


def test_link_clicks_conversions_and_ctr_over_impressions_where_counted(session, shop):
    from tenants.models import LinkDailyStat

    agency, client, _manager = shop
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    mastodon = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    session.commit()
    session.add(day_row(client, date(2026, 11, 3), impressions_gain=2000, posts_published=1))
    for account, clicks, conversions in ((x, 50, 2), (mastodon, 30, 1)):
        session.add(
            LinkDailyStat(
                agency_id=agency.id,
                client_id=client.id,
                day=date(2026, 11, 3),
                post_id=1,
                account_id=account.id,
                clicks=clicks,
                unique_clicks=clicks,
                conversions=conversions,
            )
        )
    session.add(
        LinkDailyStat(
            agency_id=agency.id,
            client_id=client.id,
            day=date(2026, 11, 4),
            post_id=0,
            account_id=0,
            conversions=4,
        )
    )  # reported by the site, no click explains them
    session.commit()
    kpis = overview(session, client)
    assert kpis["link_clicks"].value == 80 and kpis["conversions"].value == 7
    # Mastodon counts no impressions: only X's 50 clicks go over the 2000 impressions.
    assert kpis["ctr"].value == pytest.approx(2.5)


def test_without_link_tracking_clicks_are_not_available(session, shop):
    _agency, client, _manager = shop
    client.link_tracking = False
    session.commit()
    kpis = overview(session, client)
    assert kpis["link_clicks"].value is None and kpis["ctr"].value is None
    client.link_tracking = True
    session.commit()
    assert overview(session, client)["link_clicks"].value == 0  # tracking on: none yet is a real zero
