"""The editorial calendar: a period's posts (one client or agency-wide), gaps against the plan, the mix."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tenants.errors import N_, NotFound
from tenants.models import DEFAULT_TIMEZONE, Client, Membership, Post, PostTarget
from tenants.models.base import utcnow
from tenants.models.posts import POST_STATUSES
from tenants.networks import NETWORKS
from tenants.permissions import is_client_role
from tenants.services import local_time, plans
from tenants.services.access import visible_client_ids

# Time slots live in their own module; importable from here as part of the calendar's surface.
from tenants.services.calendar_slots import list_slots as list_slots
from tenants.services.calendar_slots import next_free_slot as next_free_slot
from tenants.services.calendar_slots import set_slots as set_slots
from tenants.services.posts import CLIENT_VISIBLE_STATUSES

VIEWS = ("month", "week", "list")
MAX_ENTRIES = 2000


@dataclass(frozen=True)
class Period:
    """What one calendar page shows: local days [start, end), the days in focus, and where to go next."""

    view: str
    anchor: date
    start: date
    end: date
    focus_start: date
    focus_end: date
    previous: date
    next: date

    @property
    def days(self) -> list[date]:
        """Every local day shown."""
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]

    @property
    def focus_last(self) -> date:
        """The last day in focus (the month's last day, or the week's Sunday)."""
        return self.focus_end - timedelta(days=1)

    @property
    def weeks(self) -> list[list[date]]:
        """The days in rows of seven, Monday first (month and week views start on a Monday)."""
        days = self.days
        return [days[i : i + 7] for i in range(0, len(days), 7)]


def _month_start(day: date, shift: int = 0) -> date:
    month = day.year * 12 + day.month - 1 + shift
    return date(month // 12, month % 12 + 1, 1)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def period_for(view: str, anchor: date) -> Period:
    """The period of a month grid (whole weeks), a week, or a month listed by day."""
    view = view if view in VIEWS else "month"
    if view == "week":
        start = _monday(anchor)
        end = start + timedelta(days=7)
        return Period(view, anchor, start, end, start, end, start - timedelta(days=7), end)
    first, following = _month_start(anchor), _month_start(anchor, 1)
    previous = _month_start(anchor, -1)
    if view == "list":
        return Period(view, anchor, first, following, first, following, previous, following)
    start = _monday(first)
    end = _monday(following - timedelta(days=1)) + timedelta(days=7)
    return Period(view, anchor, start, end, first, following, previous, following)


def utc_bounds(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at the start of `start` and of `end` (DST-safe)."""
    return local_time.day_bounds(start, timezone)[0], local_time.day_bounds(end, timezone)[0]


def dst_change(day: date, timezone: str) -> str | None:
    """'forward' on the day the clocks skip an hour, 'back' on the day they repeat one, else None."""
    start, end = local_time.day_bounds(day, timezone)
    hours = (end - start) / timedelta(hours=1)
    return "forward" if hours < 24 else "back" if hours > 24 else None


def excerpt(text: str, length: int = 80) -> str:
    """The text on one line, cut to `length` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


@dataclass(frozen=True)
class Filters:
    """Calendar filters; None means everything."""

    client_id: int | None = None
    network: str | None = None
    pillar: str | None = None
    status: str | None = None


def clean_filters(args: Mapping[str, Any]) -> Filters:
    """Filters from query arguments; unknown networks or statuses are dropped rather than refused."""
    client_id = str(args.get("client") or "")
    network, status = args.get("network") or None, args.get("status") or None
    return Filters(
        client_id=int(client_id) if client_id.isdigit() else None,
        network=network if network in NETWORKS else None,
        pillar=(str(args.get("pillar") or "").strip().lower() or None),
        status=status if status in POST_STATUSES else None,
    )


@dataclass(frozen=True)
class Entry:
    """One post as the calendar shows it, in its client's time zone."""

    post: Post
    client: Client
    local: datetime | None
    networks: tuple[str, ...] = field(default=())

    @property
    def day(self) -> date | None:
        """The local date the post is planned on."""
        return self.local.date() if self.local else None

    @property
    def excerpt(self) -> str:
        """A one-line excerpt of the text."""
        return excerpt(self.post.base_text)


