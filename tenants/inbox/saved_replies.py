"""A client's saved replies, and filling in their variables for one item."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.db import flush_or_conflict
from tenants.errors import N_, Invalid, NotFound
from tenants.models import InboxItem, SavedReply, User

VARIABLES = ("first_name", "name", "handle", "brand")
_VARIABLE = re.compile(r"\{(\w+)\}")


def list_saved_replies(*, session: Session, agency_id: int, client_id: int) -> list[SavedReply]:
    """The client's saved replies, by title."""
    return list(
        session.scalars(
            select(SavedReply)
            .where(SavedReply.agency_id == agency_id, SavedReply.client_id == client_id)
            .order_by(SavedReply.title)
        )
    )


def get_saved_reply(*, session: Session, agency_id: int, client_id: int, saved_reply_id: int) -> SavedReply:
    """One of the client's saved replies; NotFound otherwise."""
    saved = session.get(SavedReply, saved_reply_id)
    if saved is None or (saved.agency_id, saved.client_id) != (agency_id, client_id):
        raise NotFound(N_("No such saved reply."))
    return saved


def save_reply(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    title: str,
    text: str,
    user: User | None,
    saved_reply_id: int | None = None,
) -> SavedReply:
    """Create a saved reply, or change one; unknown {variables} are refused so none reaches a fan."""
    title, text = title.strip()[:100], text.strip()
    if not title:
        raise Invalid(N_("Give the saved reply a title."), field="title")
    if not text:
        raise Invalid(N_("Write the reply."), field="text")
    unknown = sorted({name for name in _VARIABLE.findall(text) if name not in VARIABLES})
    if unknown:
        raise Invalid(N_("Unknown variable: %(names)s."), field="text", names=", ".join(unknown))
    if saved_reply_id is None:
        saved = SavedReply(
            agency_id=agency_id, client_id=client_id, title=title, text=text, created_by_id=user and user.id
        )
        session.add(saved)
    else:
        saved = get_saved_reply(
            session=session, agency_id=agency_id, client_id=client_id, saved_reply_id=saved_reply_id
        )
        saved.title, saved.text = title, text
    flush_or_conflict(session, message=N_("A saved reply with this title exists."), field="title")
    return saved


def delete_saved_reply(*, session: Session, agency_id: int, client_id: int, saved_reply_id: int) -> None:
    """Remove one of the client's saved replies."""
    session.delete(
        get_saved_reply(
            session=session, agency_id=agency_id, client_id=client_id, saved_reply_id=saved_reply_id
        )
    )


def use_saved_reply(*, session: Session, agency_id: int, client_id: int, saved_reply_id: int) -> SavedReply:
    """The saved reply, counted as used once more."""
    saved = get_saved_reply(
        session=session, agency_id=agency_id, client_id=client_id, saved_reply_id=saved_reply_id
    )
    saved.uses += 1
    return saved


def render_saved_reply(text: str, *, item: InboxItem, brand: str) -> str:
    """The reply with the item's author and the brand filled in (only the known variables are replaced)."""
    name = (item.author_name or item.author_handle or "").strip()
    values = {
        "first_name": name.split()[0] if name else "",
        "name": name,
        "handle": item.author_handle or "",
        "brand": brand,
    }
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)
