"""How closely what was published follows the communication plan: posts per channel and local week against
the plan's cadence, and the pillar mix against the plan's target shares (the reports' Plan page).

The same counting as the plan_adherence and mix_adherence KPIs (tenants/metrics/kpis.py): a published
target (one post on one account) counts once on its network; a post counts once in the mix, whatever the
number of its networks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.metrics.ranges import client_for_range
from tenants.models import Post, PostTarget
from tenants.services import plans
from tenants.services.local_time import day_bounds, to_local


@dataclass(frozen=True)
class ChannelWeek:
    """One plan channel in one local week (Monday first), cut to the days of the range it covers."""

    network: str
    week_start: date
    days: int
    planned: float
    published: int

    @property
    def adherence(self) -> float | None:
        """Published over planned, in percent (None when nothing was planned)."""
        return 100 * self.published / self.planned if self.planned else None


@dataclass(frozen=True)
class PillarMix:
    """A pillar's share of the posts published in the range against the plan's target share (percent)."""

    key: str
    name: str
    target_share: float
    published: int
    share: float

    @property
    def delta(self) -> float:
        """Percentage points above (positive) or below the target share."""
        return self.share - self.target_share


@dataclass(frozen=True)
class PlanAdherence:
    """Published against planned over the local days [start, end]."""

    has_plan: bool
    weeks: list[date]
    channels: dict[str, list[ChannelWeek]]
    unplanned: dict[str, int]  # published on networks the plan has no channel for
    mix: list[PillarMix]
    posts: int

    def channel_total(self, network: str) -> tuple[float, int]:
        """Planned and published over the whole range on one plan channel."""
        weeks = self.channels.get(network, [])
        return sum(w.planned for w in weeks), sum(w.published for w in weeks)


def plan_adherence(
    *, session: Session, agency_id: int, client_id: int, start: date, end: date
) -> PlanAdherence:
    """Posts published per plan channel and week, and the pillar mix, over the local days [start, end]."""
    client = client_for_range(session=session, agency_id=agency_id, client_id=client_id, start=start, end=end)
    plan = plans.current_plan(session=session, agency_id=agency_id, client_id=client_id)
    data = plan.data if plan else {}
    first, _ = day_bounds(start, client.timezone)
    _, last = day_bounds(end, client.timezone)
    rows = session.execute(
        select(PostTarget.network, PostTarget.published_at, Post.id, Post.pillar)
        .join(Post, Post.id == PostTarget.post_id)
        .where(
            PostTarget.agency_id == agency_id,
            PostTarget.client_id == client_id,
            Post.agency_id == agency_id,
            Post.client_id == client_id,
            PostTarget.published_at >= first,
            PostTarget.published_at < last,
        )
    ).all()
    per_week: Counter[tuple[str, date]] = Counter()
    pillar_of: dict[int, str] = {}
    for network, published_at, post_id, pillar in rows:
        day = to_local(published_at, client.timezone).date()
        per_week[(network, _monday(day))] += 1
        pillar_of[post_id] = pillar or ""
    weeks = _weeks(start, end)
    channels = {
        c["network"]: [
            ChannelWeek(
                network=c["network"],
                week_start=week,
                days=(days := _days_in_range(week, start, end)),
                planned=float(c.get("posts_per_week") or 0) * days / 7,
                published=per_week[(c["network"], week)],
            )
            for week in weeks
        ]
        for c in data.get("channels", [])
    }
    unplanned: Counter[str] = Counter()
    for (network, _week), count in per_week.items():
        if network not in channels:
            unplanned[network] += count
    return PlanAdherence(
        has_plan=plan is not None,
        weeks=weeks,
        channels=channels,
        unplanned=dict(sorted(unplanned.items())),
        mix=_mix(data.get("pillars", []), Counter(pillar_of.values())),
        posts=len(pillar_of),
    )


def _mix(pillars: list[dict], counts: Counter[str]) -> list[PillarMix]:
    """The plan's pillars, then any other pillar posts carried, then posts with no pillar."""
    total = sum(counts.values())
    known = {p["key"] for p in pillars}
    rows = [(p["key"], p.get("name") or p["key"], float(p["target_share"])) for p in pillars]
    rows += [(k, k, 0.0) for k in sorted(counts) if k and k not in known]
    if counts.get(""):
        rows.append(("", "", 0.0))
    return [
        PillarMix(key, name, target, counts[key], 100 * counts[key] / total if total else 0.0)
        for key, name, target in rows
    ]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weeks(start: date, end: date) -> list[date]:
    """The Mondays of every week that has a day in [start, end]."""
    first = _monday(start)
    return [first + timedelta(days=7 * n) for n in range((end - first).days // 7 + 1)]


def _days_in_range(week: date, start: date, end: date) -> int:
    """How many days of the week starting on `week` fall in [start, end]."""
    return (min(week + timedelta(days=6), end) - max(week, start)).days + 1
