"""Who works on a client's inbox: the staff an item may be assigned to or a note may mention."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import Membership, User
from tenants.permissions import Perm, role_allows
from tenants.services.access import visible_client_ids


def inbox_team(*, session: Session, agency_id: int, client_id: int) -> list[User]:
    """Staff who may answer this client's inbox, by name."""
    members = session.scalars(
        select(Membership).join(User, User.id == Membership.user_id).where(Membership.agency_id == agency_id)
    ).all()
    team = [
        m.user
        for m in members
        if m.user.is_active
        and role_allows(m.role, Perm.INBOX_REPLY)
        and client_id in visible_client_ids(session=session, membership=m)
    ]
    return sorted(team, key=lambda user: user.name_or_email.lower())


def works_on_inbox(*, session: Session, agency_id: int, client_id: int, user_id: int) -> bool:
    """True when this person may be given this client's inbox items."""
    return any(u.id == user_id for u in inbox_team(session=session, agency_id=agency_id, client_id=client_id))
