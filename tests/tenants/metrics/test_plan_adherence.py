"""The Plan page's figures: published targets per plan channel and local week against the plan's cadence
(cut to the range's days), networks outside the plan, and the pillar mix of the posts published."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tenants.metrics.kpis import kpi_overview
from tenants.metrics.plan_adherence import plan_adherence
from tenants.models import ClientMetricDay
from tenants.services.plans import save_plan
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, draft_post, member

# Wednesday Nov 4 to Sunday Nov 15, 2026: 5 days of one week, then a whole week.
START, END = date(2026, 11, 4), date(2026, 11, 15)


@pytest.fixture
def shop(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, timezone="Europe/Rome")
    manager = member(agency, "manager")
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    mastodon = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    bluesky = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="bluesky")
    return agency, client, manager, x, mastodon, bluesky


def _plan(session, agency, client, manager):
    from tests.factories import membership_of

    save_plan(
        session=session,
        agency_id=agency.id,
        client_id=client.id,
        membership=membership_of(manager, agency),
        actor=manager,
        data={
            "channels": [
                {"network": "x", "posts_per_week": 7},
                {"network": "mastodon", "posts_per_week": 3.5},
            ],
            "pillars": [
                {"key": "menu", "name": "Il menu", "target_share": 50},
                {"key": "team", "target_share": 50},
            ],
        },
    )
    session.commit()


def _published(client, manager, accounts, when, pillar, n):
    post = draft_post(client, manager, accounts, f"Post {n}", pillar=pillar)
    for target in post.targets:
        target.status, target.remote_id, target.published_at = "published", f"r{n}-{target.id}", when
    return post


def test_published_per_channel_and_week_against_the_cadence(session, shop):
    agency, client, manager, x, mastodon, bluesky = shop
    _plan(session, agency, client, manager)
    _published(client, manager, [x, mastodon], datetime(2026, 11, 4, 10, tzinfo=UTC), "menu", 1)
    _published(client, manager, [x], datetime(2026, 11, 8, 22, 30, tzinfo=UTC), "menu", 2)  # 23:30 Sun
    _published(client, manager, [x, bluesky], datetime(2026, 11, 8, 23, 30, tzinfo=UTC), "team", 3)  # Mon
    _published(client, manager, [x], datetime(2026, 11, 3, 12, tzinfo=UTC), "team", 4)  # before the range
    _published(client, manager, [x], datetime(2026, 11, 15, 23, 30, tzinfo=UTC), "team", 5)  # after it
    draft_post(client, manager, [x], "Never published", pillar="team")
    session.commit()
    report = plan_adherence(session=session, agency_id=agency.id, client_id=client.id, start=START, end=END)
    assert report.has_plan and report.weeks == [date(2026, 11, 2), date(2026, 11, 9)]
    first, second = report.channels["x"]
    assert (first.days, first.planned, first.published) == (5, 5.0, 2)
    assert (second.days, second.planned, second.published) == (7, 7.0, 1)
    assert first.adherence == pytest.approx(40.0)
    assert report.channel_total("mastodon") == (pytest.approx(3.5 * 12 / 7), 1)
    assert report.unplanned == {"bluesky": 1}
    mix = {m.key: m for m in report.mix}
    assert report.posts == 3
    assert mix["menu"].name == "Il menu" and mix["menu"].published == 2
    assert mix["menu"].share == pytest.approx(200 / 3) and mix["team"].delta == pytest.approx(100 / 3 - 50)


def test_the_mix_lists_pillars_outside_the_plan_and_posts_without_one(session, shop):
    agency, client, manager, x, _mastodon, _bluesky = shop
    _plan(session, agency, client, manager)
    # A pillar an older plan had: posts keep it after the plan changed.
    _published(client, manager, [x], datetime(2026, 11, 5, 10, tzinfo=UTC), None, 1).pillar = "promo"
    _published(client, manager, [x], datetime(2026, 11, 5, 11, tzinfo=UTC), None, 2)
    session.commit()
    report = plan_adherence(session=session, agency_id=agency.id, client_id=client.id, start=START, end=END)
    assert [(m.key, m.target_share, m.published) for m in report.mix] == [
        ("menu", 50.0, 0),
        ("team", 50.0, 0),
        ("promo", 0.0, 1),
        ("", 0.0, 1),
    ]


def test_without_a_plan_nothing_is_planned(session, shop):
    agency, client, manager, x, _mastodon, _bluesky = shop
    _published(client, manager, [x], datetime(2026, 11, 5, 10, tzinfo=UTC), None, 1)
    session.commit()
    report = plan_adherence(session=session, agency_id=agency.id, client_id=client.id, start=START, end=END)
    assert not report.has_plan and report.channels == {} and report.unplanned == {"x": 1}


def test_totals_agree_with_the_plan_adherence_kpi(session, shop):
    agency, client, manager, x, mastodon, _bluesky = shop
    _plan(session, agency, client, manager)
    _published(client, manager, [x, mastodon], datetime(2026, 11, 4, 10, tzinfo=UTC), "menu", 1)
    _published(client, manager, [x], datetime(2026, 11, 10, 10, tzinfo=UTC), "team", 2)
    for day, count in ((date(2026, 11, 4), 2), (date(2026, 11, 10), 1)):
        session.add(ClientMetricDay(agency_id=agency.id, client_id=client.id, day=day, posts_published=count))
    session.commit()
    report = plan_adherence(session=session, agency_id=agency.id, client_id=client.id, start=START, end=END)
    planned = sum(report.channel_total(n)[0] for n in report.channels)
    published = sum(report.channel_total(n)[1] for n in report.channels)
    kpis = {
        k.key: k
        for k in kpi_overview(session=session, agency_id=agency.id, client_id=client.id, start=START, end=END)
    }
    assert kpis["plan_adherence"].value == pytest.approx(100 * published / planned)
    assert kpis["mix_adherence"].value == pytest.approx(100.0)
