"""What a client's community said over a range of local days: volume per day and kind, sentiment, networks,
and how fast the team answered (the reports' Community page)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.inbox.response_times import response_time_report
from tenants.metrics.ranges import client_for_range
from tenants.models import InboxItem
from tenants.models.inbox import ITEM_KINDS, SENTIMENTS
from tenants.services.local_time import day_bounds, to_local


@dataclass(frozen=True)
class CommunityDay:
    """One local day: items received by kind and by sentiment."""

    day: date
    kinds: dict[str, int]
    sentiments: dict[str, int]

    @property
    def total(self) -> int:
        """Every item received that day."""
        return sum(self.kinds.values())


@dataclass(frozen=True)
class CommunityReport:
    """The community over [start, end] and the previous range of the same length."""

    start: date
    end: date
    days: list[CommunityDay]
    by_kind: dict[str, int]
    by_sentiment: dict[str, int]
    by_network: dict[str, int]
    previous_by_kind: dict[str, int]
    previous_by_sentiment: dict[str, int]
    response: dict = field(default_factory=dict)
    previous_response: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Items received in the range."""
        return sum(self.by_kind.values())

    @property
    def previous_total(self) -> int:
        """Items received in the previous range."""
        return sum(self.previous_by_kind.values())

    def sentiment_share(self, sentiment: str, *, previous: bool = False) -> float | None:
        """Percentage of the range's items with this sentiment (None without items)."""
        counts = self.previous_by_sentiment if previous else self.by_sentiment
        total = sum(counts.values())
        return 100 * counts.get(sentiment, 0) / total if total else None


def community_report(
    *, session: Session, agency_id: int, client_id: int, start: date, end: date
) -> CommunityReport:
    """Items received in the local days [start, end], answered or not, against the previous range.

    Response times are `response_time_report`'s, in business time under the client's hours.
    """
    client = client_for_range(session=session, agency_id=agency_id, client_id=client_id, start=start, end=end)
    length = (end - start).days + 1
    first, _ = day_bounds(start - timedelta(days=length), client.timezone)
    _, last = day_bounds(end, client.timezone)
    range_first, _ = day_bounds(start, client.timezone)
    rows = session.execute(
        select(InboxItem.created_at, InboxItem.kind, InboxItem.sentiment, InboxItem.network).where(
            InboxItem.agency_id == agency_id,
            InboxItem.client_id == client_id,
            InboxItem.created_at >= first,
            InboxItem.created_at < last,
        )
    ).all()
    kinds: dict[date, Counter[str]] = {}
    sentiments: dict[date, Counter[str]] = {}
    by_network: Counter[str] = Counter()
    previous_kinds: Counter[str] = Counter()
    previous_sentiments: Counter[str] = Counter()
    for created_at, kind, sentiment, network in rows:
        if created_at < range_first:
            previous_kinds[kind] += 1
            previous_sentiments[sentiment] += 1
            continue
        # Bucketed here rather than in SQL: a local day is 23 to 25 hours, which SQLite cannot tell.
        day = to_local(created_at, client.timezone).date()
        kinds.setdefault(day, Counter())[kind] += 1
        sentiments.setdefault(day, Counter())[sentiment] += 1
        by_network[network] += 1
    days = [
        CommunityDay(
            day=day,
            kinds=_counts(kinds.get(day, Counter()), ITEM_KINDS),
            sentiments=_counts(sentiments.get(day, Counter()), SENTIMENTS),
        )
        for day in (start + timedelta(days=n) for n in range(length))
    ]
    total_kinds: Counter[str] = sum(kinds.values(), Counter())
    total_sentiments: Counter[str] = sum(sentiments.values(), Counter())
    return CommunityReport(
        start=start,
        end=end,
        days=days,
        by_kind=_counts(total_kinds, ITEM_KINDS),
        by_sentiment=_counts(total_sentiments, SENTIMENTS),
        by_network=dict(sorted(by_network.items(), key=lambda kv: (-kv[1], kv[0]))),
        previous_by_kind=_counts(previous_kinds, ITEM_KINDS),
        previous_by_sentiment=_counts(previous_sentiments, SENTIMENTS),
        response=response_time_report(
            session=session, agency_id=agency_id, client_id=client_id, start=range_first, end=last
        ),
        previous_response=response_time_report(
            session=session, agency_id=agency_id, client_id=client_id, start=first, end=range_first
        ),
    )


def _counts(counter: Counter[str], known: tuple[str, ...]) -> dict[str, int]:
    """Every known key (zero when absent), then any other key the data holds."""
    return {**dict.fromkeys(known, 0), **counter}
