"""Day-by-day figures for charts and reports: the client's, each account's, and its posts ranked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.metrics.vocabulary import ENGAGEMENTS, post_counters, reports
from tenants.models import AccountMetricDay, ClientMetricDay, Post, PostMetricDay, SocialAccount
from tenants.tracking.stats import daily_link_stats

DAY_FIGURES = ("followers", "followers_gain", "posts_published", *(f"{c}_gain" for c in post_counters()))


def day_engagements(row: dict) -> int | None:
    """A day row's engagements: the counters its networks reported, summed (None when none reported one)."""
    known = [row[f"{name}_gain"] for name in ENGAGEMENTS if row[f"{name}_gain"] is not None]
    return sum(known) if known else None


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
    rated_engagements: int = 0  # on the networks that count impressions
    link_clicks: int = 0  # on Cadenza's short links in the post, bots and previews left out
    rated_link_clicks: int = 0  # of those, on the networks that count impressions

    @property
    def engagement_rate(self) -> float | None:
        """Engagements per 100 impressions, on the networks that count impressions."""
        return 100 * self.rated_engagements / self.impressions if self.impressions else None

    @property
    def click_through_rate(self) -> float | None:
        """Short-link clicks per 100 impressions, on the networks that count impressions."""
        return 100 * self.rated_link_clicks / self.impressions if self.impressions else None


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
    rated: dict[int, int] = {}
    for post_id, network, *totals_read in rows:
        # PostgreSQL sums integers as numeric (Decimal): counts are ints.
        sums = [None if v is None else int(v) for v in totals_read]
        networks.setdefault(post_id, set()).add(network)
        if reports(network, "impressions"):
            by_name = dict(zip(post_counters(), sums, strict=True))
            rated[post_id] = rated.get(post_id, 0) + sum(by_name[e] or 0 for e in ENGAGEMENTS)
        totals = figures.setdefault(post_id, dict.fromkeys(post_counters()))
        for counter, value in zip(post_counters(), sums, strict=True):
            if value is not None:
                totals[counter] = (totals[counter] or 0) + value
    clicks, rated_clicks = _link_clicks(session, agency_id, client_id, start, end)
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
            rated_engagements=rated.get(post.id, 0),
            link_clicks=clicks.get(post.id, 0),
            rated_link_clicks=rated_clicks.get(post.id, 0),
        )
        for post in posts
    ]
    return sorted(ranked, key=lambda p: (-p.engagements, p.post_id))


def _link_clicks(
    session: Session, agency_id: int, client_id: int, start: date, end: date
) -> tuple[dict, dict]:
    """Short-link clicks per post: all of them, and those on networks that count impressions."""
    networks = dict(
        session.execute(
            select(SocialAccount.id, SocialAccount.network).where(
                SocialAccount.agency_id == agency_id, SocialAccount.client_id == client_id
            )
        ).all()
    )
    clicks: dict[int, int] = {}
    rated: dict[int, int] = {}
    for row in daily_link_stats(
        session=session, agency_id=agency_id, client_id=client_id, start=start, end=end
    ):
        if row.post_id is None:
            continue  # conversions no click explains
        clicks[row.post_id] = clicks.get(row.post_id, 0) + row.clicks
        if reports(networks.get(row.account_id, ""), "impressions"):
            rated[row.post_id] = rated.get(row.post_id, 0) + row.clicks
    return clicks, rated


def _title(text: str | None) -> str:
    """A post's first line, short enough for a table."""
    lines = (text or "").strip().splitlines()
    return lines[0][:80] if lines else ""
