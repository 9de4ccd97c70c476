"""Clicks are counted per post and account and per local day; bots and previews redirect but do not count."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from tenants.db import make_session_factory
from tenants.models import LinkClick, LinkDailyStat, TrackedLink
from tenants.tracking import clicks
from tests.tenants.tracking.conftest import CHROME, SECRET, click, link_for, make_shop


def _rows(session, client_id):
    session.expire_all()
    return {
        (r.day, r.post_id, r.account_id): (r.clicks, r.unique_clicks, r.filtered)
        for r in session.scalars(select(LinkDailyStat).where(LinkDailyStat.client_id == client_id))
    }


def test_clicks_count_per_post_and_account(session, shop):
    on_x, on_mastodon = link_for(session, shop.targets["x"]), link_for(session, shop.targets["mastodon"])
    noon = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
    for n in range(3):
        click(session, on_x, ip=f"198.51.100.{n}", at=noon)
    click(session, on_mastodon, at=noon)
    post, day = shop.post.id, date(2026, 5, 4)
    assert _rows(session, shop.client.id) == {
        (day, post, shop.accounts["x"].id): (3, 3, 0),
        (day, post, shop.accounts["mastodon"].id): (1, 1, 0),
    }


def test_the_same_visitor_twice_is_two_clicks_one_unique_and_unique_again_the_next_day(session, shop):
    link = link_for(session, shop.targets["x"])
    click(session, link, at=datetime(2026, 5, 4, 10, 0, tzinfo=UTC))
    click(session, link, at=datetime(2026, 5, 4, 18, 0, tzinfo=UTC))
    click(session, link, ip="192.0.2.99", at=datetime(2026, 5, 4, 18, 5, tzinfo=UTC))
    click(session, link, at=datetime(2026, 5, 5, 9, 0, tzinfo=UTC))
    account = shop.accounts["x"].id
    assert _rows(session, shop.client.id) == {
        (date(2026, 5, 4), shop.post.id, account): (3, 2, 0),
        (date(2026, 5, 5), shop.post.id, account): (1, 1, 0),
    }


def test_days_are_the_clients_local_days(session):
    shop = make_shop(session, timezone="America/New_York")
    link = link_for(session, shop.targets["x"])
    click(session, link, at=datetime(2026, 5, 5, 2, 30, tzinfo=UTC))  # 22:30 on the 4th in New York
    (key,) = _rows(session, shop.client.id)
    assert key[0] == date(2026, 5, 4)
    rome = make_shop(session)
    rome_link = link_for(session, rome.targets["x"])
    click(session, rome_link, at=datetime(2026, 5, 4, 22, 30, tzinfo=UTC))  # 00:30 on the 5th in Rome
    (rome_key,) = _rows(session, rome.client.id)
    assert rome_key[0] == date(2026, 5, 5)


def test_bots_previews_head_and_prefetch_redirect_but_count_only_as_filtered(session, shop):
    link = link_for(session, shop.targets["x"])
    noon = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
    filtered = [
        click(session, link, agent="facebookexternalhit/1.1", at=noon),
        click(session, link, agent="Twitterbot/1.0", at=noon),
        click(session, link, agent=None, at=noon),
        click(session, link, method="HEAD", at=noon),
        click(session, link, headers={"Sec-Purpose": "prefetch"}, at=noon),
    ]
    person = click(session, link, at=noon)
    assert [r.counted for r in filtered] == [False] * 5 and person.counted
    for result in [*filtered, person]:
        assert result.redirect_to.startswith("https://shop.example/menu?cz_click=")
    assert _rows(session, shop.client.id) == {
        (date(2026, 5, 4), shop.post.id, shop.accounts["x"].id): (1, 1, 5)
    }
    reasons = sorted(
        r or "" for r in session.scalars(select(LinkClick.filter_reason).where(LinkClick.is_bot.is_(True)))
    )
    assert reasons == ["empty_ua", "head", "prefetch", "ua:facebookexternalhit", "ua:twitterbot"]


def test_the_redirect_adds_the_click_id_and_keeps_the_destination_as_it_is():
    assert clicks.redirect_url("https://shop.example/p?a=b%20c&utm_source=x#top", "ID1") == (
        "https://shop.example/p?a=b%20c&utm_source=x&cz_click=ID1#top"
    )
    assert clicks.redirect_url("https://shop.example/", "ID1") == "https://shop.example/?cz_click=ID1"
    assert clicks.redirect_url("https://shop.example/?cz_click=forged&x=1", "ID2") == (
        "https://shop.example/?x=1&cz_click=ID2"
    )


def test_each_hit_has_its_own_click_id_and_no_address_is_stored(session, shop):
    link = link_for(session, shop.targets["x"])
    first, second = click(session, link, ip="203.0.113.7"), click(session, link, ip="203.0.113.7")
    ids = [parse_qs(urlsplit(r.redirect_to).query)["cz_click"][0] for r in (first, second)]
    assert ids[0] != ids[1] and len(ids[0]) >= 20
    rows = session.scalars(select(LinkClick)).all()
    assert {row.click_id for row in rows} == set(ids)
    for row in rows:
        stored = " ".join(str(getattr(row, column.key)) for column in LinkClick.__table__.columns)
        assert "203.0.113.7" not in stored
    assert rows[0].visitor_hash == rows[1].visitor_hash
    # Another secret, client or day gives another hash: nothing links a visitor across them.
    other = clicks.visitor_hash(
        secret="another", client_id=link.client_id, day=rows[0].day, ip="203.0.113.7", user_agent=None
    )
    assert other != rows[0].visitor_hash


def test_a_link_of_another_client_cannot_be_recorded_for_this_one(session, shop):
    link = link_for(session, shop.targets["x"])
    other = make_shop(session)
    with pytest.raises(ValueError):
        clicks.record_click(
            session=session,
            agency_id=other.client.agency_id,
            client_id=other.client.id,
            link=link,
            timezone="Europe/Rome",
            hit=clicks.Hit(user_agent="x"),
            secret="s",
        )


def test_the_same_visitor_clicking_twice_at_once_is_one_unique_visitor(session, shop, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    link = link_for(session, shop.targets["x"])
    factory = make_session_factory(engine)

    def hit(own) -> None:
        clicks.record_click(
            session=own,
            agency_id=link.agency_id,
            client_id=link.client_id,
            link=own.get(TrackedLink, link.id),
            timezone="Europe/Rome",
            hit=clicks.Hit(user_agent=CHROME, ip="203.0.113.7"),
            secret=SECRET,
        )

    with factory() as first, factory() as second:
        hit(first)  # not committed yet when the second click looks for the visitor
        errors: list[BaseException] = []

        def later() -> None:
            try:
                hit(second)
                second.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        thread = threading.Thread(target=later)
        thread.start()
        time.sleep(0.5)
        first.commit()
        thread.join(timeout=10)
    assert not errors, errors
    (row,) = _rows(session, shop.client.id).values()
    assert row == (2, 1, 0)
