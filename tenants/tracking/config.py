"""A client's tracking settings: link shortening on or off, pixel id, attribution window, currency."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tenants.errors import N_, Invalid, NotFound
from tenants.models import Client, TrackingSettings, User, utcnow
from tenants.services import audit
from tenants.tracking.money import clean_currency
from tenants.tracking.rollup import rebuild_daily_stats

DEFAULT_ATTRIBUTION_DAYS = 30
MAX_ATTRIBUTION_DAYS = 90
PIXEL_PREFIX = "px_"


def new_pixel_id() -> str:
    """A public, random pixel id (unguessable, so nobody counts conversions on a client they picked)."""
    return PIXEL_PREFIX + secrets.token_urlsafe(12)


def get_settings(*, session: Session, agency_id: int, client_id: int) -> TrackingSettings:
    """The client's tracking settings, created with defaults on first use."""
    row = _find(session, agency_id=agency_id, client_id=client_id)
    if row is not None:
        return row
    client = session.get(Client, client_id)
    if client is None or client.agency_id != agency_id:
        raise NotFound(N_("Client not found."))
    # Two first uses at once (a click and a settings page): one insert wins, both read the same row.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    session.execute(
        dialect.insert(TrackingSettings)
        .values(
            agency_id=agency_id,
            client_id=client_id,
            pixel_id=new_pixel_id(),
            attribution_days=DEFAULT_ATTRIBUTION_DAYS,
            currency="EUR",
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["client_id"])
    )
    return _find(session, agency_id=agency_id, client_id=client_id)


def _find(session: Session, *, agency_id: int, client_id: int) -> TrackingSettings | None:
    return session.scalar(
        select(TrackingSettings).where(
            TrackingSettings.agency_id == agency_id, TrackingSettings.client_id == client_id
        )
    )


def find_by_pixel(*, session: Session, pixel_id: str) -> TrackingSettings | None:
    """The settings behind a public pixel id of a live client (the pixel's only way to name it), or None."""
    if not pixel_id.startswith(PIXEL_PREFIX) or len(pixel_id) > 32:
        return None
    return session.scalar(
        select(TrackingSettings)
        .join(Client, Client.id == TrackingSettings.client_id)
        .where(TrackingSettings.pixel_id == pixel_id, Client.deleted_at.is_(None))
    )


def clean_attribution_days(value: object) -> int:
    """A whole number of days from 1 to 90."""
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise Invalid(
            N_("Give a number of days from 1 to %(n)s."), field="attribution_days", n=MAX_ATTRIBUTION_DAYS
        ) from exc
    if not 1 <= days <= MAX_ATTRIBUTION_DAYS:
        raise Invalid(
            N_("Give a number of days from 1 to %(n)s."), field="attribution_days", n=MAX_ATTRIBUTION_DAYS
        )
    return days


def update_settings(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    link_tracking: bool,
    attribution_days: object,
    currency: object,
    actor: User | None,
) -> TrackingSettings:
    """Switch link tracking, set the attribution window and the reporting currency (audited)."""
    client = session.get(Client, client_id)
    if client is None or client.agency_id != agency_id:
        raise NotFound(N_("Client not found."))
    row = get_settings(session=session, agency_id=agency_id, client_id=client_id)
    after = {
        "link_tracking": bool(link_tracking),
        "attribution_days": clean_attribution_days(attribution_days),
        "currency": clean_currency(currency),
    }
    before = {
        "link_tracking": client.link_tracking,
        "attribution_days": row.attribution_days,
        "currency": row.currency,
    }
    changed = {key: value for key, value in after.items() if before[key] != value}
    if not changed:
        return row
    client.link_tracking = after["link_tracking"]
    row.attribution_days, row.currency = after["attribution_days"], after["currency"]
    row.updated_at = utcnow()
    session.flush()
    if "currency" in changed:
        # The rollup sums values in the reporting currency: recount it in the new one.
        rebuild_daily_stats(session=session, agency_id=agency_id, client_id=client_id)
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        action="client.tracking_updated",
        actor=actor,
        target_type="client",
        target_id=client_id,
        details={"before": {k: before[k] for k in changed}, "after": changed},
    )
    return row
