"""The calendar going out: a read-only iCal feed behind a secret URL, and a CSV export of a period.

The feed holds only what a client contact may see (awaiting the client, approved, scheduled): a feed URL
is a bearer secret that ends up in third-party calendar apps and is often handed to the client, so it
never shows drafts or posts still in internal review.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import Client, Membership, Post, SocialAccount, User
from tenants.models.base import utcnow
from tenants.permissions import Perm
from tenants.services import audit
from tenants.services.access import require
from tenants.services.calendar import Filters, entries, excerpt, utc_bounds
from tenants.services.posts import CLIENT_VISIBLE_STATUSES
from tenants.services.remote_delete import taken_down
from tenants.services.tokens import hash_secret, new_secret

FEED_PAST = timedelta(days=90)
FEED_LIMIT = 2000
EVENT_LENGTH = timedelta(minutes=15)
EXPORT_COLUMNS = ("date", "time", "timezone", "status", "networks", "accounts", "pillar", "persona", "text")
# Spreadsheets run cells starting with these as formulas (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def issue_feed_token(*, session: Session, client: Client, membership: Membership, actor: User | None) -> str:
    """Create the client's feed URL secret, or rotate it (the old URL stops working); shown once."""
    require(membership, Perm.CLIENT_EDIT)
    rotated = client.ical_token_hash is not None
    token = new_secret("ics_")
    client.ical_token_hash = hash_secret(token)
    audit.record(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        action="calendar.feed_rotated" if rotated else "calendar.feed_created",
        actor=actor,
        target_type="client",
        target_id=client.id,
    )
    session.flush()
    return token


def revoke_feed_token(
    *, session: Session, client: Client, membership: Membership, actor: User | None
) -> bool:
    """Turn the feed off; False when there was none."""
    require(membership, Perm.CLIENT_EDIT)
    if client.ical_token_hash is None:
        return False
    client.ical_token_hash = None
    audit.record(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        action="calendar.feed_revoked",
        actor=actor,
        target_type="client",
        target_id=client.id,
    )
    session.flush()
    return True


def client_for_feed(*, session: Session, token: str) -> Client | None:
    """The client whose feed secret this is (never a deleted client)."""
    if not token or len(token) > 200:
        return None
    query = select(Client).where(Client.ical_token_hash == hash_secret(token), Client.deleted_at.is_(None))
    return session.scalars(query).first()


def feed_ics(*, session: Session, client: Client) -> bytes:
    """The client's calendar as iCalendar: client-visible posts from 90 days ago on, times in UTC."""
    posts = session.scalars(
        select(Post)
        .where(
            Post.agency_id == client.agency_id,
            Post.client_id == client.id,
            Post.status.in_(CLIENT_VISIBLE_STATUSES),
            Post.scheduled_at >= utcnow() - FEED_PAST,
        )
        .order_by(Post.scheduled_at, Post.id)
        .limit(FEED_LIMIT)
    ).all()
    calendar = Calendar()
    calendar.add("prodid", "-//Cadenza//Editorial calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{client.name} · Cadenza")
    calendar.add("x-wr-timezone", client.timezone)
    for post in posts:
        networks = ", ".join(dict.fromkeys(t.network for t in post.targets))
        event = Event()
        event.add("uid", f"post-{post.id}@cadenza")
        event.add("dtstamp", post.updated_at)
        event.add("last-modified", post.updated_at)
        event.add("dtstart", post.scheduled_at)
        event.add("dtend", post.scheduled_at + EVENT_LENGTH)
        event.add(
            "summary", f"{excerpt(post.base_text, 60)} [{networks}]" if networks else excerpt(post.base_text)
        )
        event.add("description", post.base_text)
        event.add("status", _event_status(post))
        if post.pillar:
            event.add("categories", [post.pillar])
        calendar.add_component(event)
    return calendar.to_ical()


def _event_status(post: Post) -> str:
    """iCalendar's word for the post; one deleted from every network it reached is no longer on."""
    if taken_down(post):
        return "CANCELLED"
    return "CONFIRMED" if post.status in ("scheduled", "published", "failed") else "TENTATIVE"


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_csv(*, session: Session, client: Client, membership: Membership, start: date, end: date) -> str:
    """The client's posts planned on local days [start, end) as CSV, in the client's time zone."""
    first, last = utc_bounds(start, end, client.timezone)
    items = entries(
        session=session, membership=membership, start=first, end=last, filters=Filters(client_id=client.id)
    )
    handles = dict(
        session.execute(
            select(SocialAccount.id, SocialAccount.handle).where(
                SocialAccount.agency_id == client.agency_id, SocialAccount.client_id == client.id
            )
        ).all()
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for item in items:
        row = (
            item.local.strftime("%Y-%m-%d"),
            item.local.strftime("%H:%M"),
            f"{client.timezone} ({item.local.strftime('%Z')})",
            "taken_down" if taken_down(item.post) else item.post.status,
            " ".join(item.networks),
            " ".join(handles.get(t.account_id, "") for t in item.post.targets),
            item.post.pillar or "",
            item.post.persona or "",
            item.post.base_text,
        )
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()
