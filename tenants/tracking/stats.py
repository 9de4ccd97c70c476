"""What the KPIs read: a client's clicks and conversions per day, post and account, from the daily rollup.

Days are the client's local days, both ends of a range included. Post and account are None for
conversions that no click explains. Values are in the client's reporting currency (`currency`).
CTR is clicks / impressions: the impressions come from the networks' metrics, not from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.errors import N_, Invalid
from tenants.models import LinkDailyStat, SocialAccount, TrackedLink, TrackingSettings
from tenants.models.tracking import UNATTRIBUTED
from tenants.tracking.money import from_minor

DEFAULT_CURRENCY = "EUR"


@dataclass(frozen=True)
class LinkTotals:
    """Counts over some days: clicks by people, unique visitors per day, filtered hits, conversions."""

    clicks: int = 0
    unique_clicks: int = 0
    filtered: int = 0
    conversions: int = 0
    conversion_value: Decimal = Decimal(0)
    currency: str = DEFAULT_CURRENCY

    @property
    def conversion_rate(self) -> float | None:
        """Conversions per click (None without clicks: not a zero)."""
        return self.conversions / self.clicks if self.clicks else None


@dataclass(frozen=True)
class LinkDayStat(LinkTotals):
    """One local day of one post on one account (post and account None: unattributed conversions)."""

    day: date = date.min
    post_id: int | None = None
    account_id: int | None = None


@dataclass(frozen=True)
class LinkDayTotals(LinkTotals):
    """One local day of the whole client."""

    day: date = date.min


def reporting_currency(*, session: Session, agency_id: int, client_id: int) -> str:
    """The currency the client's conversion values are summed in."""
    currency = session.scalar(
        select(TrackingSettings.currency).where(
            TrackingSettings.agency_id == agency_id, TrackingSettings.client_id == client_id
        )
    )
    return currency or DEFAULT_CURRENCY


def _check_range(start: date, end: date) -> None:
    if start > end:
        raise Invalid(N_("The start of the period must not be after its end."), field="start")


def _none_if_unattributed(value: int) -> int | None:
    return None if value == UNATTRIBUTED else value


def daily_link_stats(
    *, session: Session, agency_id: int, client_id: int, start: date, end: date
) -> list[LinkDayStat]:
    """Rows per day, post and account with any click, filtered hit or conversion, by day then post."""
    _check_range(start, end)
    currency = reporting_currency(session=session, agency_id=agency_id, client_id=client_id)
    query = (
        select(LinkDailyStat)
        .where(*_in_range(agency_id, client_id, start, end))
        .order_by(LinkDailyStat.day, LinkDailyStat.post_id, LinkDailyStat.account_id)
    )
    return [
        LinkDayStat(
            day=row.day,
            post_id=_none_if_unattributed(row.post_id),
            account_id=_none_if_unattributed(row.account_id),
            clicks=row.clicks,
            unique_clicks=row.unique_clicks,
            filtered=row.filtered,
            conversions=row.conversions,
            conversion_value=from_minor(row.conversion_value_minor, currency),
            currency=currency,
        )
        for row in session.scalars(query)
    ]


def _sums():
    return (
        func.coalesce(func.sum(LinkDailyStat.clicks), 0),
        func.coalesce(func.sum(LinkDailyStat.unique_clicks), 0),
        func.coalesce(func.sum(LinkDailyStat.filtered), 0),
        func.coalesce(func.sum(LinkDailyStat.conversions), 0),
        func.coalesce(func.sum(LinkDailyStat.conversion_value_minor), 0),
    )


def _in_range(agency_id: int, client_id: int, start: date, end: date) -> tuple:
    return (
        LinkDailyStat.agency_id == agency_id,
        LinkDailyStat.client_id == client_id,
        LinkDailyStat.day >= start,
        LinkDailyStat.day <= end,
    )


def _totals(row, currency: str, **extra) -> dict:
    clicks, unique, filtered, conversions, value = row
    return {
        "clicks": int(clicks),
        "unique_clicks": int(unique),
        "filtered": int(filtered),
        "conversions": int(conversions),
        "conversion_value": from_minor(int(value), currency),
        "currency": currency,
        **extra,
    }


def daily_totals(
    *, session: Session, agency_id: int, client_id: int, start: date, end: date
) -> list[LinkDayTotals]:
    """The client's totals for every day from start to end (days without data are zeros), oldest first."""
    _check_range(start, end)
    currency = reporting_currency(session=session, agency_id=agency_id, client_id=client_id)
    found = {
        row[0]: row[1:]
        for row in session.execute(
            select(LinkDailyStat.day, *_sums())
            .where(*_in_range(agency_id, client_id, start, end))
            .group_by(LinkDailyStat.day)
        )
    }
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [LinkDayTotals(**_totals(found.get(day, (0, 0, 0, 0, 0)), currency, day=day)) for day in days]


