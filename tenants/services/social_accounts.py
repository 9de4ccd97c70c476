"""Connected accounts: save a grant (connect or reconnect), flag for reconnection, refresh, disconnect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.crypto import TokenCipher
from tenants.db import flush_or_conflict
from tenants.errors import N_, Conflict, NotFound
from tenants.models import Client, MastodonApp, Notification, SocialAccount, User, utcnow
from tenants.services import audit, notifications


@dataclass(frozen=True)
class GrantedAccount:
    """An account a person just authorised, with its tokens in the clear (never stored like this)."""

    remote_id: str
    handle: str
    display_name: str
    kind: str
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Credentials:
    """What a connector needs to act as the account (decrypted on demand, never logged)."""

    remote_id: str
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    extra: dict

    def __repr__(self) -> str:
        return f"Credentials(remote_id={self.remote_id!r}, tokens=<hidden>)"


def list_accounts(
    *, session: Session, agency_id: int, client_id: int, include_disconnected: bool = False
) -> list[SocialAccount]:
    """A client's accounts, by network and handle."""
    query = select(SocialAccount).where(
        SocialAccount.agency_id == agency_id, SocialAccount.client_id == client_id
    )
    if not include_disconnected:
        query = query.where(SocialAccount.status != "disconnected")
    return list(session.scalars(query.order_by(SocialAccount.network, SocialAccount.handle)))


def get_account(*, session: Session, agency_id: int, client_id: int, account_id: int) -> SocialAccount:
    """One of the client's accounts; NotFound for anyone else's."""
    account = session.get(SocialAccount, account_id)
    if account is None or account.agency_id != agency_id or account.client_id != client_id:
        raise NotFound(N_("Account not found."))
    return account


def save_granted(
    *,
    session: Session,
    cipher: TokenCipher,
    agency_id: int,
    client_id: int,
    network: str,
    granted: GrantedAccount,
    actor: User | None = None,
    actor_label: str | None = None,
    via: str = "staff",
    onboarding_link_id: int | None = None,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> tuple[SocialAccount, bool]:
    """Store a grant; returns the account and whether it was a reconnect of a known one."""
    account = session.scalars(
        select(SocialAccount).where(
            SocialAccount.agency_id == agency_id,
            SocialAccount.network == network,
            SocialAccount.remote_id == granted.remote_id,
        )
    ).first()
    if account is not None and account.client_id != client_id and account.status != "disconnected":
        # The other client is not named: onboarding visitors must learn nothing about other clients.
        raise Conflict(
            N_("%(handle)s is already connected to another client of the agency."), handle=granted.handle
        )
    reconnect = account is not None and account.client_id == client_id and account.status != "disconnected"
    if account is None:
        account = SocialAccount(
            agency_id=agency_id, client_id=client_id, network=network, remote_id=granted.remote_id
        )
        session.add(account)
    previous_refresh = account.refresh_token_enc
    account.client_id = client_id
    account.handle = granted.handle
    account.display_name = granted.display_name
    account.kind = granted.kind
    account.access_token_enc = cipher.encrypt(granted.access_token)
    # A network that did not re-send a refresh token did not revoke it: keep the one we have.
    account.refresh_token_enc = (
        cipher.encrypt(granted.refresh_token) if granted.refresh_token else previous_refresh
    )
    account.token_expires_at = granted.expires_at
    account.scopes = list(granted.scopes)
    account.extra = {**(account.extra or {}), **granted.extra}
    account.status = "connected"
    account.status_reason = None
    account.disconnected_at = None
    account.connected_at = utcnow()
    account.connected_via = via
    account.onboarding_link_id = onboarding_link_id
    flush_or_conflict(session, message=N_("This account was just connected by someone else."))
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        action="account.reconnected" if reconnect else "account.connected",
        actor=actor,
        actor_label=actor_label,
        target_type="social_account",
        target_id=account.id,
        details={
            "network": network,
            "handle": granted.handle,
            "via": via,
            **({"user_agent": user_agent[:200]} if user_agent else {}),
        },
        ip_address=ip_address,
    )
    return account, reconnect


def credentials(*, cipher: TokenCipher, account: SocialAccount) -> Credentials:
    """Decrypted credentials for a connector call."""
    return Credentials(
        remote_id=account.remote_id,
        access_token=cipher.decrypt(account.access_token_enc) or "",
        refresh_token=cipher.decrypt(account.refresh_token_enc),
        expires_at=account.token_expires_at,
        extra=dict(account.extra or {}),
    )


