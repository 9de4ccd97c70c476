"""Conversions reported by the client's site (the API, or the pixel), attributed to the click they came from.

Attribution is last click by id: the site reads cz_click from the landing URL and reports it with the
conversion. A click of this client within the attribution window gives the conversion its post and
account; anything else (no id, another client's id, too old) is still counted for the client, unattributed.
The site's order id makes a resent conversion count once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import regex
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenants.errors import N_, Invalid, NotFound
from tenants.models import Client, Conversion, LinkClick, utcnow
from tenants.tracking import config
from tenants.tracking.clicks import MAX_CLICK_ID, find_click
from tenants.tracking.money import clean_currency, from_minor, to_minor
from tenants.tracking.rollup import bump, hold_counts, local_day

FIELDS = ("order_id", "event", "value", "currency", "occurred_at", "click_id")
DEFAULT_EVENT = "conversion"
MAX_ORDER_ID = 200
# A site's clock may run a little ahead of ours; a conversion cannot come before its click otherwise.
CLOCK_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(days=365)
# The pixel is public: a known click id adds at most this many conversions through it.
MAX_PIXEL_CONVERSIONS_PER_CLICK = 20
_EVENT = regex.compile(r"^[\p{L}\p{N}_.:\- ]{1,64}$")
_PRINTABLE = regex.compile(r"^[^\p{C}]+$")


@dataclass(frozen=True)
class ConversionData:
    """A validated conversion, as the site reported it."""

    order_id: str
    event: str = DEFAULT_EVENT
    value_minor: int | None = None
    currency: str | None = None
    occurred_at: datetime | None = None
    click_id: str | None = None


def clean_conversion(data: Mapping[str, Any], *, now: datetime | None = None) -> ConversionData:
    """Check a reported conversion; Invalid names the first field to fix."""
    now = now or utcnow()
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise Invalid(N_("Unknown field: %(name)s."), field=unknown[0], name=unknown[0])
    order_id = data.get("order_id")
    if isinstance(order_id, int) and not isinstance(order_id, bool):
        order_id = str(order_id)
    if not isinstance(order_id, str) or not order_id.strip() or len(order_id.strip()) > MAX_ORDER_ID:
        raise Invalid(
            N_("Give the order or event id of your site (at most %(n)s characters)."),
            field="order_id",
            n=MAX_ORDER_ID,
        )
    order_id = order_id.strip()
    if not _PRINTABLE.match(order_id):
        raise Invalid(
            N_("Give the order or event id of your site (at most %(n)s characters)."),
            field="order_id",
            n=MAX_ORDER_ID,
        )
    event = data.get("event")
    event = DEFAULT_EVENT if event is None else event
    if not isinstance(event, str) or not _EVENT.match(event.strip()):
        raise Invalid(N_("Name the event with up to 64 letters, digits, spaces or _ . : -"), field="event")
    value, currency = data.get("value"), data.get("currency")
    value_minor = None
    if currency is not None or value is not None:
        if currency is None:
            raise Invalid(N_("Give the currency of the value, like EUR."), field="currency")
        currency = clean_currency(currency)
        value_minor = to_minor(value, currency) if value is not None else None
    click_id = data.get("click_id")
    if click_id is not None and (not isinstance(click_id, str) or len(click_id) > MAX_CLICK_ID):
        raise Invalid(N_("Pass the cz_click value of the landing page as it came."), field="click_id")
    return ConversionData(
        order_id=order_id,
        event=event.strip(),
        value_minor=value_minor,
        currency=currency,
        occurred_at=_clean_moment(data.get("occurred_at"), now),
        click_id=(click_id.strip() or None) if click_id else None,
    )


def _clean_moment(value: object, now: datetime) -> datetime | None:
    if value is None:
        return None
    message = N_("Give occurred_at as an ISO 8601 time with its offset, like 2026-03-01T12:30:00+01:00.")
    if not isinstance(value, str):
        raise Invalid(message, field="occurred_at")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid(message, field="occurred_at") from exc
    if moment.tzinfo is None:
        raise Invalid(message, field="occurred_at")
    if moment > now + CLOCK_SKEW or moment < now - MAX_AGE:
        raise Invalid(
            N_("occurred_at must be within the last year, and not in the future."), field="occurred_at"
        )
    return moment


def attributable_click(
    *, session: Session, agency_id: int, client_id: int, click_id: str | None, at: datetime, window_days: int
) -> LinkClick | None:
    """The client's click that explains a conversion at `at`, if it is within the window."""
    if not click_id:
        return None
    click = find_click(session=session, agency_id=agency_id, client_id=client_id, click_id=click_id)
    if click is None:
        return None
    if not click.clicked_at - CLOCK_SKEW <= at <= click.clicked_at + timedelta(days=window_days):
        return None
    return click


