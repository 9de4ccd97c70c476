"""The daily rollup (link_daily_stats): bumped with an UPSERT as clicks and conversions arrive, so the KPI
queries read one row per client, post, account and local day and never scan the raw clicks."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tenants.models import Conversion, LinkClick, LinkDailyStat, TrackingSettings
from tenants.models.tracking import UNATTRIBUTED

COUNTERS = ("clicks", "unique_clicks", "filtered", "conversions", "conversion_value_minor")
_KEY = ["client_id", "day", "post_id", "account_id"]
COUNTS_LOCK_NAMESPACE = 7303  # PostgreSQL advisory locks (namespace, client id) of the link rollup


def hold_counts(session: Session, client_id: int, *, exclusive: bool = False) -> None:
    """Take the client's rollup lock until the transaction ends: shared to count, exclusive to rebuild."""
    # A rebuild reads the raw rows, then deletes and rewrites the day rows: a click or conversion counted
    # meanwhile (not yet committed when it read) would be lost. Counting holds the lock from before it
    # reads anything the count depends on (the reporting currency) until its commit. SQLite has one writer.
    if session.get_bind().dialect.name == "postgresql":
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        session.execute(
            text(f"SELECT {function}(:namespace, :client)"),
            {"namespace": COUNTS_LOCK_NAMESPACE, "client": client_id},
        )


def local_day(at: datetime, timezone: str) -> date:
    """The calendar day of an instant in the client's time zone."""
    return at.astimezone(ZoneInfo(timezone)).date()


def bump(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    day: date,
    post_id: int | None,
    account_id: int | None,
    **counts: int,
) -> None:
    """Add the counts to the day's row of the post on the account (created at the first count)."""
    unknown = set(counts) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown counters: {sorted(unknown)}")
    values = {name: int(counts.get(name, 0)) for name in COUNTERS}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = LinkDailyStat.__table__
    statement = dialect.insert(table).values(
        agency_id=agency_id,
        client_id=client_id,
        day=day,
        post_id=post_id or UNATTRIBUTED,
        account_id=account_id or UNATTRIBUTED,
        **values,
    )
    # Concurrent clicks on the same post add up in the database, never overwrite each other.
    changes = {name: table.c[name] + statement.excluded[name] for name, value in values.items() if value}
    session.execute(statement.on_conflict_do_update(index_elements=_KEY, set_=changes))


def rebuild_daily_stats(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    start: date | None = None,
    end: date | None = None,
) -> int:
    """Recount the client's rollup from its raw rows (all days, or start..end); how many rows it wrote."""
    # For repairs, and for a change of reporting currency.
    hold_counts(session, client_id, exclusive=True)

    def in_range(column) -> list:
        return [
            *([column >= start] if start is not None else []),
            *([column <= end] if end is not None else []),
        ]

    currency = session.scalar(
        select(TrackingSettings.currency).where(
            TrackingSettings.agency_id == agency_id, TrackingSettings.client_id == client_id
        )
    )
    rows: dict[tuple[date, int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    human = LinkClick.is_bot.is_(False)
    clicks = session.execute(
        select(
            LinkClick.day,
            LinkClick.post_id,
            LinkClick.account_id,
            func.count().filter(human),
            func.count(func.distinct(LinkClick.visitor_hash)).filter(human),
            func.count().filter(LinkClick.is_bot.is_(True)),
        )
        .where(LinkClick.agency_id == agency_id, LinkClick.client_id == client_id, *in_range(LinkClick.day))
        .group_by(LinkClick.day, LinkClick.post_id, LinkClick.account_id)
    )
    for day, post_id, account_id, count, unique, filtered in clicks:
        row = rows[(day, post_id, account_id)]
        row["clicks"], row["unique_clicks"], row["filtered"] = count, unique, filtered
    in_currency = Conversion.currency == currency if currency else Conversion.currency.is_(None)
    # Inline, not bound: PostgreSQL must see the same expression in the select and the GROUP BY.
    none = literal_column(str(UNATTRIBUTED))
    post, account = func.coalesce(Conversion.post_id, none), func.coalesce(Conversion.account_id, none)
    conversions = session.execute(
        select(
            Conversion.day,
            post,
            account,
            func.count(),
            func.coalesce(func.sum(Conversion.value_minor).filter(in_currency), 0),
        )
        .where(
            Conversion.agency_id == agency_id, Conversion.client_id == client_id, *in_range(Conversion.day)
        )
        .group_by(Conversion.day, post, account)
    )
    for day, post_id, account_id, count, value in conversions:
        row = rows[(day, post_id, account_id)]
        row["conversions"], row["conversion_value_minor"] = count, int(value or 0)
    session.execute(
        delete(LinkDailyStat).where(
            LinkDailyStat.agency_id == agency_id,
            LinkDailyStat.client_id == client_id,
            *in_range(LinkDailyStat.day),
        )
    )
    if rows:
        session.execute(
            LinkDailyStat.__table__.insert(),
            [
                {
                    "agency_id": agency_id,
                    "client_id": client_id,
                    "day": day,
                    "post_id": post_id,
                    "account_id": account_id,
                    **counts,
                }
                for (day, post_id, account_id), counts in rows.items()
            ],
        )
    return len(rows)
