"""Each network's figures over a range of local days, against the previous range: the reports' Channels
page. Sums of the accounts' daily rollups; a figure no account of the network reports stays None."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from tenants.metrics.series import account_days
from tenants.metrics.vocabulary import ENGAGEMENTS


@dataclass(frozen=True)
class ChannelFigures:
    """One network (all the client's accounts on it) over a range."""

    network: str
    accounts: int
    followers: int | None  # at the range's last rolled-up day of each account
    follower_growth: int | None
    impressions: int | None
    engagements: int | None
    clicks: int | None
    posts_published: int

    @property
    def engagement_rate(self) -> float | None:
        """Engagements per 100 impressions, where the network counts impressions."""
        if not self.impressions or self.engagements is None:
            return None
        return 100 * self.engagements / self.impressions


@dataclass(frozen=True)
class ChannelRow:
    """A network this range and the previous one."""

    now: ChannelFigures
    previous: ChannelFigures | None


def channel_figures(rows: list[dict]) -> dict[str, ChannelFigures]:
    """Per network, from `account_days` rows of one range (rows ordered by account, then day)."""
    by_network: dict[str, list[dict]] = {}
    for row in rows:
        by_network.setdefault(row["network"], []).append(row)
    result = {}
    for network, items in sorted(by_network.items()):
        last_followers: dict[int, int] = {}
        for row in items:  # ordered by day within an account: the last non-null value wins
            if row["followers"] is not None:
                last_followers[row["account_id"]] = row["followers"]
        result[network] = ChannelFigures(
            network=network,
            accounts=len({row["account_id"] for row in items}),
            followers=sum(last_followers.values()) if last_followers else None,
            follower_growth=_sum(row["followers_gain"] for row in items),
            impressions=_sum(row["impressions_gain"] for row in items),
            engagements=_sum(row[f"{e}_gain"] for row in items for e in ENGAGEMENTS),
            clicks=_sum(row["clicks_gain"] for row in items),
            posts_published=sum(row["posts_published"] or 0 for row in items),
        )
    return result


def channel_report(
    *, session: Session, agency_id: int, client_id: int, start: date, end: date
) -> list[ChannelRow]:
    """Every network with rolled-up days in [start, end], most followers first, with the previous range."""
    length = (end - start).days + 1
    before = start - timedelta(days=length)
    rows = account_days(session=session, agency_id=agency_id, client_id=client_id, start=before, end=end)
    now = channel_figures([r for r in rows if r["day"] >= start])
    previous = channel_figures([r for r in rows if r["day"] < start])
    ordered = sorted(now.values(), key=lambda f: (-(f.followers or 0), f.network))
    return [ChannelRow(now=f, previous=previous.get(f.network)) for f in ordered]


def _sum(values) -> int | None:
    """The sum of the values that are known; None when none is (not available, never zero)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None
