"""A client with 60 days of hand-built figures for the reports' AppTests, and a sibling client whose
figures must never show on its pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from tenants.metrics.targets import replace_targets
from tenants.models import (
    AccountMetricDay,
    Agency,
    Client,
    ClientMetricDay,
    InboxItem,
    LinkDailyStat,
    PostMetricDay,
    SocialAccount,
    User,
    utcnow,
)
from tenants.services.local_time import day_bounds, to_local
from tenants.services.plans import save_plan
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    SocialAccountFactory,
    draft_post,
    member,
    membership_of,
)

DAYS = 60
SIBLING_FOLLOWERS = 987_654  # a number only the sibling has
SIBLING_POST = "Sibling secret launch"


@dataclass
class World:
    agency: Agency
    client: Client
    sibling: Client
    manager: User
    x: SocialAccount
    mastodon: SocialAccount
    today: date


def _client_day(client: Client, day: date, n: int, **extra) -> ClientMetricDay:
    return ClientMetricDay(
        agency_id=client.agency_id,
        client_id=client.id,
        day=day,
        followers=1000 + 2 * n,
        followers_gain=2,
        impressions_gain=100,
        likes_gain=8,
        comments_gain=2,
        shares_gain=None,
        saves_gain=None,
        clicks_gain=3,
        rated_engagements_gain=10,
        posts_published=1 if n % 3 == 0 else 0,
        **extra,
    )


def _account_day(account: SocialAccount, day: date, n: int, impressions: bool) -> AccountMetricDay:
    base = 500 if impressions else 200
    return AccountMetricDay(
        agency_id=account.agency_id,
        client_id=account.client_id,
        account_id=account.id,
        network=account.network,
        day=day,
        followers=base + n,
        followers_gain=1,
        impressions_gain=100 if impressions else None,
        likes_gain=4,
        comments_gain=1,
        clicks_gain=3 if impressions else None,
        posts_published=1 if n % 3 == 0 else 0,
    )


def _published(world_client, author, accounts, text, pillar, when):
    post = draft_post(world_client, author, accounts, text, pillar=pillar)
    for target in post.targets:
        target.status, target.remote_id, target.published_at = "published", f"r-{target.id}", when
    return post


def build_world(session: Session, *, client_locale: str = "en") -> World:
    """Agency, client (branded), two accounts, 60 days of rollups, posts, inbox, plan and targets."""
    agency = AgencyFactory(name="Agenzia Onda")
    client = ClientFactory(
        agency_id=agency.id,
        name="Birrificio Alto",
        brand_color="#d9480f",
        timezone="Europe/Rome",
        locale=client_locale,
    )
    sibling = ClientFactory(agency_id=agency.id, name="Secret Sibling", timezone="Europe/Rome")
    manager = member(agency, "manager", locale="en")
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x", handle="@birrificio")
    mastodon = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    sibling_x = SocialAccountFactory(agency_id=agency.id, client_id=sibling.id, network="x")
    today = to_local(utcnow(), client.timezone).date()
    for n in range(DAYS):
        day = today - timedelta(days=DAYS - 1 - n)
        session.add(_client_day(client, day, n))
        session.add(_account_day(x, day, n, impressions=True))
        session.add(_account_day(mastodon, day, n, impressions=False))
        session.add(
            ClientMetricDay(
                agency_id=agency.id,
                client_id=sibling.id,
                day=day,
                followers=SIBLING_FOLLOWERS,
                followers_gain=5000,
                impressions_gain=77_777,
            )
        )
    session.commit()
    save_plan(
        session=session,
        agency_id=agency.id,
        client_id=client.id,
        membership=membership_of(manager, agency),
        actor=manager,
        data={
            "channels": [{"network": "x", "posts_per_week": 3}, {"network": "mastodon", "posts_per_week": 2}],
            "pillars": [
                {"key": "prodotto", "name": "Prodotto", "target_share": 60},
                {"key": "persone", "name": "Persone", "target_share": 40},
            ],
        },
    )
    save_plan(
        session=session,
        agency_id=agency.id,
        client_id=sibling.id,
        membership=membership_of(manager, agency),
        actor=manager,
        data={"pillars": [{"key": "segreto", "name": "Segreto", "target_share": 100}]},
    )
    noon = datetime.combine(today, datetime.min.time(), tzinfo=UTC) - timedelta(days=2, hours=-11)
    strong = _published(client, manager, [x, mastodon], "La nuova IPA è qui", "prodotto", noon)
    weak = _published(client, manager, [x], "Il birraio Marco", "persone", noon - timedelta(days=1))
    quiet = _published(client, manager, [mastodon], "Orari di Natale", None, noon - timedelta(days=3))
    extra = [
        _published(client, manager, [x], f"Post {n}", "prodotto", noon - timedelta(days=4 + n))
        for n in range(6)
    ]
    secret = _published(sibling, manager, [sibling_x], SIBLING_POST, "segreto", noon)
    session.commit()
    figures = {strong.id: (5000, 400, 40), weak.id: (800, 9, 1), quiet.id: (None, 2, None)}
    figures |= {p.id: (1000, 50 + i, 5) for i, p in enumerate(extra)}
    figures[secret.id] = (99_999, 9_999, 999)
    for post in (strong, weak, quiet, *extra, secret):
        impressions, likes, clicks = figures[post.id]
        for target in post.targets:
            network_counts_impressions = target.network == "x"
            session.add(
                PostMetricDay(
                    agency_id=post.agency_id,
                    client_id=post.client_id,
                    account_id=target.account_id,
                    post_id=post.id,
                    target_id=target.id,
                    day=today - timedelta(days=1),
                    impressions_gain=impressions if network_counts_impressions else None,
                    likes_gain=likes,
                    clicks_gain=clicks if network_counts_impressions else None,
                )
            )
            if clicks:  # the same clicks on Cadenza's short links (what CTR counts)
                session.add(
                    LinkDailyStat(
                        agency_id=post.agency_id,
                        client_id=post.client_id,
                        day=today - timedelta(days=1),
                        post_id=post.id,
                        account_id=target.account_id,
                        clicks=clicks,
                        unique_clicks=clicks,
                    )
                )
    # A Tuesday of last week, so the answers fall in business hours.
    start, _ = day_bounds(today - timedelta(days=(today.weekday() - 1) % 7 + 7), client.timezone)
    for n, (kind, sentiment) in enumerate(
        [("comment", "positive"), ("comment", "positive"), ("mention", "negative"), ("dm", "neutral")]
    ):
        session.add(
            InboxItem(
                agency_id=agency.id,
                client_id=client.id,
                account_id=x.id,
                network="x",
                kind=kind,
                remote_id=f"in-{n}",
                created_at=start + timedelta(hours=10 + n),
                received_at=start + timedelta(hours=10 + n),
                sentiment=sentiment,
                first_response_at=start + timedelta(hours=10 + n, minutes=20),
            )
        )
    for n in range(7):
        session.add(
            InboxItem(
                agency_id=agency.id,
                client_id=sibling.id,
                account_id=sibling_x.id,
                network="x",
                kind="comment",
                remote_id=f"sib-{n}",
                created_at=start + timedelta(hours=n),
                received_at=start + timedelta(hours=n),
                sentiment="negative",
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
            "follower_growth": {"target": 30, "period": "month"},
            "engagement_rate": {"target": 12, "period": "month"},
        },
    )
    session.commit()
    return World(agency, client, sibling, manager, x, mastodon, today)
