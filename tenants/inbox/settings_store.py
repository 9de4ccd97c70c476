"""A client's inbox settings: read with defaults, validate and save."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tenants.crypto import TokenCipher
from tenants.errors import N_, Invalid, NotFound
from tenants.inbox.business_hours import BusinessHours, add_business_seconds
from tenants.inbox.crisis import CrisisSettings
from tenants.inbox.sla import SlaTargets
from tenants.models import Client, InboxSettings, User
from tenants.models.base import utcnow
from tenants.services import audit

SYNC_CHOICES = (1, 5, 15, 60)
MAX_WEBHOOK_LENGTH = 2000


@dataclass(frozen=True)
class InboxRules:
    """What ingest and triage need from the settings, parsed once."""

    hours: BusinessHours
    targets: SlaTargets
    crisis: CrisisSettings
    sync_minutes: int


def get_settings(*, session: Session, agency_id: int, client_id: int) -> InboxSettings:
    """The client's settings row, created with defaults (the client's timezone) on first use."""
    row = _find_settings(session, agency_id=agency_id, client_id=client_id)
    if row is not None:
        return row
    client = session.get(Client, client_id)
    timezone = client.timezone if client is not None and client.agency_id == agency_id else None
    hours = BusinessHours.default(timezone) if timezone else BusinessHours.default()
    # The reads of a new client's accounts run at the same time and all find no row: each inserts one
    # unless it is there by then (waiting for a concurrent insert to commit), and all read the one kept.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(InboxSettings)
        .values(
            agency_id=agency_id,
            client_id=client_id,
            business_hours=hours.to_json(),
            crisis=CrisisSettings().to_json(),
            first_response_minutes=60,
            resolution_minutes=8 * 60,
            sync_minutes=5,
            holding_statement="",
        )
        .on_conflict_do_nothing(index_elements=["client_id"])
    )
    row = _find_settings(session, agency_id=agency_id, client_id=client_id)
    if row is None:  # the client_id is another agency's
        raise NotFound(N_("Client not found."))
    return row


def _find_settings(session: Session, *, agency_id: int, client_id: int) -> InboxSettings | None:
    return session.scalar(
        select(InboxSettings).where(
            InboxSettings.agency_id == agency_id, InboxSettings.client_id == client_id
        )
    )


def rules_of(row: InboxSettings, *, timezone: str | None = None) -> InboxRules:
    """Parse a settings row (validated on save); `timezone`, the client's current one, wins over the saved."""
    hours = row.business_hours if timezone is None else {**row.business_hours, "timezone": timezone}
    return InboxRules(
        hours=BusinessHours.from_json(hours),
        targets=SlaTargets(
            first_response_seconds=row.first_response_minutes * 60,
            resolution_seconds=row.resolution_minutes * 60,
        ),
        crisis=CrisisSettings.from_json(row.crisis),
        sync_minutes=row.sync_minutes,
    )


def update_settings(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    cipher: TokenCipher,
    business_hours: dict,
    first_response_minutes: int,
    resolution_minutes: int,
    sync_minutes: int,
    crisis: dict,
    holding_statement: str,
    crisis_webhook: str | None = None,
    allow_http: bool = False,
    actor: User | None = None,
) -> InboxSettings:
    """Validate and save; webhook None keeps the stored one, "" removes it; http:// only if allow_http."""
    errors: dict[str, str] = {}
    try:
        hours = BusinessHours.from_json(business_hours)
    except ValueError:
        errors["business_hours"] = N_("Write hours like 09:00-13:00, 14:00-18:00 and dates like 2026-12-25.")
    else:
        if not hours.has_open_hours:
            # Due times are counted in open hours: a week with none would leave every item without one.
            errors["business_hours"] = N_("Open the inbox on at least one day of the week.")
    try:
        crisis_settings = CrisisSettings.from_json(crisis)
    except ValueError:
        errors["crisis"] = N_(
            "Check the crisis alert numbers: the baseline and the cooldown must last at least one window."
        )
    if not 1 <= first_response_minutes <= 7 * 24 * 60:
        errors["first_response_minutes"] = N_("Between 1 minute and 7 days.")
    if not first_response_minutes <= resolution_minutes <= 30 * 24 * 60:
        errors["resolution_minutes"] = N_("At least the first-response target and at most 30 days.")
    elif "business_hours" not in errors and not _reachable(hours, resolution_minutes):
        errors["resolution_minutes"] = N_(
            "The business hours leave too little open time to reach this target."
        )
    if sync_minutes not in SYNC_CHOICES:
        errors["sync_minutes"] = N_("Choose one of the offered intervals.")
    if crisis_webhook and not _webhook_ok(crisis_webhook, allow_http=allow_http):
        errors["crisis_webhook"] = N_("The webhook address must start with https://.")
    if errors:
        raise Invalid(N_("Some inbox settings are not valid."), fields=errors)
    row = get_settings(session=session, agency_id=agency_id, client_id=client_id)
    row.business_hours = hours.to_json()
    row.crisis = crisis_settings.to_json()
    row.first_response_minutes = first_response_minutes
    row.resolution_minutes = resolution_minutes
    row.sync_minutes = sync_minutes
    row.holding_statement = holding_statement.strip()[:5000]
    webhook = "kept"
    if crisis_webhook is not None:
        webhook = "replaced" if crisis_webhook else "removed"
        row.crisis_webhook_enc = cipher.encrypt(crisis_webhook) if crisis_webhook else None
    row.updated_at = utcnow()
    # The webhook URL is a secret: the trail says only what happened to it.
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        actor=actor,
        action="inbox.settings_updated",
        target_type="client",
        target_id=client_id,
        details={
            "first_response_minutes": first_response_minutes,
            "resolution_minutes": resolution_minutes,
            "sync_minutes": sync_minutes,
            "crisis_enabled": crisis_settings.enabled,
            "webhook": webhook,
        },
    )
    return row


def _webhook_ok(url: str, *, allow_http: bool) -> bool:
    """An absolute https:// URL with a host (http:// too where allowed, e.g. against the sandbox)."""
    schemes = ("https", "http") if allow_http else ("https",)
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme in schemes
        and bool(parts.hostname)
        and len(url) <= MAX_WEBHOOK_LENGTH
        and not any(c.isspace() for c in url)
    )


def _reachable(hours: BusinessHours, minutes: int) -> bool:
    """Whether ingest can compute a due time this far ahead (it searches two years of open hours)."""
    try:
        add_business_seconds(hours, utcnow(), minutes * 60)
    except ValueError:
        return False
    return True
