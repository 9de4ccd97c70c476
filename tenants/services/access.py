"""Who may see which clients and do what: the one place tenant visibility is decided."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tenants.errors import N_, Forbidden, NotFound
from tenants.models import Client, Membership
from tenants.permissions import Perm, Role, is_client_role, role_allows


def memberships_of(*, session: Session, user_id: int) -> list[Membership]:
    """All memberships of a user, oldest first."""
    query = select(Membership).where(Membership.user_id == user_id).order_by(Membership.id)
    return list(session.scalars(query))


def membership_in(*, session: Session, user_id: int, agency_id: int) -> Membership | None:
    """The user's membership in one agency, if any."""
    query = select(Membership).where(Membership.user_id == user_id, Membership.agency_id == agency_id)
    return session.scalars(query).first()


def visible_clients_query(*, membership: Membership, include_archived: bool = True) -> Select[tuple[Client]]:
    """SELECT of the clients this member may see (never deleted ones, never another agency's)."""
    query = select(Client).where(Client.agency_id == membership.agency_id, Client.deleted_at.is_(None))
    if is_client_role(membership.role):
        query = query.where(Client.id == membership.client_id)
    elif membership.limited:
        query = query.where(Client.id.in_([c.id for c in membership.limited_clients]))
    if not include_archived:
        query = query.where(Client.archived_at.is_(None))
    return query.order_by(Client.name)


def visible_client_ids(*, session: Session, membership: Membership) -> list[int]:
    """Ids of the clients this member may see."""
    query = visible_clients_query(membership=membership).with_only_columns(Client.id).order_by(None)
    return list(session.scalars(query))


def sees_all_clients(membership: Membership) -> bool:
    """True for staff who are not limited to chosen clients."""
    return not is_client_role(membership.role) and not membership.limited


def get_visible_client(
    *, session: Session, membership: Membership, client_slug: str | None = None, client_id: int | None = None
) -> Client:
    """The client by slug or id if this member may see it; NotFound otherwise."""
    query = visible_clients_query(membership=membership)
    if client_slug is not None:
        query = query.where(Client.slug == client_slug)
    elif client_id is not None:
        query = query.where(Client.id == client_id)
    else:
        raise NotFound(N_("Client not found."))
    client = session.scalars(query).first()
    if client is None:
        raise NotFound(N_("Client not found."))
    return client


def require(membership: Membership, perm: Perm) -> None:
    """Raise Forbidden unless the member's role carries the permission."""
    if not role_allows(membership.role, perm):
        raise Forbidden(N_("Your role does not allow this."))


def api_membership(*, agency_id: int) -> Membership:
    """The unsaved, agency-wide admin membership that an API token acts with."""
    membership = Membership(agency_id=agency_id, role=Role.ADMIN.value, limited=False, client_id=None)
    membership.limited_clients = []
    return membership
