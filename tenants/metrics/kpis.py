"""A client's KPIs over a range of local days, against the previous range of the same length and the
targets agreed with the client.

Totals (follower growth, impressions, posts published, ...) add up day by day, so a monthly target is
scaled to the range's length; rates (engagement rate, response time, plan adherence) are compared as
they are. A KPI no connected network can measure is "not available" (value None), never zero.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.inbox.response_times import median_first_response
from tenants.metrics.ranges import client_for_range
from tenants.metrics.vocabulary import ENGAGEMENTS, reports
from tenants.models import Client, ClientMetricDay, KpiTarget, Post, PostTarget, SocialAccount
from tenants.services import plans
from tenants.services.local_time import day_bounds
from tenants.tracking.stats import clicks_by_account

PERIOD_DAYS = {"week": 7, "month": 30, "quarter": 91}


@dataclass(frozen=True)
class KpiDefinition:
    """What a KPI is: its unit, whether it adds up over days, and which way is better."""

    key: str
    unit: str  # count, percent, seconds
    additive: bool
    higher_is_better: bool = True


KPIS: dict[str, KpiDefinition] = {
    d.key: d
    for d in (
        KpiDefinition("follower_growth", "count", additive=True),
        KpiDefinition("followers", "count", additive=False),
        KpiDefinition("impressions", "count", additive=True),
        KpiDefinition("engagements", "count", additive=True),
        KpiDefinition("engagement_rate", "percent", additive=False),
        KpiDefinition("link_clicks", "count", additive=True),
        KpiDefinition("ctr", "percent", additive=False),
        KpiDefinition("conversions", "count", additive=True),
        KpiDefinition("posts_published", "count", additive=True),
        KpiDefinition("plan_adherence", "percent", additive=False),
        KpiDefinition("mix_adherence", "percent", additive=False),
        KpiDefinition("response_time", "seconds", additive=False, higher_is_better=False),
    )
}


@dataclass(frozen=True)
class KpiValue:
    """One KPI over the range: its value, the previous range's, and the target's, when there are."""

    key: str
    unit: str
    value: float | None
    previous: float | None
    target: float | None = None  # scaled to the range when the KPI adds up
    target_period: str | None = None
    agreed_target: float | None = None  # the target as agreed, per target_period (unscaled)
    higher_is_better: bool = True

    @property
    def available(self) -> bool:
        """False when no connected network measures it."""
        return self.value is not None

    @property
    def change(self) -> float | None:
        """Difference from the previous range."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def progress(self) -> float | None:
        """Share of the target reached (1.0 = on target); for "lower is better", target over value."""
        if self.value is None or not self.target:
            return None
        if self.higher_is_better:
            return self.value / self.target
        return self.target / self.value if self.value else 1.0

    @property
    def on_track(self) -> bool | None:
        """Whether the target is met (None without a target)."""
        progress = self.progress
        return None if progress is None else progress >= 1.0


def kpi_overview(
    *, session: Session, agency_id: int, client_id: int, start: date, end: date
) -> list[KpiValue]:
    """Every KPI over the local days [start, end], with the previous range of the same length."""
    client = client_for_range(session=session, agency_id=agency_id, client_id=client_id, start=start, end=end)
    length = (end - start).days + 1
    now = _measure(session, client, start, end)
    before = _measure(session, client, start - timedelta(days=length), start - timedelta(days=1))
    targets = {
        t.kpi: t
        for t in session.scalars(
            select(KpiTarget).where(KpiTarget.agency_id == agency_id, KpiTarget.client_id == client_id)
        )
    }
    values = []
    for key, definition in KPIS.items():
        target = targets.get(key)
        scaled = None
        if target is not None:
            scaled = (
                target.target * length / PERIOD_DAYS[target.period] if definition.additive else target.target
            )
        values.append(
            KpiValue(
                key=key,
                unit=definition.unit,
                value=now.get(key),
                previous=before.get(key),
                target=scaled,
                target_period=target.period if target else None,
                agreed_target=target.target if target else None,
                higher_is_better=definition.higher_is_better,
            )
        )
    return values


