"""Roll one client's readings of one local day up into post, account and client day rows.

A post's counters are cumulative: its day row keeps the last reading of the day and the gain over the
post's previous day row (days are rolled up in order; readings never land in a past day). Followers
carry over from the previous day when an account was not read that day. Re-running a day replaces its
rows, so a rollup is idempotent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from tenants.metrics.vocabulary import ACCOUNT_GAUGES, ENGAGEMENTS, post_counters, reports, vocabulary_name
from tenants.models import (
    AccountMetricDay,
    Client,
    ClientMetricDay,
    MetricReading,
    PostMetricDay,
    PostTarget,
    SocialAccount,
)
from tenants.services.local_time import day_bounds, to_local

ROLLUP_LOCK_NAMESPACE = 7301  # PostgreSQL advisory locks (namespace, client id) of the metrics rollup


@dataclass(frozen=True)
class RollupResult:
    """How many rows one client's day produced."""

    posts: int
    accounts: int


def rollup_day(*, session: Session, agency_id: int, client_id: int, day: date) -> RollupResult:
    """Recompute the client's post, account and client rows of `day` (the client's local date)."""
    _lock_client(session, client_id)
    client = session.scalars(
        select(Client).where(Client.agency_id == agency_id, Client.id == client_id)
    ).one()
    start, end = day_bounds(day, client.timezone)
    accounts = {
        a.id: a
        for a in session.scalars(
            select(SocialAccount).where(
                SocialAccount.agency_id == agency_id, SocialAccount.client_id == client_id
            )
        )
    }
    last = _last_readings(session, client_id, start, end)
    post_rows = _post_rows(session, agency_id, client_id, day, accounts, last)
    account_rows = _account_rows(session, agency_id, client_id, day, start, end, accounts, last, post_rows)
    client_row = _client_row(agency_id, client_id, day, accounts, account_rows)
    for model in (PostMetricDay, AccountMetricDay, ClientMetricDay):
        session.execute(delete(model).where(model.client_id == client_id, model.day == day))
    if post_rows:
        session.execute(insert(PostMetricDay.__table__), post_rows)
    if account_rows:
        session.execute(insert(AccountMetricDay.__table__), account_rows)
    if client_row is not None:
        session.execute(insert(ClientMetricDay.__table__), [client_row])
    return RollupResult(posts=len(post_rows), accounts=len(account_rows))


def _lock_client(session: Session, client_id: int) -> None:
    """One rollup of a client at a time, until the transaction ends: reads of two of its accounts that
    finish together would each delete and re-insert the same day rows, and the second insert would fail
    on the unique key. (SQLite has one writer at a time anyway.)"""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :client)"),
            {"namespace": ROLLUP_LOCK_NAMESPACE, "client": client_id},
        )


def missing_yesterdays(*, session: Session, now: datetime) -> list[tuple[int, int, date]]:
    """(agency, client, local yesterday) of live clients with no client row for their yesterday."""
    missing = []
    clients = session.execute(
        select(Client.agency_id, Client.id, Client.timezone).where(
            Client.archived_at.is_(None), Client.deleted_at.is_(None)
        )
    ).all()
    done = {
        (client_id, day)
        for client_id, day in session.execute(
            select(ClientMetricDay.client_id, ClientMetricDay.day).where(
                ClientMetricDay.day >= (now - timedelta(days=2)).date()
            )
        )
    }
    for agency_id, client_id, timezone in clients:
        yesterday = to_local(now, timezone).date() - timedelta(days=1)
        if (client_id, yesterday) not in done:
            missing.append((agency_id, client_id, yesterday))
    return missing


def _last_readings(session: Session, client_id: int, start, end) -> dict[tuple[int, str | None], dict]:
    """(account, post remote id or None) -> {raw name: the day's last value}."""
    ranked = (
        select(
            MetricReading.account_id,
            MetricReading.post_remote_id,
            MetricReading.name,
            MetricReading.value,
            func.row_number()
            .over(
                partition_by=(MetricReading.account_id, MetricReading.post_remote_id, MetricReading.name),
                order_by=(MetricReading.read_at.desc(), MetricReading.id.desc()),
            )
            .label("rank"),
        )
        .where(
            MetricReading.client_id == client_id,
            MetricReading.read_at >= start,
            MetricReading.read_at < end,
        )
        .subquery()
    )
    found: dict[tuple[int, str | None], dict] = defaultdict(dict)
    for account_id, post_remote_id, name, value in session.execute(
        select(ranked.c.account_id, ranked.c.post_remote_id, ranked.c.name, ranked.c.value).where(
            ranked.c.rank == 1
        )
    ):
        found[(account_id, post_remote_id)][name] = value
    return found


def _post_rows(session, agency_id, client_id, day, accounts, last) -> list[dict]:
    remote_ids = {remote for (_account, remote) in last if remote is not None}
    if not remote_ids:
        return []
    targets = {
        (t.account_id, t.remote_id): t
        for t in session.scalars(
            select(PostTarget).where(
                PostTarget.agency_id == agency_id,
                PostTarget.client_id == client_id,
                PostTarget.remote_id.in_(remote_ids),
            )
        )
    }
    previous = _previous_post_rows(session, client_id, day, [t.id for t in targets.values()])
    rows = []
    for (account_id, remote_id), raw in last.items():
        target = targets.get((account_id, remote_id))
        account = accounts.get(account_id)
        if remote_id is None or target is None or account is None:
            continue  # an account's own reading, or a post Cadenza did not publish
        totals = _normalised(account.network, raw)
        before = previous.get(target.id, {})
        row = {
            "agency_id": agency_id,
            "client_id": client_id,
            "account_id": account_id,
            "post_id": target.post_id,
            "target_id": target.id,
            "day": day,
        }
        for counter in post_counters():
            value = totals.get(counter) if reports(account.network, counter) else None
            row[counter] = value
            row[f"{counter}_gain"] = None if value is None else value - (before.get(counter) or 0)
        rows.append(row)
    return rows


