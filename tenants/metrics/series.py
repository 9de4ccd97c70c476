"""Day-by-day figures for charts and reports: the client's, each account's, and its posts ranked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.metrics.vocabulary import ENGAGEMENTS, post_counters
from tenants.models import AccountMetricDay, ClientMetricDay, Post, PostMetricDay, SocialAccount

DAY_FIGURES = ("followers", "followers_gain", "posts_published", *(f"{c}_gain" for c in post_counters()))


def client_days(*, session: Session, agency_id: int, client_id: int, start: date, end: date) -> list[dict]:
    """One dict per rolled-up day in [start, end]: the day and its figures (None: not available)."""
    columns = [getattr(ClientMetricDay, name) for name in DAY_FIGURES]
    rows = session.execute(
        select(ClientMetricDay.day, *columns)
        .where(
            ClientMetricDay.agency_id == agency_id,
            ClientMetricDay.client_id == client_id,
            ClientMetricDay.day >= start,
            ClientMetricDay.day <= end,
        )
        .order_by(ClientMetricDay.day)
    ).all()
    return [{"day": row[0], **dict(zip(DAY_FIGURES, row[1:], strict=True))} for row in rows]


def account_days(*, session: Session, agency_id: int, client_id: int, start: date, end: date) -> list[dict]:
    """One dict per account and rolled-up day in [start, end], with the account's network and handle."""
    columns = [getattr(AccountMetricDay, name) for name in DAY_FIGURES]
    rows = session.execute(
        select(AccountMetricDay.day, SocialAccount.id, SocialAccount.network, SocialAccount.handle, *columns)
        .join(SocialAccount, SocialAccount.id == AccountMetricDay.account_id)
        .where(
            AccountMetricDay.agency_id == agency_id,
            AccountMetricDay.client_id == client_id,
            AccountMetricDay.day >= start,
            AccountMetricDay.day <= end,
        )
        .order_by(SocialAccount.network, SocialAccount.handle, AccountMetricDay.day)
    ).all()
    return [
        {
            "day": r[0],
            "account_id": r[1],
            "network": r[2],
            "handle": r[3],
            **dict(zip(DAY_FIGURES, r[4:], strict=True)),
        }
        for r in rows
    ]


@dataclass(frozen=True)
class PostPerformance:
    """What one post (all its networks together) gained in the range."""

    post_id: int
    title: str
    pillar: str | None
    networks: tuple[str, ...]
    impressions: int | None
    engagements: int
    gains: dict

    @property
    def engagement_rate(self) -> float | None:
        """Engagements per 100 impressions, where impressions are counted."""
        return 100 * self.engagements / self.impressions if self.impressions else None


def post_performance(
    *, session: Session, agency_id: int, client_id: int, start: date, end: date
) -> list[PostPerformance]:
    """Every post with figures in [start, end], most engaging first."""
    gains = [func.sum(getattr(PostMetricDay, f"{c}_gain")) for c in post_counters()]
    rows = session.execute(
        select(PostMetricDay.post_id, SocialAccount.network, *gains)
        .join(SocialAccount, SocialAccount.id == PostMetricDay.account_id)
        .where(
            PostMetricDay.agency_id == agency_id,
            PostMetricDay.client_id == client_id,
            PostMetricDay.day >= start,
            PostMetricDay.day <= end,
        )
        .group_by(PostMetricDay.post_id, SocialAccount.network)
    ).all()
    networks: dict[int, set[str]] = {}
    figures: dict[int, dict[str, int | None]] = {}
    for post_id, network, *sums in rows:
        networks.setdefault(post_id, set()).add(network)
        totals = figures.setdefault(post_id, dict.fromkeys(post_counters()))
        for counter, value in zip(post_counters(), sums, strict=True):
            if value is not None:
                totals[counter] = (totals[counter] or 0) + value
    posts = session.scalars(
        select(Post).where(
            Post.agency_id == agency_id, Post.client_id == client_id, Post.id.in_(list(figures))
        )
    )
    ranked = [
        PostPerformance(
            post_id=post.id,
            title=_title(post.base_text),
            pillar=post.pillar,
            networks=tuple(sorted(networks[post.id])),
            impressions=figures[post.id]["impressions"],
            engagements=sum(figures[post.id][e] or 0 for e in ENGAGEMENTS),
            gains=figures[post.id],
        )
        for post in posts
    ]
    return sorted(ranked, key=lambda p: (-p.engagements, p.post_id))


def _title(text: str | None) -> str:
    """A post's first line, short enough for a table."""
    lines = (text or "").strip().splitlines()
    return lines[0][:80] if lines else ""
