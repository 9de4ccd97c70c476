"""The daily rollup, bumped as clicks and conversions arrive, always matches the raw rows it summarises."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tenants.db import make_session_factory
from tenants.errors import Invalid
from tenants.models import Conversion, LinkClick, LinkDailyStat, TrackedLink
from tenants.models.tracking import UNATTRIBUTED
from tenants.tracking import clicks, conversions, rollup, stats
from tests.tenants.tracking.conftest import SECRET, click, link_for, make_shop, published_post

START = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # DST starts in Rome the next night
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
AGENTS = [FIREFOX, FIREFOX, FIREFOX, "Twitterbot/1.0", None]

clicks_strategy = st.tuples(
    st.just("click"),
    st.integers(0, 2),  # which link
    st.integers(0, 2),  # which visitor
    st.sampled_from(AGENTS),
    st.sampled_from(["GET", "GET", "GET", "HEAD"]),
    st.integers(0, 3 * 24 * 60),  # minutes after START
)
conversions_strategy = st.tuples(
    st.just("conversion"),
    st.integers(-1, 8),  # which earlier click (-1: none)
    st.integers(0, 6),  # order id (repeats are resends)
    st.sampled_from([None, ("9.99", "EUR"), ("5", "USD"), ("0.5", "EUR")]),
    st.integers(0, 3 * 24 * 60),
)


def _table(session, client_id) -> dict:
    session.expire_all()
    return {
        (r.day, r.post_id, r.account_id): (
            r.clicks,
            r.unique_clicks,
            r.filtered,
            r.conversions,
            r.conversion_value_minor,
        )
        for r in session.scalars(select(LinkDailyStat).where(LinkDailyStat.client_id == client_id))
        if any((r.clicks, r.unique_clicks, r.filtered, r.conversions, r.conversion_value_minor))
    }


def _from_raw(session, client_id) -> dict:
    """The rollup computed here, independently, from the raw clicks and conversions."""
    counts: dict = defaultdict(lambda: [0, set(), 0, 0, 0])
    for c in session.scalars(select(LinkClick).where(LinkClick.client_id == client_id)):
        row = counts[(c.day, c.post_id, c.account_id)]
        if c.is_bot:
            row[2] += 1
        else:
            row[0] += 1
            row[1].add(c.visitor_hash)
    for v in session.scalars(select(Conversion).where(Conversion.client_id == client_id)):
        row = counts[(v.day, v.post_id or UNATTRIBUTED, v.account_id or UNATTRIBUTED)]
        row[3] += 1
        row[4] += v.value_minor if v.currency == "EUR" and v.value_minor else 0
    return {key: (a, len(b), c, d, e) for key, (a, b, c, d, e) in counts.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(clicks_strategy, conversions_strategy), min_size=1, max_size=25))
def test_the_rollup_matches_the_raw_rows_and_a_rebuild(session, events):
    shop = make_shop(session)
    second = published_post(session, shop.client, [shop.accounts["x"]], "https://shop.example/b")
    links = [
        link_for(session, shop.targets["x"]),
        link_for(session, shop.targets["mastodon"]),
        link_for(session, second.targets[0], "https://shop.example/b"),
    ]
    click_ids: list[str] = []
    for event in events:
        if event[0] == "click":
            _kind, which, visitor, agent, method, minutes = event
            result = click(
                session,
                links[which],
                agent=agent,
                ip=f"198.51.100.{visitor}",
                method=method,
                at=START + timedelta(minutes=minutes),
            )
            click_ids.append(parse_qs(urlsplit(result.redirect_to).query)["cz_click"][0])
        else:
            _kind, which, order, money, minutes = event
            report = {"order_id": f"O-{order}"}
            if 0 <= which < len(click_ids):
                report["click_id"] = click_ids[which]
            if money:
                report["value"], report["currency"] = money
            now = START + timedelta(minutes=minutes)
            data = conversions.clean_conversion(report, now=now)
            conversions.record_conversion(session=session, **shop.scope, data=data, now=now)
            session.commit()
    bumped = _table(session, shop.client.id)
    assert bumped == _from_raw(session, shop.client.id)
    rollup.rebuild_daily_stats(session=session, **shop.scope)
    session.commit()
    assert _table(session, shop.client.id) == bumped
    # What the KPI layer reads adds up to the same.
    days = stats.daily_totals(session=session, **shop.scope, start=date(2026, 3, 28), end=date(2026, 4, 1))
    assert sum(d.clicks for d in days) == sum(v[0] for v in bumped.values())
    assert sum(d.conversions for d in days) == sum(v[3] for v in bumped.values())
    assert sum(d.conversion_value for d in days) == Decimal(sum(v[4] for v in bumped.values())) / 100


def test_a_rebuild_of_some_days_leaves_the_others_alone(session, shop):
    link = link_for(session, shop.targets["x"])
    for day in range(3):
        click(session, link, at=START + timedelta(days=day))
    before = _table(session, shop.client.id)
    session.execute(LinkDailyStat.__table__.update().values(clicks=99))
    session.commit()
    middle = date(2026, 3, 29)
    assert rollup.rebuild_daily_stats(session=session, **shop.scope, start=middle, end=middle) == 1
    session.commit()
    after = _table(session, shop.client.id)
    assert (
        after[(middle, shop.post.id, shop.accounts["x"].id)]
        == before[(middle, shop.post.id, shop.accounts["x"].id)]
    )
    assert [v[0] for k, v in sorted(after.items())] == [99, 1, 99]


def test_daily_totals_give_every_day_of_the_range_and_others_see_nothing(session, shop):
    link = link_for(session, shop.targets["x"])
    click(session, link, at=START)
    click(session, link, at=START + timedelta(days=2), ip="192.0.2.1")
    days = stats.daily_totals(session=session, **shop.scope, start=date(2026, 3, 27), end=date(2026, 3, 31))
    assert [(d.day.day, d.clicks) for d in days] == [(27, 0), (28, 1), (29, 0), (30, 1), (31, 0)]
    other = make_shop(session)
    assert (
        stats.daily_link_stats(session=session, **other.scope, start=date(2026, 3, 1), end=date(2026, 4, 30))
        == []
    )
    # The client id alone is not enough: the agency must match too.
    wrong_agency = {"agency_id": other.client.agency_id, "client_id": shop.client.id}
    assert (
        stats.daily_link_stats(session=session, **wrong_agency, start=date(2026, 3, 1), end=date(2026, 4, 30))
        == []
    )
    by_account = stats.totals_by_account(
        session=session, **shop.scope, start=date(2026, 3, 1), end=date(2026, 4, 30)
    )
    assert by_account[shop.accounts["x"].id].clicks == 2
    assert by_account[shop.accounts["x"].id].conversion_rate == 0.0
    with pytest.raises(Invalid):
        stats.daily_totals(session=session, **shop.scope, start=date(2026, 4, 2), end=date(2026, 4, 1))


def test_post_links_give_each_accounts_links_handle_and_all_time_totals(session, shop):
    on_x, on_mastodon = link_for(session, shop.targets["x"]), link_for(session, shop.targets["mastodon"])
    click(session, on_x, at=START)
    click(session, on_x, at=START + timedelta(days=40), ip="192.0.2.1")
    click(session, on_mastodon, agent="Twitterbot/1.0", at=START)
    found = {a.account_id: a for a in stats.post_links(session=session, **shop.scope, post_id=shop.post.id)}
    x, mastodon = shop.accounts["x"], shop.accounts["mastodon"]
    assert (found[x.id].network, found[x.id].handle, found[x.id].links) == (
        "x",
        x.handle,
        [(on_x.code, on_x.destination)],
    )
    assert (found[x.id].totals.clicks, found[mastodon.id].totals.clicks) == (2, 0)
    assert found[mastodon.id].totals.filtered == 1 and found[mastodon.id].handle == mastodon.handle
    other = make_shop(session)
    assert stats.post_links(session=session, **other.scope, post_id=shop.post.id) == []


def test_a_rebuild_while_a_click_is_being_counted_keeps_that_click(session, shop, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    link = link_for(session, shop.targets["x"])
    click(session, link, at=START)
    factory = make_session_factory(engine)
    errors: list[BaseException] = []

    def rebuild(own) -> None:
        try:
            rollup.rebuild_daily_stats(session=own, **shop.scope)
            own.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with factory() as clicking, factory() as rebuilding:
        # A second click, counted but not committed yet when the rebuild starts.
        clicks.record_click(
            session=clicking,
            **shop.scope,
            link=clicking.get(TrackedLink, link.id),
            timezone="Europe/Rome",
            hit=clicks.Hit(user_agent=FIREFOX, ip="192.0.2.1"),
            secret=SECRET,
            now=START + timedelta(minutes=1),
        )
        thread = threading.Thread(target=rebuild, args=(rebuilding,))
        thread.start()
        time.sleep(0.5)
        clicking.commit()
        thread.join(timeout=10)
    assert not errors, errors
    assert _table(session, shop.client.id) == _from_raw(session, shop.client.id)
    assert sum(v[0] for v in _table(session, shop.client.id).values()) == 2
