"""Connect sandbox accounts to the demo client, through the real connectors (for `make run`)."""

from __future__ import annotations

import logging

import httpx
from sqlalchemy import select

from sandbox.consent import authorize
from tenants.crypto import TokenCipher
from tenants.db import make_engine, make_session_factory
from tenants.demo import DEMO_CLIENT_SLUG
from tenants.demo_calendar import seed_demo_calendar
from tenants.models import Client
from tenants.services import social_accounts
from tenants.services.social_accounts import GrantedAccount
from tenants.settings import Settings
from worker.networks.errors import ConnectorError
from worker.networks.registry import get_connector
from worker.networks.types import AppCredentials, DiscoveredAccount, TokenSet
from worker.webhook_setup import install_on_every_page

log = logging.getLogger("cadenza.demo")
# network -> sandbox login (a Bluesky handle) owning the demo brand's account there, and which account to keep
DEMO_LOGINS = {
    "mastodon": ("brand", None),
    "x": ("brandx", None),
    "facebook": ("maria", "Trattoria Da Mario"),
    "instagram": ("maria", None),
    "linkedin": ("giulia", "Caseificio Bianchi"),
    "bluesky": ("brand.bsky.social", None),
}
# Bluesky logs in with app passwords, not OAuth: the sandbox's seeded ones.
BLUESKY_APP_PASSWORDS = {
    "brand.bsky.social": "abcd-efgh-ijkl-mnop",
    "cafe.bsky.social": "wxyz-wxyz-wxyz-wxyz",
}
DEMO_INSTANCE = "social.example"


def _oauth(
    settings: Settings, session, cipher: TokenCipher, network: str, username: str, instance: str
) -> tuple[TokenSet, list[DiscoveredAccount]]:
    redirect = f"{settings.base_url}/oauth/{network}/callback"
    if network == "mastodon":
        found = social_accounts.find_mastodon_app(session=session, cipher=cipher, instance=instance)
        if found is None:
            app = get_connector("mastodon", settings=settings, instance=instance).register_app(
                redirect_uri=redirect
            )
            social_accounts.save_mastodon_app(
                session=session,
                cipher=cipher,
                instance=instance,
                redirect_uri=redirect,
                client_id=app.client_id,
                client_secret=app.client_secret,
            )
            found = (app.client_id, app.client_secret)
        connector = get_connector(
            "mastodon", settings=settings, instance=instance, app=AppCredentials(*found)
        )
    else:
        connector = get_connector(network, settings=settings)
    request = connector.authorization_request(redirect_uri=redirect, state="demo")
    answer = authorize(request.url, username=username)
    tokens = connector.exchange_code(
        code=answer["code"], redirect_uri=redirect, code_verifier=request.code_verifier
    )
    return tokens, connector.discover_accounts(tokens)


def _grant(tokens: TokenSet, account: DiscoveredAccount) -> GrantedAccount:
    own = account.access_token is not None
    return GrantedAccount(
        remote_id=account.remote_id,
        handle=account.handle,
        display_name=account.display_name,
        kind=account.kind,
        access_token=account.access_token or tokens.access_token,
        refresh_token=None if own else tokens.refresh_token,
        expires_at=None if own else tokens.expires_at,
        scopes=tokens.scopes,
        extra={**tokens.extra, **account.extra},
    )


def connect_sandbox_account(
    settings: Settings,
    session,
    *,
    client: Client,
    network: str,
    username: str,
    pick: str | None = None,
    instance: str = DEMO_INSTANCE,
) -> str | None:
    """Connect one sandbox user's account on a network to a client, as its owner would; returns its handle.

    `username` logs in to the sandbox (on Bluesky: a handle with an app password); `pick` chooses among
    the accounts the login can manage by display name (default: the first); `instance` is the Mastodon
    host (the sandbox plays any).
    """
    cipher = TokenCipher.from_settings(settings)
    if network == "bluesky":
        tokens, account = get_connector("bluesky", settings=settings).create_session(
            handle=username, app_password=BLUESKY_APP_PASSWORDS[username]
        )
    else:
        tokens, accounts = _oauth(settings, session, cipher, network, username, instance)
        account = next((a for a in accounts if pick in (None, a.display_name)), None)
        if account is None:
            return None
    social_accounts.save_granted(
        session=session,
        cipher=cipher,
        agency_id=client.agency_id,
        client_id=client.id,
        network=network,
        granted=_grant(tokens, account),
        actor_label="demo",
        via="demo",
    )
    return f"{network}:{account.handle}"


def _warm_up_audience(settings: Settings, steps: int = 15) -> None:
    """Let the sandbox audience talk for a while, so the demo inbox has a history on first look."""
    try:
        httpx.post(f"{settings.sandbox_url}/_control/audience/tick", json={"steps": steps}, timeout=30)
    except httpx.HTTPError as exc:
        log.warning("demo audience not warmed up: %s", exc)


def connect_demo_accounts(settings: Settings) -> list[str]:
    """Give the demo client sandbox accounts once; returns the handles connected now."""
    engine = make_engine(settings)
    connected: list[str] = []
    with make_session_factory(engine)() as session:
        client = session.scalars(select(Client).where(Client.slug == DEMO_CLIENT_SLUG)).first()
        if client is None or social_accounts.list_accounts(
            session=session, agency_id=client.agency_id, client_id=client.id, include_disconnected=True
        ):
            return connected
        for network, (username, wanted) in DEMO_LOGINS.items():
            try:
                handle = connect_sandbox_account(
                    settings, session, client=client, network=network, username=username, pick=wanted
                )
            except (ConnectorError, RuntimeError, ImportError, KeyError) as exc:
                log.warning("demo %s account not connected: %s", network, exc)
                continue
            if handle:
                connected.append(handle)
        session.flush()
        install_on_every_page(settings=settings, session=session)
        _warm_up_audience(settings)
        seed_demo_calendar(session=session, client=client, settings=settings)
        session.commit()
    engine.dispose()
    return connected