def client_totals(*, session: Session, agency_id: int, client_id: int, start: date, end: date) -> LinkTotals:
    """The client's totals over the period."""
    _check_range(start, end)
    currency = reporting_currency(session=session, agency_id=agency_id, client_id=client_id)
    row = session.execute(select(*_sums()).where(*_in_range(agency_id, client_id, start, end))).one()
    return LinkTotals(**_totals(row, currency))


def totals_by_post(
    *, session: Session, agency_id: int, client_id: int, start: date, end: date
) -> dict[int | None, LinkTotals]:
    """Totals per post over the period (None: unattributed conversions)."""
    return _totals_by(LinkDailyStat.post_id, session, agency_id, client_id, start, end)


def totals_by_account(
    *, session: Session, agency_id: int, client_id: int, start: date, end: date
) -> dict[int | None, LinkTotals]:
    """Totals per social account over the period (None: unattributed conversions)."""
    return _totals_by(LinkDailyStat.account_id, session, agency_id, client_id, start, end)


def clicks_by_account(
    *, session: Session, agency_id: int, client_id: int, start: date, end: date
) -> dict[int | None, tuple[int, int]]:
    """(clicks by people, conversions) per social account over the period (None: unattributed conversions).

    What the KPIs need and no more, so that a year of a busy client is read from the covering index alone.
    """
    _check_range(start, end)
    rows = session.execute(
        select(
            LinkDailyStat.account_id,
            func.coalesce(func.sum(LinkDailyStat.clicks), 0),
            func.coalesce(func.sum(LinkDailyStat.conversions), 0),
        )
        .where(*_in_range(agency_id, client_id, start, end))
        .group_by(LinkDailyStat.account_id)
    )
    return {_none_if_unattributed(account): (int(clicks), int(sales)) for account, clicks, sales in rows}


def _totals_by(column, session: Session, agency_id: int, client_id: int, start: date, end: date) -> dict:
    _check_range(start, end)
    currency = reporting_currency(session=session, agency_id=agency_id, client_id=client_id)
    rows = session.execute(
        select(column, *_sums()).where(*_in_range(agency_id, client_id, start, end)).group_by(column)
    )
    return {_none_if_unattributed(row[0]): LinkTotals(**_totals(row[1:], currency)) for row in rows}


@dataclass(frozen=True)
class AccountLinks:
    """A post's short links on one account, and what they did since publishing."""

    account_id: int
    network: str
    handle: str
    links: list[tuple[str, str]]  # (code, destination)
    totals: LinkTotals


def post_links(*, session: Session, agency_id: int, client_id: int, post_id: int) -> list[AccountLinks]:
    """The post's short links per account with their all-time totals (empty when it has none)."""
    found = list(
        session.scalars(
            select(TrackedLink)
            .where(
                TrackedLink.agency_id == agency_id,
                TrackedLink.client_id == client_id,
                TrackedLink.post_id == post_id,
            )
            .order_by(TrackedLink.account_id, TrackedLink.id)
        )
    )
    if not found:
        return []
    currency = reporting_currency(session=session, agency_id=agency_id, client_id=client_id)
    sums = {
        row[0]: LinkTotals(**_totals(row[1:], currency))
        for row in session.execute(
            select(LinkDailyStat.account_id, *_sums())
            .where(
                LinkDailyStat.agency_id == agency_id,
                LinkDailyStat.client_id == client_id,
                LinkDailyStat.post_id == post_id,
            )
            .group_by(LinkDailyStat.account_id)
        )
    }
    handles = dict(
        session.execute(
            select(SocialAccount.id, SocialAccount.handle).where(
                SocialAccount.agency_id == agency_id,
                SocialAccount.client_id == client_id,
                SocialAccount.id.in_({link.account_id for link in found}),
            )
        ).all()
    )
    by_account: dict[int, list] = {}
    for link in found:
        by_account.setdefault(link.account_id, []).append(link)
    return [
        AccountLinks(
            account_id=account_id,
            network=links[0].network,
            handle=handles.get(account_id, ""),
            links=[(link.code, link.destination) for link in links],
            totals=sums.get(account_id, LinkTotals(currency=currency)),
        )
        for account_id, links in by_account.items()
    ]