def _normalised(network: str, raw: dict[str, int]) -> dict[str, int]:
    """Raw names in the vocabulary (Bluesky's quotes count as shares, Meta's views as impressions)."""
    totals: dict[str, int] = {}
    for name, value in raw.items():
        counter = vocabulary_name(network, name)
        if counter is not None:
            totals[counter] = totals.get(counter, 0) + value
    return totals


def _previous_post_rows(session, client_id, day, target_ids) -> dict[int, dict]:
    """Each target's latest day row before `day`: the totals its gains are measured from."""
    if not target_ids:
        return {}
    ranked = (
        select(
            PostMetricDay,
            func.row_number()
            .over(partition_by=PostMetricDay.target_id, order_by=PostMetricDay.day.desc())
            .label("rank"),
        )
        .where(
            PostMetricDay.client_id == client_id,
            PostMetricDay.target_id.in_(target_ids),
            PostMetricDay.day < day,
        )
        .subquery()
    )
    counters = post_counters()
    columns = [ranked.c.target_id, *(ranked.c[c] for c in counters)]
    return {
        row[0]: dict(zip(counters, row[1:], strict=True))
        for row in session.execute(select(*columns).where(ranked.c.rank == 1))
    }


def _account_rows(session, agency_id, client_id, day, start, end, accounts, last, post_rows) -> list[dict]:
    followers_before = _previous_followers(session, client_id, day)
    # An account's first day: its growth is measured from the day's first reading instead.
    first_of_day = _first_followers(session, client_id, start, end)
    published = dict(
        session.execute(
            select(PostTarget.account_id, func.count(PostTarget.id))
            .where(
                PostTarget.agency_id == agency_id,
                PostTarget.client_id == client_id,
                PostTarget.published_at >= start,
                PostTarget.published_at < end,
            )
            .group_by(PostTarget.account_id)
        ).all()
    )
    gains: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in post_rows:
        for counter in post_counters():
            if row[f"{counter}_gain"] is not None:
                gains[row["account_id"]][counter] += row[f"{counter}_gain"]
    rows = []
    for account_id, account in accounts.items():
        read = last.get((account_id, None), {})
        followers = read.get(ACCOUNT_GAUGES[0])
        before = followers_before.get(account_id, first_of_day.get(account_id))
        if followers is None and before is None and not published.get(account_id) and account_id not in gains:
            continue  # never read and nothing happened: no row
        row = {
            "agency_id": agency_id,
            "client_id": client_id,
            "account_id": account_id,
            "network": account.network,
            "day": day,
            "followers": followers if followers is not None else before,
            "followers_gain": _followers_gain(followers, before),
            "posts_published": published.get(account_id, 0),
        }
        for counter in post_counters():
            available = reports(account.network, counter)
            row[f"{counter}_gain"] = gains[account_id].get(counter, 0) if available else None
        rows.append(row)
    return rows


def _first_followers(session, client_id, start, end) -> dict[int, int]:
    """Each account's first followers reading in [start, end)."""
    ranked = (
        select(
            MetricReading.account_id,
            MetricReading.value,
            func.row_number()
            .over(partition_by=MetricReading.account_id, order_by=(MetricReading.read_at, MetricReading.id))
            .label("rank"),
        )
        .where(
            MetricReading.client_id == client_id,
            MetricReading.post_remote_id.is_(None),
            MetricReading.name == ACCOUNT_GAUGES[0],
            MetricReading.read_at >= start,
            MetricReading.read_at < end,
        )
        .subquery()
    )
    return dict(session.execute(select(ranked.c.account_id, ranked.c.value).where(ranked.c.rank == 1)).all())


def _followers_gain(today: int | None, before: int | None) -> int | None:
    """Today's gain; 0 for a day the account was not read (carried over); None when never read."""
    if before is None:
        return None
    return 0 if today is None else today - before


def _previous_followers(session, client_id, day) -> dict[int, int]:
    """Each account's followers on its latest day row before `day`."""
    ranked = (
        select(
            AccountMetricDay.account_id,
            AccountMetricDay.followers,
            func.row_number()
            .over(partition_by=AccountMetricDay.account_id, order_by=AccountMetricDay.day.desc())
            .label("rank"),
        )
        .where(
            AccountMetricDay.client_id == client_id,
            AccountMetricDay.day < day,
            AccountMetricDay.followers.is_not(None),
        )
        .subquery()
    )
    latest = select(ranked.c.account_id, ranked.c.followers).where(ranked.c.rank == 1)
    return dict(session.execute(latest).all())


def _client_row(agency_id, client_id, day, accounts, account_rows) -> dict | None:
    if not account_rows:
        return None

    def total(key: str, rows: list[dict]) -> int | None:
        values = [r[key] for r in rows if r[key] is not None]
        return sum(values) if values else None

    rated = [r for r in account_rows if reports(accounts[r["account_id"]].network, "impressions")]
    row = {
        "agency_id": agency_id,
        "client_id": client_id,
        "day": day,
        "followers": total("followers", account_rows),
        "followers_gain": total("followers_gain", account_rows),
        "posts_published": sum(r["posts_published"] for r in account_rows),
        "rated_engagements_gain": (
            sum(r[f"{e}_gain"] or 0 for r in rated for e in ENGAGEMENTS) if rated else None
        ),
    }
    for counter in post_counters():
        row[f"{counter}_gain"] = total(f"{counter}_gain", account_rows)
    return row
