"""Client onboarding links: no-login pages where a client connects their own accounts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenants.errors import N_, Conflict, Gone, Invalid, NotFound
from tenants.models import Client, Membership, OnboardingLink, User, utcnow
from tenants.networks import NETWORKS
from tenants.permissions import Perm
from tenants.services import audit, notifications
from tenants.services.access import get_visible_client, require
from tenants.services.tokens import hash_secret, new_secret

DEFAULT_DAYS = 7


def _clean(
    networks: list[str], days: int, max_accounts: int, message: str
) -> tuple[list[str], int, int, str]:
    chosen = [n for n in NETWORKS if n in set(networks or [])]
    if not chosen:
        raise Invalid(N_("Choose at least one network."), field="networks")
    if not 1 <= int(days) <= 90:
        raise Invalid(N_("A link can last from 1 to 90 days."), field="days")
    if not 1 <= int(max_accounts) <= 50:
        raise Invalid(N_("Allow from 1 to 50 accounts."), field="max_accounts")
    if len(message or "") > 2000:
        raise Invalid(N_("Use at most %(n)s characters."), field="message", n=2000)
    return chosen, int(days), int(max_accounts), (message or "").strip()


def create_link(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
    networks: list[str],
    days: int = DEFAULT_DAYS,
    max_accounts: int = 10,
    message: str = "",
    actor_label: str | None = None,
) -> tuple[OnboardingLink, str]:
    """A new link; the token is returned once and only its hash is stored."""
    require(membership, Perm.CONTACTS_MANAGE)
    get_visible_client(session=session, membership=membership, client_id=client_id)
    networks, days, max_accounts, message = _clean(networks, days, max_accounts, message)
    token = new_secret()  # 256 bits
    link = OnboardingLink(
        agency_id=agency_id,
        client_id=client_id,
        token_hash=hash_secret(token),
        networks=networks,
        max_accounts=max_accounts,
        message=message,
        created_by_id=actor.id if actor else None,
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(link)
    session.flush()
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        action="onboarding.created",
        actor=actor,
        actor_label=actor_label,
        target_type="onboarding_link",
        target_id=link.id,
        details={"networks": networks, "days": days, "max_accounts": max_accounts},
    )
    return link, token


def list_links(*, session: Session, agency_id: int, client_id: int) -> list[OnboardingLink]:
    """A client's links, newest first."""
    query = select(OnboardingLink).where(
        OnboardingLink.agency_id == agency_id, OnboardingLink.client_id == client_id
    )
    return list(session.scalars(query.order_by(OnboardingLink.id.desc())))


def get_link(
    *, session: Session, agency_id: int, link_id: int, client_id: int | None = None
) -> OnboardingLink:
    """One link of the agency (and of the client, when given)."""
    link = session.get(OnboardingLink, link_id)
    if link is None or link.agency_id != agency_id or (client_id is not None and link.client_id != client_id):
        raise NotFound(N_("Link not found."))
    return link


def revoke_link(
    *, session: Session, link: OnboardingLink, actor: User | None, actor_label: str | None = None
) -> None:
    """Stop a link from working."""
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        audit.record(
            session=session,
            agency_id=link.agency_id,
            client_id=link.client_id,
            action="onboarding.revoked",
            actor=actor,
            actor_label=actor_label,
            target_type="onboarding_link",
            target_id=link.id,
        )
    session.flush()


def regenerate_link(
    *, session: Session, link: OnboardingLink, membership: Membership, actor: User | None
) -> tuple[OnboardingLink, str]:
    """Revoke a link and make a fresh one with the same settings."""
    revoke_link(session=session, link=link, actor=actor)
    days = max(1, (link.expires_at - link.created_at).days)
    return create_link(
        session=session,
        agency_id=link.agency_id,
        client_id=link.client_id,
        membership=membership,
        actor=actor,
        networks=link.networks,
        days=days,
        max_accounts=link.max_accounts,
        message=link.message,
    )


def link_state(link: OnboardingLink) -> str:
    """open, expired, revoked, used_up or completed."""
    if link.revoked_at is not None:
        return "revoked"
    if link.completed_at is not None:
        return "completed"
    if link.expires_at < utcnow():
        return "expired"
    if link.accounts_connected >= link.max_accounts:
        return "used_up"
    return "open"


_CLOSED = {
    "revoked": N_("This link was withdrawn by the agency. Ask them for a new one."),
    "completed": N_(
        "You already finished with this link. Thank you! Ask the agency for a new one to add more."
    ),
    "expired": N_("This link has expired. Ask the agency for a new one."),
    "used_up": N_("This link has connected as many accounts as it allows. Ask the agency for a new one."),
}


def open_link(*, session: Session, token: str) -> tuple[OnboardingLink, Client]:
    """The usable link for a token and its client; NotFound or Gone (with a message for the page)."""
    link = session.scalars(
        select(OnboardingLink).where(OnboardingLink.token_hash == hash_secret(token))
    ).first()
    client = session.get(Client, link.client_id) if link else None
    if link is None or client is None or client.deleted_at is not None:
        raise NotFound(N_("This link is not valid."))
    state = link_state(link)
    if state != "open":
        raise Gone(_CLOSED[state])
    return link, client


def client_of_token(*, session: Session, token: str) -> Client | None:
    """The client a link belongs to, whatever the link's state (for branding its 'closed' page)."""
    link = session.scalars(
        select(OnboardingLink).where(OnboardingLink.token_hash == hash_secret(token))
    ).first()
    client = session.get(Client, link.client_id) if link else None
    return client if client is not None and client.deleted_at is None else None


def record_connected(*, session: Session, link: OnboardingLink, count: int = 1) -> None:
    """Count accounts connected through the link; one conditional UPDATE, so racing saves cannot overshoot."""
    result = session.execute(
        update(OnboardingLink)
        .where(
            OnboardingLink.id == link.id,
            OnboardingLink.revoked_at.is_(None),
            OnboardingLink.completed_at.is_(None),
            OnboardingLink.accounts_connected + count <= OnboardingLink.max_accounts,
        )
        .values(accounts_connected=OnboardingLink.accounts_connected + count)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(N_("This link allows %(n)s accounts in all."), n=link.max_accounts)
    session.refresh(link)


def complete(
    *, session: Session, link: OnboardingLink, client: Client, ip_address: str | None, user_agent: str | None
) -> list:
    """The client pressed Done: close the link and tell the agency."""
    link.completed_at = utcnow()
    audit.record(
        session=session,
        agency_id=link.agency_id,
        client_id=link.client_id,
        action="onboarding.completed",
        actor_label="client via onboarding link",
        target_type="onboarding_link",
        target_id=link.id,
        details={"accounts": link.accounts_connected, "user_agent": (user_agent or "")[:200]},
        ip_address=ip_address,
    )
    created = notifications.notify_client_team(
        session=session,
        agency_id=link.agency_id,
        client_id=link.client_id,
        kind="onboarding.completed",
        params={"client": client.name, "accounts": link.accounts_connected},
        link=f"/c/{client.slug}/accounts",
    )
    session.flush()
    return created


def link_as_dict(link: OnboardingLink) -> dict[str, object]:
    """The public JSON shape of a link (never the token)."""
    return {
        "id": link.id,
        "client_id": link.client_id,
        "networks": link.networks,
        "max_accounts": link.max_accounts,
        "message": link.message,
        "state": link_state(link),
        "accounts_connected": link.accounts_connected,
        "created_at": link.created_at.isoformat(),
        "expires_at": link.expires_at.isoformat(),
    }