def _visible_posts(membership: Membership, client_ids: list[int]):
    query = (
        select(Post)
        .where(Post.agency_id == membership.agency_id, Post.client_id.in_(client_ids))
        .options(selectinload(Post.targets))
    )
    if is_client_role(membership.role):
        query = query.where(Post.status.in_(CLIENT_VISIBLE_STATUSES))
    return query


def entries(
    *,
    session: Session,
    membership: Membership,
    start: datetime | None = None,
    end: datetime | None = None,
    filters: Filters = Filters(),
    unscheduled: bool = False,
    limit: int = MAX_ENTRIES,
    timezone: str | None = None,
) -> list[Entry]:
    """Posts in [start, end) (or undated) across the clients this member may see, in each client's zone.

    `timezone` shows every post in one zone instead (the agency-wide calendar has one grid for all).
    """
    ids = visible_client_ids(session=session, membership=membership)
    if filters.client_id is not None:
        if filters.client_id not in ids:
            raise NotFound(N_("Client not found."))
        ids = [filters.client_id]
    if not ids:
        return []
    query = _visible_posts(membership, ids)
    if unscheduled:
        query = query.where(Post.scheduled_at.is_(None))
    else:
        query = query.where(Post.scheduled_at.is_not(None))
        if start is not None:
            query = query.where(Post.scheduled_at >= start)
        if end is not None:
            query = query.where(Post.scheduled_at < end)
    if filters.network:
        query = query.where(Post.targets.any(PostTarget.network == filters.network))
    if filters.pillar:
        query = query.where(Post.pillar == filters.pillar)
    if filters.status:
        query = query.where(Post.status == filters.status)
    posts = session.scalars(query.order_by(Post.scheduled_at, Post.id).limit(limit)).all()
    clients = {
        c.id: c for c in session.scalars(select(Client).where(Client.id.in_({p.client_id for p in posts})))
    }
    result = []
    for post in posts:
        client = clients[post.client_id]
        zone = timezone or client.timezone
        local = local_time.to_local(post.scheduled_at, zone) if post.scheduled_at else None
        networks = tuple(dict.fromkeys(t.network for t in post.targets))
        result.append(Entry(post=post, client=client, local=local, networks=networks))
    return result


def by_day(items: list[Entry]) -> dict[date, list[Entry]]:
    """Entries grouped by their local date, each day in time order."""
    grouped: dict[date, list[Entry]] = {}
    for item in items:
        if item.day is not None:
            grouped.setdefault(item.day, []).append(item)
    return grouped


@dataclass(frozen=True)
class ChannelWeek:
    """Planned against actual posts on one network in one local week (Monday to Sunday)."""

    network: str
    week_start: date
    planned: float
    actual: int

    @property
    def gap(self) -> bool:
        """True when fewer posts are planned than the plan's frequency asks for."""
        return self.actual < self.planned

    @property
    def missing(self) -> float:
        """How many posts are missing to reach the plan's frequency."""
        return max(self.planned - self.actual, 0)


@dataclass(frozen=True)
class PillarShare:
    """A pillar's share of the period's posts against the plan's target share (percentages)."""

    key: str
    name: str
    target_share: float
    count: int
    share: float

    @property
    def delta(self) -> float:
        """Percentage points above (positive) or below the target."""
        return self.share - self.target_share


@dataclass(frozen=True)
class Summary:
    """The side panel: frequency per channel and week, gaps, and the content mix."""

    weeks: list[date]
    channels: dict[str, list[ChannelWeek]]
    mix: list[PillarShare]
    total: int
    has_plan: bool
    this_week: date

    @property
    def gaps(self) -> list[ChannelWeek]:
        """Every channel-week from this week on planned below the plan's frequency (the past is history)."""
        return [cw for weeks in self.channels.values() for cw in weeks if cw.gap and self.open(cw)]

    def open(self, week: ChannelWeek) -> bool:
        """True for this week and later ones: a gap there can still be filled."""
        return week.week_start >= self.this_week


