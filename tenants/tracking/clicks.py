"""Recording a request for a short link: a counted click, or a filtered bot/preview hit; and its redirect.

Every hit is stored with a random click id that the redirect hands to the client's site (cz_click=...);
the site reports it back with a conversion. The visitor is a keyed hash of address and browser, salted
per client and local day: it tells unique clicks apart and cannot be turned back into an address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit, urlunsplit

import regex
from sqlalchemy import exists, select, text
from sqlalchemy.orm import Session

from tenants.models import LinkClick, TrackedLink, utcnow
from tenants.tracking.bots import filter_reason
from tenants.tracking.rollup import bump, hold_counts, local_day

CLICK_PARAM = "cz_click"
MAX_CLICK_ID = 32
_CLICK_ID = regex.compile(r"[A-Za-z0-9_-]+")  # what new_click_id makes
VISITOR_LOCK_NAMESPACE = 7302  # PostgreSQL advisory locks (namespace, part of the visitor hash) of clicks


@dataclass(frozen=True)
class Hit:
    """What the web edge saw of one request for a short link."""

    method: str = "GET"
    user_agent: str | None = None
    ip: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ClickResult:
    """The stored hit, whether it counted as a click, and where to send the browser."""

    click: LinkClick
    counted: bool
    redirect_to: str


def new_click_id() -> str:
    """A random click id (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def visitor_hash(*, secret: str, client_id: int, day: date, ip: str | None, user_agent: str | None) -> str:
    """The visitor of one client on one local day, as a keyed hash (no address is ever stored)."""
    key = hashlib.sha256(f"cadenza-visitor:{secret}".encode()).digest()
    message = f"{client_id}|{day.isoformat()}|{ip or ''}|{user_agent or ''}"
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def redirect_url(destination: str, click_id: str) -> str:
    """The destination with cz_click=<click id> added to its query (the rest kept byte for byte)."""
    parts = urlsplit(destination)
    kept = [pair for pair in parts.query.split("&") if pair and pair.split("=", 1)[0] != CLICK_PARAM]
    query = "&".join([*kept, f"{CLICK_PARAM}={click_id}"])
    return urlunsplit(parts._replace(query=query))


def record_click(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    link: TrackedLink,
    timezone: str,
    hit: Hit,
    secret: str,
    now: datetime | None = None,
) -> ClickResult:
    """Store the hit, add it to the day's rollup (as a click or a filtered hit) and say where to go."""
    if link.agency_id != agency_id or link.client_id != client_id:
        raise ValueError("the link belongs to another client")
    hold_counts(session, client_id)
    now = now or utcnow()
    day = local_day(now, timezone)
    reason = filter_reason(method=hit.method, user_agent=hit.user_agent, headers=hit.headers)
    visitor = visitor_hash(secret=secret, client_id=client_id, day=day, ip=hit.ip, user_agent=hit.user_agent)
    first_today = False
    if reason is None:
        _lock_visitor(session, visitor)
        # The hash changes every local day, so "seen before" means "seen today" on this post and account.
        seen = session.scalar(
            select(
                exists().where(
                    LinkClick.visitor_hash == visitor,
                    LinkClick.client_id == client_id,
                    LinkClick.post_id == link.post_id,
                    LinkClick.account_id == link.account_id,
                    LinkClick.is_bot.is_(False),
                )
            )
        )
        first_today = not seen
    click = LinkClick(
        agency_id=agency_id,
        client_id=client_id,
        link_id=link.id,
        post_id=link.post_id,
        account_id=link.account_id,
        clicked_at=now,
        day=day,
        is_bot=reason is not None,
        filter_reason=reason,
        visitor_hash=visitor,
        click_id=new_click_id(),
    )
    session.add(click)
    bump(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        day=day,
        post_id=link.post_id,
        account_id=link.account_id,
        clicks=int(reason is None),
        unique_clicks=int(first_today),
        filtered=int(reason is not None),
    )
    return ClickResult(
        click=click, counted=reason is None, redirect_to=redirect_url(link.destination, click.click_id)
    )


def _lock_visitor(session: Session, visitor: str) -> None:
    """Hold the visitor's lock until the transaction ends (PostgreSQL; SQLite has one writer anyway)."""
    # Two clicks at once would each miss the other's uncommitted row and both count as a unique visitor.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
            {"namespace": VISITOR_LOCK_NAMESPACE, "key": int(visitor[:8], 16) - 2**31},
        )


def find_click(*, session: Session, agency_id: int, client_id: int, click_id: str) -> LinkClick | None:
    """The client's click with this id, or None (another client's click is not found)."""
    if not click_id or len(click_id) > MAX_CLICK_ID or not _CLICK_ID.fullmatch(click_id):
        return None
    return session.scalar(
        select(LinkClick).where(
            LinkClick.click_id == click_id,
            LinkClick.agency_id == agency_id,
            LinkClick.client_id == client_id,
        )
    )
