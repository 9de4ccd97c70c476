"""Posts compared: top and bottom by engagements, figures per content pillar, and click-through rates
(the reports' Posts page), from `series.post_performance`."""

from __future__ import annotations

from dataclasses import dataclass

from tenants.metrics.series import PostPerformance


def click_through_rate(post: PostPerformance) -> float | None:
    """Short-link clicks per 100 impressions, on the networks that count impressions (as the CTR KPI)."""
    return post.click_through_rate


def top_and_bottom(posts: list[PostPerformance], count: int = 5) -> tuple[list, list]:
    """The `count` most engaging posts, and the `count` least engaging of the others (weakest first)."""
    ranked = sorted(posts, key=lambda p: (-p.engagements, p.post_id))
    top = ranked[:count]
    rest = ranked[count:]
    return top, sorted(rest, key=lambda p: (p.engagements, p.post_id))[:count]


@dataclass(frozen=True)
class PillarPerformance:
    """All posts of one content pillar ("" for posts without one) over the range."""

    pillar: str
    posts: int
    impressions: int | None
    engagements: int
    clicks: int  # on Cadenza's short links
    rated_engagements: int = 0  # on the networks that count impressions
    rated_clicks: int = 0

    @property
    def engagement_rate(self) -> float | None:
        """Engagements per 100 impressions, on the networks that count impressions."""
        return 100 * self.rated_engagements / self.impressions if self.impressions else None

    @property
    def click_through_rate(self) -> float | None:
        """Short-link clicks per 100 impressions, on the networks that count impressions."""
        return 100 * self.rated_clicks / self.impressions if self.impressions else None


def by_pillar(posts: list[PostPerformance]) -> list[PillarPerformance]:
    """One row per pillar, most engaging first."""
    groups: dict[str, list[PostPerformance]] = {}
    for post in posts:
        groups.setdefault(post.pillar or "", []).append(post)
    rows = [
        PillarPerformance(
            pillar=pillar,
            posts=len(items),
            impressions=_sum(p.impressions for p in items),
            engagements=sum(p.engagements for p in items),
            clicks=sum(p.link_clicks for p in items),
            rated_engagements=sum(p.rated_engagements for p in items),
            rated_clicks=sum(p.rated_link_clicks for p in items),
        )
        for pillar, items in groups.items()
    ]
    return sorted(rows, key=lambda r: (-r.engagements, r.pillar))


def _sum(values) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None