def period_summary(
    *, session: Session, client: Client, membership: Membership, start: date, end: date
) -> Summary:
    """Gaps per plan channel and whole local week in [start, end), and the mix by pillar in [start, end)."""
    plan = plans.current_plan(session=session, agency_id=client.agency_id, client_id=client.id)
    data = plan.data if plan else {}
    weeks = [_monday(start) + timedelta(days=7 * n) for n in range(((end - _monday(start)).days + 6) // 7)]
    first, last = utc_bounds(weeks[0], weeks[-1] + timedelta(days=7), client.timezone)
    items = entries(
        session=session,
        membership=membership,
        start=first,
        end=last,
        filters=Filters(client_id=client.id),
    )
    per_week: Counter[tuple[str, date]] = Counter()
    for item in items:
        for network in item.networks:
            per_week[(network, _monday(item.day))] += 1
    channels = {
        c["network"]: [
            ChannelWeek(
                c["network"], week, float(c.get("posts_per_week") or 0), per_week[(c["network"], week)]
            )
            for week in weeks
        ]
        for c in data.get("channels", [])
    }
    in_period = [i for i in items if start <= i.day < end]
    counts = Counter(i.post.pillar or "" for i in in_period)
    total = len(in_period)
    pillars = list(data.get("pillars", []))
    known = {p["key"] for p in pillars}
    pillars += [{"key": k, "name": k, "target_share": 0} for k in sorted(counts) if k and k not in known]
    if counts.get(""):
        pillars.append({"key": "", "name": "", "target_share": 0})

    def share(n: int) -> float:
        return round(100 * n / total, 1) if total else 0.0

    mix = [
        PillarShare(p["key"], p["name"], float(p["target_share"]), counts[p["key"]], share(counts[p["key"]]))
        for p in pillars
    ]
    this_week = _monday(utcnow().astimezone(ZoneInfo(client.timezone)).date())
    return Summary(
        weeks=weeks, channels=channels, mix=mix, total=total, has_plan=plan is not None, this_week=this_week
    )


@dataclass(frozen=True)
class CalendarPage:
    """Everything one calendar page shows, in one time zone."""

    period: Period
    timezone: str
    today: date
    days: dict[date, list[Entry]]
    unscheduled: list[Entry]
    dst: dict[date, str]
    summary: Summary | None
    pillars: list[dict[str, Any]]


def parse_day(value: str | None, timezone: str) -> date:
    """A day from 'YYYY-MM-DD', or today in the zone."""
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return local_time.to_local(utcnow(), timezone).date()


def page_timezone(*, session: Session, membership: Membership, filters: Filters) -> str:
    """The agency-wide grid's zone: the chosen client's, else the one most visible clients share."""
    ids = visible_client_ids(session=session, membership=membership)
    if filters.client_id in ids:
        ids = [filters.client_id]
    zones = Counter(session.scalars(select(Client.timezone).where(Client.id.in_(ids))))
    return zones.most_common(1)[0][0] if zones else DEFAULT_TIMEZONE


def calendar_page(
    *,
    session: Session,
    membership: Membership,
    view: str,
    day: date,
    filters: Filters,
    timezone: str,
    client: Client | None = None,
) -> CalendarPage:
    """A client's calendar page (with the plan panel), or the agency-wide one when no client is given."""
    period = period_for(view, day)
    if client is not None:
        filters = Filters(client.id, filters.network, filters.pillar, filters.status)
    start, end = utc_bounds(period.start, period.end, timezone)
    common = {"session": session, "membership": membership, "filters": filters, "timezone": timezone}
    summary, pillars = None, []
    if client is not None:
        summary = period_summary(
            session=session,
            client=client,
            membership=membership,
            start=period.focus_start,
            end=period.focus_end,
        )
        plan = plans.current_plan(session=session, agency_id=client.agency_id, client_id=client.id)
        pillars = list(plan.data.get("pillars", [])) if plan else []
    return CalendarPage(
        period=period,
        timezone=timezone,
        today=local_time.to_local(utcnow(), timezone).date(),
        days=by_day(entries(start=start, end=end, **common)),
        unscheduled=entries(unscheduled=True, limit=200, **common),
        dst={d: change for d in period.days if (change := dst_change(d, timezone))},
        summary=summary,
        pillars=pillars,
    )
