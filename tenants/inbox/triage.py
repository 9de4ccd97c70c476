"""Triage: status, assignment, internal notes with @mentions, tags, and the same on many items at once."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tenants.errors import N_, Invalid, NotFound
from tenants.inbox.items import get_item
from tenants.inbox.people import inbox_team
from tenants.inbox.response_times import client_rules, stamp_durations
from tenants.inbox.settings_store import InboxRules
from tenants.models import Client, InboxItem, InboxItemTag, InboxNote, InboxTag, Notification, User
from tenants.models.base import utcnow
from tenants.models.inbox import ITEM_STATUSES
from tenants.services import audit, notifications

_MENTION = re.compile(r"(?<![\w.])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")
BULK_LIMIT = 500


def set_status(
    *,
    session: Session,
    item: InboxItem,
    status: str,
    user: User | None,
    now: datetime | None = None,
    rules: InboxRules | None = None,
) -> None:
    """Open, pending or closed; closing stamps the resolution time, reopening clears it."""
    if status not in ITEM_STATUSES:
        raise Invalid(N_("Unknown status."), field="status")
    now = now or utcnow()
    if status == item.status:
        return
    item.status = status
    item.closed_at = now if status == "closed" else None
    item.updated_at = now
    stamp_durations(session=session, item=item, rules=rules)
    _audit(session, item, user, "inbox.status", {"status": status})


def assign(
    *, session: Session, item: InboxItem, assignee_id: int | None, user: User | None
) -> list[Notification]:
    """Give the item to a team member who works on this client (None: unassign); they are notified."""
    if assignee_id is not None and assignee_id not in _team_ids(session, item):
        raise Invalid(N_("Choose a team member who works on this client."), field="assignee_id")
    if item.assignee_id == assignee_id:
        return []
    item.assignee_id = assignee_id
    item.updated_at = utcnow()
    _audit(session, item, user, "inbox.assign", {"assignee_id": assignee_id})
    if assignee_id is None or (user is not None and user.id == assignee_id):
        return []
    return notifications.notify(
        session=session,
        agency_id=item.agency_id,
        client_id=item.client_id,
        users=[session.get(User, assignee_id)],
        kind="inbox.assigned",
        params=_params(session, item, user),
        link=_link(session, item),
    )


def add_note(
    *, session: Session, item: InboxItem, text: str, user: User | None
) -> tuple[InboxNote, list[Notification]]:
    """An internal note; every @mentioned team member (by email or its local part) is notified."""
    text = text.strip()
    if not text:
        raise Invalid(N_("Write the note first."), field="text")
    team = inbox_team(session=session, agency_id=item.agency_id, client_id=item.client_id)
    mentioned = _mentioned(text, team)
    note = InboxNote(
        agency_id=item.agency_id,
        client_id=item.client_id,
        item_id=item.id,
        user_id=user.id if user else None,
        text=text[:5000],
        mentioned_user_ids=[u.id for u in mentioned],
    )
    session.add(note)
    session.flush()
    others = [u for u in mentioned if user is None or u.id != user.id]
    created = notifications.notify(
        session=session,
        agency_id=item.agency_id,
        client_id=item.client_id,
        users=others,
        kind="inbox.mentioned",
        params=_params(session, item, user),
        link=_link(session, item),
    )
    return note, created


def _mentioned(text: str, team: list[User]) -> list[User]:
    handles = {m.lower() for m in _MENTION.findall(text)}
    return [u for u in team if u.email.lower() in handles or u.email.split("@")[0].lower() in handles]


def notes_of(*, session: Session, item: InboxItem) -> list[InboxNote]:
    """The item's notes, oldest first."""
    return list(session.scalars(select(InboxNote).where(InboxNote.item_id == item.id).order_by(InboxNote.id)))


def list_tags(*, session: Session, agency_id: int, client_id: int) -> list[InboxTag]:
    """The client's tags, by name."""
    return list(
        session.scalars(
            select(InboxTag)
            .where(InboxTag.agency_id == agency_id, InboxTag.client_id == client_id)
            .order_by(InboxTag.name)
        )
    )


