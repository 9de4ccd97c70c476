"""Everything one report shows, gathered from the metrics layer into plain values (rendering reads no DB)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

from sqlalchemy.orm import Session

from tenants.errors import NotFound
from tenants.inbox.response_times import response_time_report
from tenants.metrics.kpis import KpiValue, kpi_overview
from tenants.metrics.series import (
    PostPerformance,
    account_days,
    client_days,
    day_engagements,
    post_performance,
)
from tenants.models import Agency, Client
from tenants.services import media
from tenants.services.local_time import day_bounds
from tenants.settings import Settings

POSTS_SHOWN = 5
# A logo bigger than this is not drawn (a report is mailed around; the library keeps the original).
MAX_LOGO_BYTES = 2 * 1024 * 1024
_LOGO_PATH = re.compile(r"^/c/(?P<slug>[a-z0-9-]+)/media/(?P<id>\d+)/(?:file|thumb)$")


@dataclass(frozen=True, kw_only=True)
class Figures:
    """What a report counts (None: nothing measured it)."""

    followers: int | None = None
    follower_gain: int | None = None
    impressions: int | None = None
    engagements: int | None = None
    posts_published: int = 0


@dataclass(frozen=True, kw_only=True)
class DayFigures(Figures):
    """One local day of the client."""

    day: date


@dataclass(frozen=True, kw_only=True)
class NetworkFigures(Figures):
    """A network's accounts of the client over the period."""

    network: str
    accounts: int


@dataclass(frozen=True)
class ReportData:
    """What the PDF and the CSV of one period show."""

    agency_name: str
    client_name: str
    brand_color: str
    locale: str
    timezone: str
    start: date
    end: date
    generated_at: datetime
    kpis: list[KpiValue]
    days: list[DayFigures]
    networks: list[NetworkFigures]
    top_posts: list[PostPerformance]
    bottom_posts: list[PostPerformance]
    community: dict
    logo: bytes | None = field(default=None, repr=False)


def gather(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    start: date,
    end: date,
    now: datetime,
    logo: bytes | None = None,
) -> ReportData:
    """Read the period's KPIs, daily series, networks, posts and community figures of one client."""
    client = session.get(Client, client_id)
    if client is None or client.agency_id != agency_id:
        raise LookupError("client not found in this agency")
    agency = session.get(Agency, agency_id)
    scope = {"session": session, "agency_id": agency_id, "client_id": client_id, "start": start, "end": end}
    posts = post_performance(**scope)
    top = posts[:POSTS_SHOWN]
    # The least engaging ones, weakest first, never repeating a post already among the top ones.
    bottom = list(reversed(posts[len(top) :]))[:POSTS_SHOWN]
    first, _ = day_bounds(start, client.timezone)
    _, last = day_bounds(end, client.timezone)
    return ReportData(
        agency_name=agency.name if agency else "",
        client_name=client.name,
        brand_color=client.brand_color or "#3b5bdb",
        locale=client.locale or "it",
        timezone=client.timezone,
        start=start,
        end=end,
        generated_at=now,
        kpis=kpi_overview(**scope),
        days=_days(client_days(**scope), start, end),
        networks=_networks(account_days(**scope)),
        top_posts=top,
        bottom_posts=bottom,
        community=response_time_report(
            session=session, agency_id=agency_id, client_id=client_id, start=first, end=last
        ),
        logo=logo,
    )


def _days(rows: list[dict], start: date, end: date) -> list[DayFigures]:
    """Every day of the period, rolled up or not (a day without a rollup is not available)."""
    by_day = {row["day"]: row for row in rows}
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        row = by_day.get(day)
        if row is None:
            days.append(DayFigures(day=day))  # a day nothing measured
            continue
        days.append(
            DayFigures(
                day=day,
                followers=row["followers"],
                follower_gain=row["followers_gain"],
                impressions=row["impressions_gain"],
                engagements=day_engagements(row),
                posts_published=row["posts_published"] or 0,
            )
        )
    return days


def _add(total: int | None, value: int | None) -> int | None:
    if value is None:
        return total
    return (total or 0) + value


def _networks(rows: list[dict]) -> list[NetworkFigures]:
    """Per network: followers at each account's last measured day, and the period's sums."""
    last_followers: dict[int, tuple[date, int]] = {}
    totals: dict[str, dict] = {}
    for row in rows:
        entry = totals.setdefault(
            row["network"],
            {"accounts": set(), "gain": None, "impressions": None, "engagements": None, "posts": 0},
        )
        entry["accounts"].add(row["account_id"])
        entry["gain"] = _add(entry["gain"], row["followers_gain"])
        entry["impressions"] = _add(entry["impressions"], row["impressions_gain"])
        entry["engagements"] = _add(entry["engagements"], day_engagements(row))
        entry["posts"] += row["posts_published"] or 0
        if row["followers"] is not None:
            seen = last_followers.get(row["account_id"])
            if seen is None or seen[0] < row["day"]:
                last_followers[row["account_id"]] = (row["day"], row["followers"])
    result = []
    for network in sorted(totals):
        entry = totals[network]
        counted = [last_followers[a][1] for a in entry["accounts"] if a in last_followers]
        result.append(
            NetworkFigures(
                network=network,
                accounts=len(entry["accounts"]),
                followers=sum(counted) if counted else None,
                follower_gain=entry["gain"],
                impressions=entry["impressions"],
                engagements=entry["engagements"],
                posts_published=entry["posts"],
            )
        )
    return result


def local_logo(*, session: Session, settings: Settings, client: Client) -> bytes | None:
    """The client's logo when it is a picture in its own media library; None for anything else.

    A report is rendered by a worker: it never fetches a URL someone typed in (that would let a client
    setting make the worker call any address), it only reads a file Cadenza already stored and checked.
    """
    if not client.logo_url:
        return None
    parsed = urlparse(client.logo_url)
    own = urlparse(settings.base_url)
    if parsed.netloc and (parsed.scheme, parsed.netloc) != (own.scheme, own.netloc):
        return None
    found = _LOGO_PATH.match(parsed.path or "")
    if found is None or found["slug"] != client.slug:
        return None
    try:
        asset = media.get_media(
            session=session, agency_id=client.agency_id, client_id=client.id, media_id=int(found["id"])
        )
    except NotFound:  # deleted since: the report goes without a logo
        return None
    if asset.kind != "image" or asset.mime not in ("image/png", "image/jpeg"):
        return None
    try:
        path = media.media_path_of(settings, asset)
    except NotFound:
        return None
    if path is None or not path.is_file() or path.stat().st_size > MAX_LOGO_BYTES:
        return None
    return path.read_bytes()