def find_conversion(*, session: Session, agency_id: int, client_id: int, order_id: str) -> Conversion | None:
    """The client's conversion with this order id, or None."""
    return session.scalar(
        select(Conversion).where(
            Conversion.agency_id == agency_id,
            Conversion.client_id == client_id,
            Conversion.order_id == order_id,
        )
    )


def record_conversion(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    data: ConversionData,
    source: str = "api",
    now: datetime | None = None,
) -> tuple[Conversion, bool]:
    """Store and count the conversion (attributed when a click explains it); (conversion, created)."""
    # An order id the client already reported is not counted again: the first conversion is returned
    # with created False, whatever the second report said.
    existing = find_conversion(
        session=session, agency_id=agency_id, client_id=client_id, order_id=data.order_id
    )
    if existing is not None:
        return existing, False
    client = session.get(Client, client_id)
    if client is None or client.agency_id != agency_id:
        raise NotFound(N_("Client not found."))
    hold_counts(session, client_id)
    settings = config.get_settings(session=session, agency_id=agency_id, client_id=client_id)
    now = now or utcnow()
    occurred = data.occurred_at or now
    click = attributable_click(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        click_id=data.click_id,
        at=occurred,
        window_days=settings.attribution_days,
    )
    conversion = Conversion(
        agency_id=agency_id,
        client_id=client_id,
        order_id=data.order_id,
        event=data.event,
        value_minor=data.value_minor,
        currency=data.currency,
        occurred_at=occurred,
        day=local_day(occurred, client.timezone),
        received_at=now,
        source=source,
        link_click_id=click.id if click else None,
        link_id=click.link_id if click else None,
        post_id=click.post_id if click else None,
        account_id=click.account_id if click else None,
    )
    try:
        with session.begin_nested():
            session.add(conversion)
            session.flush()
    except IntegrityError:
        # The same order reported twice at once: the other request stored it first.
        existing = find_conversion(
            session=session, agency_id=agency_id, client_id=client_id, order_id=data.order_id
        )
        if existing is None:
            raise
        return existing, False
    counted_value = conversion.value_minor if conversion.currency == settings.currency else None
    bump(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        day=conversion.day,
        post_id=conversion.post_id,
        account_id=conversion.account_id,
        conversions=1,
        conversion_value_minor=counted_value or 0,
    )
    return conversion, True


def record_pixel_conversion(
    *, session: Session, pixel_id: str, params: Mapping[str, str], now: datetime | None = None
) -> Conversion | None:
    """A conversion from the pixel, recorded only with a click of the pixel's client within the window."""
    # The pixel is public: a conversion no recent click of that client stands behind is never counted, so
    # every pixel conversion is attributed and the cap per click below bounds what one click id can add.
    # A pixel without an order id (a thank-you page reloaded) counts once per click and event.
    settings = config.find_by_pixel(session=session, pixel_id=pixel_id)
    click_id = (params.get("click") or "").strip()
    if settings is None or not click_id:
        return None
    agency_id, client_id = settings.agency_id, settings.client_id
    now = now or utcnow()
    click = attributable_click(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        click_id=click_id,
        at=now,
        window_days=settings.attribution_days,
    )
    if click is None:
        return None
    through_pixel = session.scalar(
        select(func.count(Conversion.id)).where(
            Conversion.client_id == client_id,
            Conversion.link_click_id == click.id,
            Conversion.source == "pixel",
        )
    )
    if through_pixel >= MAX_PIXEL_CONVERSIONS_PER_CLICK:
        return None
    event = (params.get("event") or DEFAULT_EVENT).strip()
    report: dict[str, Any] = {
        "order_id": (params.get("order") or "").strip() or f"pixel:{click_id}:{event}"[:MAX_ORDER_ID],
        "event": event,
        "click_id": click_id,
    }
    if params.get("value"):
        report |= {"value": params["value"], "currency": params.get("currency") or settings.currency}
    try:
        data = clean_conversion(report, now=now)
    except Invalid:
        return None
    conversion, _created = record_conversion(
        session=session, agency_id=agency_id, client_id=client_id, data=data, source="pixel", now=now
    )
    return conversion


def conversion_as_dict(conversion: Conversion) -> dict[str, Any]:
    """The public JSON shape of a conversion."""
    value = None
    if conversion.value_minor is not None and conversion.currency:
        value = str(from_minor(conversion.value_minor, conversion.currency))
    return {
        "id": conversion.id,
        "order_id": conversion.order_id,
        "event": conversion.event,
        "value": value,
        "currency": conversion.currency,
        "occurred_at": conversion.occurred_at.isoformat(),
        "source": conversion.source,
        "attributed": conversion.attributed,
        "post_id": conversion.post_id,
        "account_id": conversion.account_id,
    }