def get_or_create_tag(*, session: Session, agency_id: int, client_id: int, name: str) -> InboxTag:
    """The client's tag of this name, created on first use."""
    name = " ".join(name.split()).lower()[:50]
    if not name:
        raise Invalid(N_("Give the tag a name."), field="tag")
    tag = session.scalar(
        select(InboxTag).where(
            InboxTag.agency_id == agency_id, InboxTag.client_id == client_id, InboxTag.name == name
        )
    )
    if tag is None:
        tag = InboxTag(agency_id=agency_id, client_id=client_id, name=name)
        session.add(tag)
        session.flush()
    return tag


def get_tag(*, session: Session, agency_id: int, client_id: int, tag_id: int) -> InboxTag:
    """One of the client's tags; NotFound otherwise."""
    tag = session.get(InboxTag, tag_id)
    if tag is None or (tag.agency_id, tag.client_id) != (agency_id, client_id):
        raise NotFound(N_("No such tag."))
    return tag


def tag_item(*, session: Session, item: InboxItem, tag: InboxTag) -> None:
    """Put a tag of the item's client on it (twice is once)."""
    if (tag.agency_id, tag.client_id) != (item.agency_id, item.client_id):
        raise NotFound(N_("No such tag."))
    if session.get(InboxItemTag, (item.id, tag.id)) is None:
        session.add(
            InboxItemTag(item_id=item.id, tag_id=tag.id, agency_id=item.agency_id, client_id=item.client_id)
        )
        session.flush()


def untag_item(*, session: Session, item: InboxItem, tag_id: int) -> None:
    """Take a tag off the item."""
    session.execute(
        delete(InboxItemTag).where(InboxItemTag.item_id == item.id, InboxItemTag.tag_id == tag_id)
    )


def tags_by_item(*, session: Session, item_ids: list[int]) -> dict[int, list[InboxTag]]:
    """The tags of many items in one query (for a page of the inbox)."""
    found: dict[int, list[InboxTag]] = {}
    if not item_ids:
        return found
    rows = session.execute(
        select(InboxItemTag.item_id, InboxTag)
        .join(InboxTag, InboxTag.id == InboxItemTag.tag_id)
        .where(InboxItemTag.item_id.in_(item_ids))
        .order_by(InboxTag.name)
    )
    for item_id, tag in rows:
        found.setdefault(item_id, []).append(tag)
    return found


def bulk_update(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    item_ids: list[int],
    user: User | None,
    status: str | None = None,
    assignee_id: int | None = None,
    unassign: bool = False,
    tag_name: str | None = None,
) -> int:
    """Apply a status, an assignee and/or a tag to many of the client's items; returns how many changed."""
    item_ids = list(dict.fromkeys(item_ids))[:BULK_LIMIT]
    items = [get_item(session=session, agency_id=agency_id, client_id=client_id, item_id=i) for i in item_ids]
    tag = (
        get_or_create_tag(session=session, agency_id=agency_id, client_id=client_id, name=tag_name)
        if tag_name
        else None
    )
    rules = client_rules(session=session, agency_id=agency_id, client_id=client_id) if status else None
    for item in items:
        if status:
            set_status(session=session, item=item, status=status, user=user, rules=rules)
        if unassign or assignee_id is not None:
            assign(session=session, item=item, assignee_id=None if unassign else assignee_id, user=user)
        if tag is not None:
            tag_item(session=session, item=item, tag=tag)
    return len(items)


def _team_ids(session: Session, item: InboxItem) -> set[int]:
    return {u.id for u in inbox_team(session=session, agency_id=item.agency_id, client_id=item.client_id)}


def _params(session: Session, item: InboxItem, user: User | None) -> dict:
    client = session.get(Client, item.client_id)
    return {
        "actor": user.name_or_email if user else "Cadenza",
        "client": client.name if client else "",
        "author": item.author_name or item.author_handle,
        "network": item.network,
    }


def _link(session: Session, item: InboxItem) -> str:
    client = session.get(Client, item.client_id)
    return f"/c/{client.slug}/inbox/{item.id}" if client else ""


def _audit(session: Session, item: InboxItem, user: User | None, action: str, details: dict) -> None:
    audit.record(
        session=session,
        agency_id=item.agency_id,
        client_id=item.client_id,
        actor=user,
        action=action,
        target_type="inbox_item",
        target_id=item.id,
        details=details,
    )
