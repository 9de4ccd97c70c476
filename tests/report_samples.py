"""For the report tests: a client with a week of metrics rolled up through the real pipeline (readings ->
daily rollups), KPI targets and published posts, one with markup-like text: the week the tests render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tenants.metrics.readings import Reading, store_readings
from tenants.metrics.rollup import rollup_day
from tenants.models import Client, KpiTarget, Post, SocialAccount, User
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, draft_post, member

WEEK_START, WEEK_END = date(2026, 11, 2), date(2026, 11, 8)  # Monday to Sunday in Rome
TRICKY_TITLE = "Pizza <b>&amp; fritti</b> & friends"
FORMULA_TITLE = '=HYPERLINK("http://evil.example") prenota'


@dataclass
class ReportWorld:
    client: Client
    x: SocialAccount
    mastodon: SocialAccount
    posts: dict[str, Post]
    approver: User
    viewer: User
    manager: User


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _publish(session, post: Post, remote_prefix: str, when: datetime) -> None:
    for target in post.targets:
        target.status, target.remote_id, target.published_at = (
            "published",
            f"{remote_prefix}-{target.network}",
            when,
        )
    post.status = "published"
    session.commit()


def build_report_world(session) -> ReportWorld:
    """Agency, client, two accounts, three published posts, a week of readings rolled up, two targets."""
    agency = AgencyFactory(name="Agenzia Nord")
    client = ClientFactory(
        agency_id=agency.id, name="Pizzeria Bella", slug="pizzeria-bella", timezone="Europe/Rome", locale="en"
    )
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x", handle="@bella")
    mastodon = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    manager = member(agency, "manager", email="manager@agency.example")
    approver = member(agency, "approver", client=client, email="approver@bella.example", locale="it")
    viewer = member(agency, "viewer", client=client, email="viewer@bella.example", locale="en")
    session.commit()
    posts = {
        "tricky": draft_post(client, manager, [x, mastodon], TRICKY_TITLE),
        "autumn": draft_post(client, manager, [x], "Menu d'autunno: zucca e castagne"),
        "formula": draft_post(client, manager, [mastodon], FORMULA_TITLE),
    }
    _publish(session, posts["tricky"], "p1", at(WEEK_START, 8))
    _publish(session, posts["autumn"], "p2", at(WEEK_START + timedelta(days=1), 8))
    _publish(session, posts["formula"], "p3", at(WEEK_START + timedelta(days=2), 8))
    followers_x, followers_md = 1000, 200
    for offset in range(7):
        day = WEEK_START + timedelta(days=offset)
        followers_x += 10
        followers_md += 2
        n = offset + 1
        store_readings(
            session=session,
            account=x,
            readings=[
                Reading("followers", followers_x),
                Reading("impressions", 400 * n, "p1-x"),
                Reading("likes", 40 * n, "p1-x"),
                Reading("impressions", 100 * n, "p2-x"),
                Reading("likes", 2 * n, "p2-x"),
            ],
            read_at=at(day, 12),
        )
        store_readings(
            session=session,
            account=mastodon,
            readings=[
                Reading("followers", followers_md),
                Reading("likes", 5 * n, "p1-mastodon"),
                Reading("likes", 1, "p3-mastodon"),
            ],
            read_at=at(day, 12),
        )
        rollup_day(session=session, agency_id=agency.id, client_id=client.id, day=day)
    session.add_all(
        [
            KpiTarget(
                agency_id=agency.id, client_id=client.id, kpi="follower_growth", period="week", target=50
            ),
            KpiTarget(
                agency_id=agency.id, client_id=client.id, kpi="impressions", period="week", target=10000
            ),
        ]
    )
    session.commit()
    return ReportWorld(client, x, mastodon, posts, approver, viewer, manager)
