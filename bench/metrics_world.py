"""What the metrics benchmarks run on: clients with social accounts and published posts, built quickly."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tenants.models import Agency, Client, Membership, Post, PostTarget, SocialAccount, User
from tenants.passwords import make_password_hasher
from tenants.services.agencies import create_agency
from tenants.services.clients import create_client
from tenants.services.plans import save_plan
from tenants.settings import Settings

NETWORKS = ("facebook", "instagram", "x", "linkedin", "mastodon", "bluesky")
PILLARS = ("menu", "team", "eventi", "territorio")
PLAN = {
    "channels": [{"network": n, "posts_per_week": 3} for n in NETWORKS],
    "pillars": [{"key": p, "target_share": 25} for p in PILLARS],
}


def agency_with_owner(settings: Settings, session: Session, name: str) -> tuple[Agency, User, Membership]:
    """A new agency and its owner's membership."""
    agency, owner = create_agency(
        session=session,
        hasher=make_password_hasher(settings),
        name=name,
        owner_email=f"owner@{name.lower().replace(' ', '-')}.example",
        owner_password="metrics-bench-password",
    )
    membership = session.scalars(select(Membership).where(Membership.user_id == owner.id)).one()
    return agency, owner, membership


def client_with_accounts(
    session: Session, agency: Agency, owner: User, membership: Membership, *, slug: str, accounts: int
) -> tuple[Client, list[SocialAccount]]:
    """A client in Europe/Rome with a plan and `accounts` connected accounts over the six networks."""
    client = create_client(
        session=session,
        agency_id=agency.id,
        membership=membership,
        actor=owner,
        data={"name": slug.replace("-", " ").title(), "slug": slug, "timezone": "Europe/Rome"},
    )
    save_plan(
        session=session,
        agency_id=agency.id,
        client_id=client.id,
        membership=membership,
        actor=owner,
        data=PLAN,
    )
    rows = [
        SocialAccount(
            agency_id=agency.id,
            client_id=client.id,
            network=NETWORKS[n % len(NETWORKS)],
            remote_id=f"{slug}-{n}",
            handle=f"@{slug}{n}",
        )
        for n in range(accounts)
    ]
    session.add_all(rows)
    session.flush()
    return client, rows


def published_posts(
    session: Session,
    client: Client,
    accounts: list[SocialAccount],
    *,
    first: datetime,
    every: timedelta,
    count: int,
) -> list[tuple[int, int, str, int]]:
    """`count` posts per account published from `first` on, one every `every`, one target each:
    (post id, target id, target remote id, account id)."""
    made = []
    for account in accounts:
        posts = [
            {
                "agency_id": client.agency_id,
                "client_id": client.id,
                "status": "published",
                "base_text": f"Post {n} di {account.handle}",
                "pillar": PILLARS[n % len(PILLARS)],
                "scheduled_at": first + every * n,
                "source": "api",
            }
            for n in range(count)
        ]
        post_ids = (
            session.execute(
                insert(Post.__table__).returning(Post.__table__.c.id, sort_by_parameter_order=True), posts
            )
            .scalars()
            .all()
        )
        targets = [
            {
                "agency_id": client.agency_id,
                "client_id": client.id,
                "post_id": post_id,
                "account_id": account.id,
                "network": account.network,
                "status": "published",
                "remote_id": f"{account.remote_id}-p{n}",
                "published_at": first + every * n,
            }
            for n, post_id in enumerate(post_ids)
        ]
        target_ids = (
            session.execute(
                insert(PostTarget.__table__).returning(
                    PostTarget.__table__.c.id, sort_by_parameter_order=True
                ),
                targets,
            )
            .scalars()
            .all()
        )
        made += [
            (post_id, target_id, t["remote_id"], account.id)
            for post_id, target_id, t in zip(post_ids, target_ids, targets, strict=True)
        ]
    return made
