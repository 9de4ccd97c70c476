"""Who works on a client's inbox: the staff an item may be assigned to or a note may mention."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from tenants.models import Membership, User
from tenants.permissions import Perm, role_allows
from tenants.services.access import sees_all_clients, visible_client_ids


def inbox_team(*, session: Session, agency_id: int, client_id: int) -> list[User]:
    """Staff who may answer this client's inbox, by name."""
    members = session.scalars(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.agency_id == agency_id)
        .options(contains_eager(Membership.user))
    ).all()
    # Staff who see every client all see the same ones: asked once, not once per person (the inbox
    # page lists the team on every load).
    everyone: list[int] | None = None

    def sees_client(membership: Membership) -> bool:
        nonlocal everyone
        if not sees_all_clients(membership):
            return client_id in visible_client_ids(session=session, membership=membership)
        if everyone is None:
            everyone = visible_client_ids(session=session, membership=membership)
        return client_id in everyone

    team = [
        m.user
        for m in members
        if m.user.is_active and role_allows(m.role, Perm.INBOX_REPLY) and sees_client(m)
    ]
    return sorted(team, key=lambda user: user.name_or_email.lower())


def works_on_inbox(*, session: Session, agency_id: int, client_id: int, user_id: int) -> bool:
    """True when this person may be given this client's inbox items."""
    return any(u.id == user_id for u in inbox_team(session=session, agency_id=agency_id, client_id=client_id))