def _measure(session: Session, client: Client, start: date, end: date) -> dict[str, float | None]:
    """The KPIs' values over [start, end] (local days)."""
    gains = [getattr(ClientMetricDay, f"{name}_gain") for name in (*ENGAGEMENTS, "impressions")]
    totals = session.execute(
        select(
            func.sum(ClientMetricDay.followers_gain),
            func.count(ClientMetricDay.followers_gain),
            *(func.sum(g) for g in gains),
            func.sum(ClientMetricDay.rated_engagements_gain),
            func.sum(ClientMetricDay.posts_published),
        ).where(
            ClientMetricDay.agency_id == client.agency_id,
            ClientMetricDay.client_id == client.id,
            ClientMetricDay.day >= start,
            ClientMetricDay.day <= end,
        )
    ).one()
    # PostgreSQL sums integers as numeric (Decimal): KPIs are floats.
    growth, growth_days, *engagement_parts, impressions, rated, published = (
        None if v is None else float(v) for v in totals
    )
    followers = session.scalar(
        select(ClientMetricDay.followers)
        .where(
            ClientMetricDay.agency_id == client.agency_id,
            ClientMetricDay.client_id == client.id,
            ClientMetricDay.day <= end,
            ClientMetricDay.followers.is_not(None),
        )
        .order_by(ClientMetricDay.day.desc())
        .limit(1)
    )
    engagements = [p for p in engagement_parts if p is not None]
    result: dict[str, float | None] = {
        "follower_growth": growth if growth_days else None,
        "followers": float(followers) if followers is not None else None,
        "impressions": impressions,
        "engagements": sum(engagements) if engagements else None,
        "engagement_rate": 100 * rated / impressions if impressions and rated is not None else None,
        "posts_published": published or 0.0,
    }
    result.update(_links(session, client, start, end, impressions=impressions))
    result.update(_plan(session, client, start, end, published=int(published or 0)))
    first, _ = day_bounds(start, client.timezone)
    _, last = day_bounds(end, client.timezone)
    result["response_time"] = median_first_response(
        session=session, agency_id=client.agency_id, client_id=client.id, start=first, end=last
    )
    return result


def _links(session: Session, client: Client, start: date, end: date, *, impressions: float | None) -> dict:
    """Clicks on Cadenza's short links, conversions the client's site reported, and CTR (clicks over
    impressions, counting only the clicks on accounts whose network counts impressions)."""
    by_account = clicks_by_account(
        session=session, agency_id=client.agency_id, client_id=client.id, start=start, end=end
    )
    if not by_account and not client.link_tracking:
        return {"link_clicks": None, "ctr": None, "conversions": None}  # not measured, not zero
    networks = dict(
        session.execute(
            select(SocialAccount.id, SocialAccount.network).where(
                SocialAccount.agency_id == client.agency_id, SocialAccount.client_id == client.id
            )
        ).all()
    )
    clicks = sum(c for c, _ in by_account.values())
    rated = sum(
        c
        for account, (c, _) in by_account.items()
        if account and reports(networks.get(account, ""), "impressions")
    )
    return {
        "link_clicks": float(clicks),
        "ctr": 100 * rated / impressions if impressions else None,
        "conversions": float(sum(conversions for _, conversions in by_account.values())),
    }


def _plan(
    session: Session, client: Client, start: date, end: date, *, published: int
) -> dict[str, float | None]:
    """Published against the plan's cadence, and the pillar mix against the plan's shares (percent)."""
    plan = plans.current_plan(session=session, agency_id=client.agency_id, client_id=client.id)
    if plan is None:
        return {"plan_adherence": None, "mix_adherence": None}
    days = (end - start).days + 1
    planned = sum(float(c.get("posts_per_week") or 0) for c in plan.data.get("channels", [])) * days / 7
    adherence = 100 * published / planned if planned else None
    first, _ = day_bounds(start, client.timezone)
    _, last = day_bounds(end, client.timezone)
    pillars = _published_pillars(session, client, first, last)
    targets = {p["key"]: float(p["target_share"]) for p in plan.data.get("pillars", [])}
    total = sum(pillars.values())
    mix = None
    if total and targets:
        keys = set(targets) | set(pillars)
        distance = sum(abs(100 * pillars.get(k, 0) / total - targets.get(k, 0.0)) for k in keys) / 2
        mix = max(0.0, 100 - distance)
    return {"plan_adherence": adherence, "mix_adherence": mix}


def _published_pillars(session: Session, client: Client, first, last) -> Counter[str]:
    """How many posts with a target published in [first, last) each pillar has ("" for none)."""
    rows = session.execute(
        select(Post.pillar, func.count())
        .where(
            Post.agency_id == client.agency_id,
            Post.client_id == client.id,
            Post.id.in_(
                select(PostTarget.post_id).where(
                    PostTarget.client_id == client.id,
                    PostTarget.published_at >= first,
                    PostTarget.published_at < last,
                )
            ),
        )
        .group_by(Post.pillar)
    )
    pillars: Counter[str] = Counter()
    for pillar, count in rows:
        pillars[pillar or ""] += count
    return pillars
