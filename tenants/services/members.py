"""The agency's people: invitations, roles, client contacts, removal."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.db import flush_or_conflict
from tenants.errors import N_, Conflict, Forbidden, Gone, Invalid, NotFound
from tenants.models import Client, Invitation, Membership, User, utcnow
from tenants.permissions import LIMITABLE_ROLES, Perm, Role, assignable_roles, is_client_role
from tenants.services import audit
from tenants.services.access import get_visible_client, require
from tenants.services.tokens import hash_secret, new_secret
from tenants.services.validation import clean_email, clean_name, clean_password


def _check_assignable(actor_membership: Membership, role: str) -> Role:
    try:
        wanted = Role(role)
    except ValueError as exc:
        raise Invalid(N_("Unknown role."), field="role") from exc
    if wanted not in assignable_roles(actor_membership.role):
        raise Forbidden(N_("Your role cannot give the role %(role)s."), field="role", role=wanted.value)
    return wanted


def _clients_for_limit(*, session: Session, membership: Membership, client_ids: list[int]) -> list[Client]:
    return [get_visible_client(session=session, membership=membership, client_id=cid) for cid in client_ids]


def invite(
    *,
    session: Session,
    agency_id: int,
    membership: Membership,
    actor: User,
    email: str,
    role: str,
    client_id: int | None = None,
    limited_client_ids: list[int] | None = None,
    ttl_hours: int = 72,
) -> tuple[Invitation, str]:
    """Create an invitation and return it with the one-time token to put in the emailed link."""
    wanted = _check_assignable(membership, role)
    email = clean_email(email)
    if is_client_role(wanted):
        require(membership, Perm.CONTACTS_MANAGE)
        if client_id is None:
            raise Invalid(N_("Choose the client this contact belongs to."), field="client_id")
        client_id = get_visible_client(session=session, membership=membership, client_id=client_id).id
        limited_client_ids = None
    else:
        require(membership, Perm.STAFF_MANAGE)
        client_id = None
        if limited_client_ids and wanted in LIMITABLE_ROLES:
            limited_client_ids = [
                c.id
                for c in _clients_for_limit(
                    session=session, membership=membership, client_ids=limited_client_ids
                )
            ]
        else:
            limited_client_ids = None
    existing = session.scalars(select(User).where(User.email == email)).first()
    if (
        existing is not None
        and session.scalars(
            select(Membership).where(Membership.user_id == existing.id, Membership.agency_id == agency_id)
        ).first()
    ):
        raise Conflict(N_("This person is already a member of the agency."), field="email")
    # A new invitation replaces any still-open one for the same address.
    for stale in session.scalars(
        select(Invitation).where(
            Invitation.agency_id == agency_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        stale.revoked_at = utcnow()
    token = new_secret()
    invitation = Invitation(
        agency_id=agency_id,
        client_id=client_id,
        email=email,
        role=wanted.value,
        limited_client_ids=limited_client_ids,
        token_hash=hash_secret(token),
        invited_by_id=actor.id,
        expires_at=utcnow() + timedelta(hours=ttl_hours),
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        action="member.invited",
        actor=actor,
        target_type="invitation",
        target_id=invitation.id,
        details={"email": email, "role": wanted.value},
    )
    return invitation, token


def find_invitation(*, session: Session, token: str) -> Invitation:
    """The open invitation for a token; Gone if expired, used or revoked, NotFound if unknown."""
    invitation = session.scalars(
        select(Invitation).where(Invitation.token_hash == hash_secret(token))
    ).first()
    if invitation is None:
        raise NotFound(N_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise Gone(N_("This invitation was already used. Log in instead."))
    if invitation.revoked_at is not None or invitation.expires_at < utcnow():
        raise Gone(N_("This invitation has expired. Ask for a new one."))
    if invitation.client_id is not None:
        client = session.get(Client, invitation.client_id)
        if client is None or client.deleted_at is not None:
            raise Gone(N_("This invitation has expired. Ask for a new one."))
    return invitation


def accept_invitation(
    *,
    session: Session,
    hasher: PasswordHasher,
    token: str,
    name: str = "",
    password: str | None = None,
    locale: str | None = None,
    logged_in: User | None = None,
) -> User:
    """Turn an invitation into a membership; a new email gets an account, a known one must be logged in."""
    invitation = find_invitation(session=session, token=token)
    user = session.scalars(select(User).where(User.email == invitation.email)).first()
    if user is not None:
        # Never take a password here: that would be a login form without the login's rate limits.
        if logged_in is None or logged_in.id != user.id:
            raise Forbidden(N_("Log in as %(email)s to accept this invitation."), email=invitation.email)
        if session.scalars(
            select(Membership.id).where(
                Membership.user_id == user.id, Membership.agency_id == invitation.agency_id
            )
        ).first():
            raise Conflict(N_("You are already a member of this agency."))
    else:
        password = clean_password(password)
        user = User(
            email=invitation.email,
            name=clean_name(name) if name else "",
            password_hash=hasher.hash(password),
            locale=locale,
        )
        session.add(user)
        flush_or_conflict(session, message=N_("This invitation was already used. Log in instead."))
    membership = Membership(
        user_id=user.id,
        agency_id=invitation.agency_id,
        role=invitation.role,
        client_id=invitation.client_id,
        limited=bool(invitation.limited_client_ids),
    )
    if invitation.limited_client_ids:
        membership.limited_clients = list(
            session.scalars(
                select(Client).where(
                    Client.id.in_(invitation.limited_client_ids),
                    Client.agency_id == invitation.agency_id,
                    Client.deleted_at.is_(None),
                )
            )
        )
    session.add(membership)
    invitation.accepted_at = utcnow()
    flush_or_conflict(session, message=N_("You are already a member of this agency."))
    audit.record(
        session=session,
        agency_id=invitation.agency_id,
        client_id=invitation.client_id,
        action="member.joined",
        actor=user,
        target_type="membership",
        target_id=membership.id,
        details={"role": invitation.role},
    )
    return user


def list_members(*, session: Session, agency_id: int, client_id: int | None = None) -> list[Membership]:
    """Memberships of an agency (or the contacts of one client), by email."""
    query = select(Membership).join(User).where(Membership.agency_id == agency_id)
    if client_id is not None:
        query = query.where(Membership.client_id == client_id)
    return list(session.scalars(query.order_by(User.email)))


def list_open_invitations(
    *, session: Session, agency_id: int, client_id: int | None = None
) -> list[Invitation]:
    """Invitations not yet accepted, revoked or expired."""
    query = select(Invitation).where(
        Invitation.agency_id == agency_id,
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow(),
    )
    if client_id is not None:
        query = query.where(Invitation.client_id == client_id)
    return list(session.scalars(query.order_by(Invitation.id.desc())))


def _member_of_agency(*, session: Session, agency_id: int, membership_id: int) -> Membership:
    target = session.get(Membership, membership_id)
    if target is None or target.agency_id != agency_id:
        raise NotFound(N_("Member not found."))
    return target


def _owners_left(*, session: Session, agency_id: int, without: int) -> int:
    query = select(Membership.id).where(
        Membership.agency_id == agency_id, Membership.role == Role.OWNER.value, Membership.id != without
    )
    return len(list(session.scalars(query)))


def change_role(
    *,
    session: Session,
    agency_id: int,
    membership: Membership,
    actor: User,
    membership_id: int,
    role: str,
    limited_client_ids: list[int] | None = None,
) -> Membership:
    """Give a staff member another staff role, optionally limited to chosen clients."""
    require(membership, Perm.STAFF_MANAGE)
    target = _member_of_agency(session=session, agency_id=agency_id, membership_id=membership_id)
    wanted = _check_assignable(membership, role)
    if is_client_role(wanted) != is_client_role(target.role):
        raise Invalid(
            N_("Staff and client contacts cannot swap kinds; invite the person instead."), field="role"
        )
    _check_assignable(membership, target.role)
    if (
        target.role == Role.OWNER.value
        and wanted != Role.OWNER
        and not _owners_left(session=session, agency_id=agency_id, without=target.id)
    ):
        raise Conflict(N_("An agency needs at least one owner."), field="role")
    target.role = wanted.value
    if wanted in LIMITABLE_ROLES and limited_client_ids:
        target.limited = True
        target.limited_clients = _clients_for_limit(
            session=session, membership=membership, client_ids=limited_client_ids
        )
    else:
        target.limited = False
        target.limited_clients = []
    audit.record(
        session=session,
        agency_id=agency_id,
        action="member.role_changed",
        actor=actor,
        target_type="membership",
        target_id=target.id,
        details={"role": wanted.value, "clients": limited_client_ids or []},
    )
    session.flush()
    return target


def remove_member(
    *, session: Session, agency_id: int, membership: Membership, actor: User, membership_id: int
) -> None:
    """Take a person's access to the agency away."""
    target = _member_of_agency(session=session, agency_id=agency_id, membership_id=membership_id)
    if is_client_role(target.role):
        require(membership, Perm.CONTACTS_MANAGE)
        get_visible_client(session=session, membership=membership, client_id=target.client_id)
    else:
        require(membership, Perm.STAFF_MANAGE)
        _check_assignable(membership, target.role)
    if target.role == Role.OWNER.value and not _owners_left(
        session=session, agency_id=agency_id, without=target.id
    ):
        raise Conflict(N_("An agency needs at least one owner."))
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=target.client_id,
        action="member.removed",
        actor=actor,
        target_type="membership",
        target_id=target.id,
        details={"email": target.user.email, "role": target.role},
    )
    session.delete(target)
    session.flush()


def revoke_invitation(
    *, session: Session, agency_id: int, membership: Membership, actor: User, invitation_id: int
) -> None:
    """Cancel an invitation before it is used."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.agency_id != agency_id:
        raise NotFound(N_("Invitation not found."))
    if invitation.client_id is not None:
        require(membership, Perm.CONTACTS_MANAGE)
        get_visible_client(session=session, membership=membership, client_id=invitation.client_id)
    else:
        require(membership, Perm.STAFF_MANAGE)
        _check_assignable(membership, invitation.role)
    invitation.revoked_at = utcnow()
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=invitation.client_id,
        action="member.invitation_revoked",
        actor=actor,
        target_type="invitation",
        target_id=invitation.id,
    )
    session.flush()