def record_refresh(
    *,
    session: Session,
    cipher: TokenCipher,
    account: SocialAccount,
    access_token: str,
    refresh_token: str | None,
    expires_at: datetime | None,
) -> None:
    """Store refreshed tokens (a rotated refresh token replaces the old one; none sent keeps it)."""
    account.access_token_enc = cipher.encrypt(access_token)
    if refresh_token:
        account.refresh_token_enc = cipher.encrypt(refresh_token)
    account.token_expires_at = expires_at
    account.last_refreshed_at = utcnow()
    session.flush()


def mark_needs_reconnect(*, session: Session, account: SocialAccount, reason: str) -> list[Notification]:
    """Flag the account and tell the client's managers and contacts, once per incident."""
    if account.status == "needs_reconnect":
        return []
    account.status = "needs_reconnect"
    account.status_reason = reason[:500]
    client = session.get(Client, account.client_id)
    created = notifications.notify_client_team(
        session=session,
        agency_id=account.agency_id,
        client_id=account.client_id,
        kind="account.needs_reconnect",
        params={"handle": account.handle, "network": account.network, "reason": reason[:300]},
        link=f"/c/{client.slug}/accounts" if client else None,
        include_contacts=True,
    )
    audit.record(
        session=session,
        agency_id=account.agency_id,
        client_id=account.client_id,
        action="account.needs_reconnect",
        actor_label="system",
        target_type="social_account",
        target_id=account.id,
        details={"reason": reason[:300]},
    )
    session.flush()
    return created


def disconnect(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    account_id: int,
    actor: User | None = None,
    actor_label: str | None = None,
) -> SocialAccount:
    """Forget the tokens (history stays); the caller revokes at the network first where it can."""
    account = get_account(session=session, agency_id=agency_id, client_id=client_id, account_id=account_id)
    account.access_token_enc = None
    account.refresh_token_enc = None
    account.token_expires_at = None
    account.status = "disconnected"
    account.disconnected_at = utcnow()
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        action="account.disconnected",
        actor=actor,
        actor_label=actor_label,
        target_type="social_account",
        target_id=account.id,
        details={"network": account.network, "handle": account.handle},
    )
    session.flush()
    return account


def account_as_dict(account: SocialAccount) -> dict[str, object]:
    """The public JSON shape of an account (never any token)."""
    return {
        "id": account.id,
        "client_id": account.client_id,
        "network": account.network,
        "kind": account.kind,
        "handle": account.handle,
        "display_name": account.display_name,
        "status": account.status,
        "status_reason": account.status_reason,
        "connected_via": account.connected_via,
        "connected_at": account.connected_at.isoformat() if account.connected_at else None,
    }


def find_mastodon_app(*, session: Session, cipher: TokenCipher, instance: str) -> tuple[str, str] | None:
    """Stored (client_id, client_secret) of Cadenza's app at a Mastodon instance."""
    app = session.scalars(select(MastodonApp).where(MastodonApp.instance == instance)).first()
    return (app.client_id, cipher.decrypt(app.client_secret_enc) or "") if app else None


def save_mastodon_app(
    *,
    session: Session,
    cipher: TokenCipher,
    instance: str,
    redirect_uri: str,
    client_id: str,
    client_secret: str,
) -> None:
    """Remember the app registered at an instance."""
    session.add(
        MastodonApp(
            instance=instance,
            redirect_uri=redirect_uri,
            client_id=client_id,
            client_secret_enc=cipher.encrypt(client_secret),
        )
    )
    flush_or_conflict(session, message=N_("Try again: the instance was just registered."))


def rotate_keys(*, session: Session, cipher: TokenCipher) -> int:
    """Re-encrypt every stored secret under the newest key; returns how many values changed."""
    from tenants.models import InboxSettings, PendingConnection

    count = 0
    for account in session.scalars(select(SocialAccount)):
        for column in ("access_token_enc", "refresh_token_enc"):
            value = getattr(account, column)
            if value:
                setattr(account, column, cipher.rotate(value))
                count += 1
    for app in session.scalars(select(MastodonApp)):
        app.client_secret_enc = cipher.rotate(app.client_secret_enc)
        count += 1
    for pending in session.scalars(select(PendingConnection).where(PendingConnection.used_at.is_(None))):
        pending.payload_enc = cipher.rotate(pending.payload_enc)
        count += 1
    for inbox in session.scalars(select(InboxSettings).where(InboxSettings.crisis_webhook_enc.is_not(None))):
        inbox.crisis_webhook_enc = cipher.rotate(inbox.crisis_webhook_enc)
        count += 1
    session.flush()
    return count
