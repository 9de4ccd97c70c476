"""Cadenza's connectors on sandbox accounts, no database: to read back what the sandbox was told to say."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet

from sandbox.consent import authorize
from tenants.settings import Settings
from worker.networks.base import Connector
from worker.networks.registry import get_connector
from worker.networks.types import AccountCredentials, InboxItem, PublishRequest

REDIRECT = "http://127.0.0.1:5000/oauth/callback"
INSTANCE = "social.example"
# network -> (sandbox login, display name of the account to keep, or None for the first)
LOGINS = {
    "facebook": ("maria", "Trattoria Da Mario"),
    "instagram": ("maria", None),
    "x": ("brandx", None),
    "mastodon": ("brand", None),
    "linkedin": ("giulia", "Caseificio Bianchi"),
    "bluesky": ("brand.bsky.social", None),
}
BLUESKY_APP_PASSWORD = "abcd-efgh-ijkl-mnop"


def settings_for(sandbox_url: str, folder: Path) -> Settings:
    """Settings that point the connectors at this sandbox (no database or Redis is touched)."""
    return Settings(
        instance_path=folder,
        database_url="sqlite://",
        redis_url=None,
        secret_key="sandbox-tests",
        token_keys=(Fernet.generate_key().decode(),),
        sandbox_url=sandbox_url,
        network_timeout_seconds=5.0,
    )


def connect(settings: Settings, network: str) -> tuple[Connector, AccountCredentials]:
    """Connect the demo login's account on `network` as Cadenza would; the connector and its credentials."""
    login, pick = LOGINS[network]
    if network == "bluesky":
        connector = get_connector("bluesky", settings=settings)
        tokens, account = connector.create_session(handle=login, app_password=BLUESKY_APP_PASSWORD)
    else:
        options = {}
        if network == "mastodon":
            bootstrap = get_connector("mastodon", settings=settings, instance=INSTANCE)
            options = {"instance": INSTANCE, "app": bootstrap.register_app(redirect_uri=REDIRECT)}
        connector = get_connector(network, settings=settings, **options)
        request = connector.authorization_request(redirect_uri=REDIRECT, state="s")
        code = authorize(request.url, username=login)["code"]
        tokens = connector.exchange_code(
            code=code, redirect_uri=REDIRECT, code_verifier=request.code_verifier
        )
        account = next(a for a in connector.discover_accounts(tokens) if pick in (None, a.display_name))
    creds = AccountCredentials(
        remote_id=account.remote_id,
        access_token=account.access_token or tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        extra={**tokens.extra, **account.extra},
    )
    return connector, creds


def publish(connector: Connector, creds: AccountCredentials, text: str) -> str:
    """A post of the account (something to comment on); its remote id."""
    return connector.publish(creds, PublishRequest(text=text, idempotency_key=text)).remote_id


def inbox(connector: Connector, creds: AccountCredentials, kind: str) -> list[InboxItem]:
    """Every item of one kind the connector reads, all pages."""
    items, cursor = [], None
    while True:
        page = connector.read_inbox(creds, kind=kind, cursor=cursor)
        items += page.items
        if page.cursor is None:
            return items
        cursor = page.cursor
