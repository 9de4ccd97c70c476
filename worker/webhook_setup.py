"""Setting up the networks' webhooks: Cadenza's app subscribed once, each Facebook page installing it.

Best effort everywhere: without webhooks the periodic reads still bring every item in, only later.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.crypto import TokenCipher
from tenants.models import SocialAccount
from tenants.settings import Settings
from worker.accounts import connector_for_account, credentials_for
from worker.networks.errors import ConnectorError
from worker.networks.registry import get_connector

log = logging.getLogger("cadenza.webhooks")


def subscribe_meta(settings: Settings, *, callback_url: str, verify_token: str) -> None:
    """Subscribe the Facebook app to page events at `callback_url` (raises ConnectorError when refused)."""
    get_connector("facebook", settings=settings).subscribe_webhooks(
        callback_url=callback_url, verify_token=verify_token
    )


def install_on_page(
    *, settings: Settings, session: Session, cipher: TokenCipher, account: SocialAccount
) -> bool:
    """Install the app on a connected Facebook page; False (logged) when the network refuses."""
    if account.network != "facebook" or not account.is_active:
        return False
    connector = connector_for_account(settings=settings, session=session, cipher=cipher, account=account)
    try:
        connector.install_webhooks(credentials_for(cipher=cipher, account=account))
    except ConnectorError as exc:
        log.warning("webhooks not installed on page %s: %s", account.remote_id, exc.reason)
        return False
    return True


def install_on_every_page(*, settings: Settings, session: Session) -> int:
    """Install the app on every connected Facebook page; returns on how many it worked."""
    cipher = TokenCipher.from_settings(settings)
    pages = session.scalars(
        select(SocialAccount).where(SocialAccount.network == "facebook", SocialAccount.status == "connected")
    ).all()
    return sum(
        install_on_page(settings=settings, session=session, cipher=cipher, account=page) for page in pages
    )
