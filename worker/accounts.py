"""From a stored account to a ready connector and its credentials (decrypting only here, in the worker)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tenants.crypto import TokenCipher
from tenants.models import SocialAccount
from tenants.services import social_accounts
from tenants.settings import Settings
from worker.networks.base import Connector
from worker.networks.registry import get_connector
from worker.networks.types import AccountCredentials, AppCredentials


def instance_of(account: SocialAccount) -> str | None:
    """The Mastodon instance host of an account ('social.example'), else None."""
    if account.network != "mastodon":
        return None
    return (account.extra or {}).get("instance_url", "").rstrip("/").rsplit("/", 1)[-1] or None


def connector_for_account(
    *, settings: Settings, session: Session, cipher: TokenCipher, account: SocialAccount
) -> Connector:
    """The connector that acts for this account (Mastodon: with the instance's stored app)."""
    if account.network != "mastodon":
        return get_connector(account.network, settings=settings)
    instance = instance_of(account)
    found = social_accounts.find_mastodon_app(session=session, cipher=cipher, instance=instance)
    app = AppCredentials(client_id=found[0], client_secret=found[1]) if found else None
    return get_connector("mastodon", settings=settings, instance=instance, app=app)


def credentials_for(*, cipher: TokenCipher, account: SocialAccount) -> AccountCredentials:
    """Decrypted credentials in the connectors' shape."""
    creds = social_accounts.credentials(cipher=cipher, account=account)
    return AccountCredentials(
        remote_id=creds.remote_id,
        access_token=creds.access_token,
        refresh_token=creds.refresh_token,
        expires_at=creds.expires_at,
        extra=creds.extra,
    )
