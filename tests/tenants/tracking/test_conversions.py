"""Conversions are attributed to the click they came from (same client, within the window), and an order
reported twice counts once; the pixel counts only what a real click of its client stands behind."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from tenants.errors import Invalid
from tenants.models import Conversion, LinkDailyStat
from tenants.tracking import config, conversions, stats
from tests.tenants.tracking.conftest import click, link_for, make_shop

CLICKED = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def _click_id(result) -> str:
    return parse_qs(urlsplit(result.redirect_to).query)["cz_click"][0]


def _report(session, shop, now=None, **fields):
    data = conversions.clean_conversion(
        {"order_id": "A-1", **fields}, now=now or CLICKED + timedelta(hours=1)
    )
    return conversions.record_conversion(
        session=session, **shop.scope, data=data, now=now or CLICKED + timedelta(hours=1)
    )


def test_a_conversion_with_a_click_id_counts_for_that_post_and_account(session, shop):
    link = link_for(session, shop.targets["mastodon"])
    result = click(session, link, at=CLICKED)
    conversion, created = _report(
        session, shop, click_id=_click_id(result), event="purchase", value="49.90", currency="eur"
    )
    session.commit()
    assert created and conversion.attributed
    assert (conversion.post_id, conversion.account_id, conversion.link_id) == (
        shop.post.id,
        shop.accounts["mastodon"].id,
        link.id,
    )
    assert (conversion.value_minor, conversion.currency, conversion.event) == (4990, "EUR", "purchase")
    (row,) = stats.daily_link_stats(
        session=session, **shop.scope, start=date(2026, 5, 4), end=date(2026, 5, 4)
    )
    assert (row.post_id, row.account_id, row.clicks, row.conversions) == (
        shop.post.id,
        shop.accounts["mastodon"].id,
        1,
        1,
    )
    assert row.conversion_value == Decimal("49.90") and row.currency == "EUR"
    assert conversions.conversion_as_dict(conversion)["value"] == "49.90"


def test_the_same_order_reported_again_counts_once_whatever_it_says(session, shop):
    first, created = _report(session, shop, value="10.00", currency="EUR")
    session.commit()
    again, created_again = _report(session, shop, value="999.00", currency="EUR", event="other")
    session.commit()
    assert created and not created_again and again.id == first.id
    assert session.scalar(select(func.count(Conversion.id))) == 1
    totals = stats.client_totals(session=session, **shop.scope, start=date(2026, 5, 4), end=date(2026, 5, 4))
    assert (totals.conversions, totals.conversion_value) == (1, Decimal("10.00"))


def test_without_a_usable_click_the_conversion_counts_for_the_client_unattributed(session, shop):
    link = link_for(session, shop.targets["x"])
    result = click(session, link, at=CLICKED)
    other = make_shop(session)
    other_click = click(session, link_for(session, other.targets["x"]), at=CLICKED)
    cases = {
        "no click id": {},
        "unknown click id": {"click_id": "nope"},
        "another client's click": {"click_id": _click_id(other_click)},
    }
    for n, fields in enumerate(cases.values()):
        conversion, created = _report(session, shop, order_id=f"U-{n}", **fields)
        assert created and not conversion.attributed and conversion.post_id is None
    session.commit()
    # The other client's click never gains a conversion from this client's report.
    assert (
        session.scalar(select(func.count(Conversion.id)).where(Conversion.client_id == other.client.id)) == 0
    )
    by_post = stats.totals_by_post(
        session=session, **shop.scope, start=date(2026, 5, 4), end=date(2026, 5, 4)
    )
    assert by_post[None].conversions == 3 and by_post[shop.post.id].conversions == 0
    assert by_post[shop.post.id].clicks == 1
    del result


def test_the_attribution_window_is_the_clients_setting(session, shop):
    result = click(session, link_for(session, shop.targets["x"]), at=CLICKED)
    click_id = _click_id(result)
    inside, _ = _report(session, shop, order_id="in", click_id=click_id, now=CLICKED + timedelta(days=29))
    late, _ = _report(session, shop, order_id="late", click_id=click_id, now=CLICKED + timedelta(days=31))
    before, _ = _report(session, shop, order_id="before", click_id=click_id, now=CLICKED - timedelta(hours=1))
    assert inside.attributed and not late.attributed and not before.attributed
    config.update_settings(
        session=session, **shop.scope, link_tracking=True, attribution_days=7, currency="EUR", actor=None
    )
    week, _ = _report(session, shop, order_id="week", click_id=click_id, now=CLICKED + timedelta(days=8))
    assert not week.attributed
    session.commit()


def test_occurred_at_decides_the_day_and_the_window(session, shop):
    result = click(session, link_for(session, shop.targets["x"]), at=CLICKED)
    now = CLICKED + timedelta(days=40)
    conversion, _ = _report(
        session, shop, click_id=_click_id(result), occurred_at="2026-05-06T23:30:00+00:00", now=now
    )
    session.commit()
    assert conversion.attributed and conversion.day == date(2026, 5, 7)  # 01:30 on the 7th in Rome


def test_values_in_another_currency_are_kept_but_not_added_until_it_becomes_the_reporting_one(session, shop):
    _report(session, shop, order_id="eur", value="10", currency="EUR")
    dollars, _ = _report(session, shop, order_id="usd", value=12.5, currency="USD")
    yen, _ = _report(session, shop, order_id="jpy", value="1500", currency="JPY")
    session.commit()
    assert (dollars.value_minor, yen.value_minor) == (1250, 1500)
    day = date(2026, 5, 4)
    totals = stats.client_totals(session=session, **shop.scope, start=day, end=day)
    assert (totals.conversions, totals.conversion_value, totals.currency) == (3, Decimal("10.00"), "EUR")
    config.update_settings(
        session=session, **shop.scope, link_tracking=True, attribution_days=30, currency="usd", actor=None
    )
    session.commit()
    totals = stats.client_totals(session=session, **shop.scope, start=day, end=day)
    assert (totals.conversions, totals.conversion_value, totals.currency) == (3, Decimal("12.50"), "USD")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"order_id": ""}, "order_id"),
        ({"order_id": None}, "order_id"),
        ({"order_id": "x" * 201}, "order_id"),
        ({"order_id": "a\x00b"}, "order_id"),
        ({"event": "<script>"}, "event"),
        ({"value": "12"}, "currency"),
        ({"value": "-1", "currency": "EUR"}, "value"),
        ({"value": "abc", "currency": "EUR"}, "value"),
        ({"value": "NaN", "currency": "EUR"}, "value"),
        ({"value": True, "currency": "EUR"}, "value"),
        ({"value": "1", "currency": "EURO"}, "currency"),
        ({"value": "1", "currency": "ZZZ"}, "currency"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-05-04T10:00:00"}, "occurred_at"),
        ({"occurred_at": "2030-01-01T00:00:00+00:00"}, "occurred_at"),
        ({"occurred_at": "2020-01-01T00:00:00+00:00"}, "occurred_at"),
        ({"click_id": 12}, "click_id"),
        ({"clickid": "x"}, "clickid"),
    ],
)
def test_bad_reports_name_the_field_to_fix(fields, field):
    with pytest.raises(Invalid) as caught:
        conversions.clean_conversion({"order_id": "A-1", **fields}, now=CLICKED)
    assert caught.value.field == field


def test_numbers_as_order_ids_and_rounding_to_the_currency(session, shop):
    data = conversions.clean_conversion({"order_id": 1001, "value": 19.999, "currency": "EUR"}, now=CLICKED)
    assert (data.order_id, data.value_minor, data.event) == ("1001", 2000, "conversion")
    assert conversions.clean_conversion({"order_id": "x", "value": "7.5", "currency": "JPY"}).value_minor == 8


def _pixel(session, pixel_id, now=None, **params):
    recorded = conversions.record_pixel_conversion(
        session=session, pixel_id=pixel_id, params=params, now=now or CLICKED + timedelta(minutes=5)
    )
    session.commit()
    return recorded


def test_the_pixel_records_only_with_a_real_click_of_its_own_client(session, shop):
    pixel_id = config.get_settings(session=session, **shop.scope).pixel_id
    result = click(session, link_for(session, shop.targets["x"]), at=CLICKED)
    other = make_shop(session)
    other_click = click(session, link_for(session, other.targets["x"]), at=CLICKED)
    assert _pixel(session, pixel_id) is None
    assert _pixel(session, pixel_id, click="unknown") is None
    assert _pixel(session, pixel_id, click=_click_id(other_click)) is None
    assert _pixel(session, "px_not-a-pixel", click=_click_id(result)) is None
    assert _pixel(session, "other", click=_click_id(result)) is None
    assert session.scalar(select(func.count(Conversion.id))) == 0
    recorded = _pixel(
        session, pixel_id, click=_click_id(result), event="purchase", value="20", currency="EUR", order="P-9"
    )
    assert recorded.attributed and recorded.source == "pixel" and recorded.order_id == "P-9"
    assert recorded.value_minor == 2000 and recorded.post_id == shop.post.id
    # Reloading the thank-you page (no order id) counts once per click and event.
    first = _pixel(session, pixel_id, click=_click_id(result), event="signup")
    again = _pixel(session, pixel_id, click=_click_id(result), event="signup")
    assert first.id == again.id
    # A bad value is dropped quietly: the pixel answers an image whatever happens.
    assert _pixel(session, pixel_id, click=_click_id(result), value="lots", order="P-10") is None
    assert session.scalar(select(func.count(Conversion.id))) == 2


def test_the_pixel_adds_a_bounded_number_of_conversions_per_click(session, shop):
    pixel_id = config.get_settings(session=session, **shop.scope).pixel_id
    result = click(session, link_for(session, shop.targets["x"]), at=CLICKED)
    limit = conversions.MAX_PIXEL_CONVERSIONS_PER_CLICK
    for n in range(limit + 5):
        _pixel(session, pixel_id, click=_click_id(result), order=f"spam-{n}")
    assert session.scalar(select(func.count(Conversion.id))) == limit
    assert session.scalar(select(func.sum(LinkDailyStat.conversions))) == limit


def test_the_pixel_ignores_a_click_older_than_the_attribution_window(session, shop):
    pixel_id = config.get_settings(session=session, **shop.scope).pixel_id
    click_id = _click_id(click(session, link_for(session, shop.targets["x"]), at=CLICKED))
    later = CLICKED + timedelta(days=31)
    limit = conversions.MAX_PIXEL_CONVERSIONS_PER_CLICK
    # An old click id must not open the public pixel to any number of (unattributed) conversions.
    for n in range(limit + 5):
        assert _pixel(session, pixel_id, now=later, click=click_id, order=f"old-{n}", value="999") is None
    assert session.scalar(select(func.count(Conversion.id))) == 0
    assert _pixel(session, pixel_id, now=CLICKED + timedelta(days=29), click=click_id, order="in").attributed
