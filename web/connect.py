"""The connect flow of staff and onboarding links: start OAuth, finish it once, save what was picked."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime

from flask import request, session, url_for
from flask_login import current_user

from tenants.crypto import TokenCipher
from tenants.errors import N_, DomainError, Gone, Invalid
from tenants.models import Client
from tenants.services import onboarding, pending, social_accounts
from tenants.services.social_accounts import GrantedAccount
from tenants.services.tokens import hash_secret
from web.context import db, redis, settings
from worker.accounts import connector_for_account, credentials_for
from worker.networks.base import Connector
from worker.networks.errors import ConnectorError
from worker.networks.registry import get_connector
from worker.networks.types import AppCredentials, DiscoveredAccount, TokenSet
from worker.webhook_setup import install_on_page

STATE_TTL_SECONDS = 600


class FlowError(DomainError):
    """A connect attempt that cannot go on; the message says why in the user's words."""

    code = "connect_failed"
    status = 400


@dataclass(frozen=True)
class Actor:
    """Who is connecting: a logged-in staff member, or the holder of an onboarding link."""

    user_id: int | None = None
    link_id: int | None = None


def cipher() -> TokenCipher:
    """The token cipher built from settings."""
    return TokenCipher.from_settings(settings())


def redirect_uri(network: str) -> str:
    """The callback URL registered with the network."""
    return settings().base_url + url_for("oauth.callback", network=network)


_HOST_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalise_instance(raw: str) -> str:
    """'https://Mastodon.Social/' -> 'mastodon.social'; only public DNS names (Cadenza calls them itself)."""
    host = (raw or "").strip().lower().removeprefix("https://").removeprefix("http://").split("/")[0]
    if not _HOST_RE.match(host):
        # No ports, no IP literals, no userinfo: the server fetches this address, so it must be a plain name.
        raise Invalid(N_("Enter the instance's address, such as mastodon.social."), field="instance")
    if not settings().uses_sandbox and not _resolves_publicly(host):
        raise Invalid(N_("This Mastodon instance cannot be reached from here."), field="instance")
    return host


def _resolves_publicly(host: str) -> bool:
    """True when every address of the name is a public one (no internal services reachable by a trick)."""
    try:
        infos = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


def connector_for(network: str, *, instance: str | None = None) -> Connector:
    """A connector for the network; for Mastodon, registered at the instance (once per instance)."""
    if network != "mastodon":
        return get_connector(network, settings=settings())
    found = social_accounts.find_mastodon_app(session=db(), cipher=cipher(), instance=instance)
    if found is None:
        bootstrap = get_connector("mastodon", settings=settings(), instance=instance)
        app = bootstrap.register_app(redirect_uri=redirect_uri("mastodon"))
        social_accounts.save_mastodon_app(
            session=db(),
            cipher=cipher(),
            instance=instance,
            redirect_uri=redirect_uri("mastodon"),
            client_id=app.client_id,
            client_secret=app.client_secret,
        )
        db().commit()
        found = (app.client_id, app.client_secret)
    return get_connector(
        "mastodon",
        settings=settings(),
        instance=instance,
        app=AppCredentials(client_id=found[0], client_secret=found[1]),
    )


def _attempt_key(state: str) -> str:
    return f"cadenza:oauth-attempt:{hash_secret(state)}"


def start(
    *,
    network: str,
    client: Client,
    actor: Actor,
    instance: str | None = None,
    reconnect_account_id: int | None = None,
    onboarding_token: str | None = None,
) -> str:
    """Record the attempt server-side (single use, 10 minutes) and return the network's authorize URL."""
    if network == "mastodon":
        instance = normalise_instance(instance or "")
    connector = connector_for(network, instance=instance)
    state = secrets.token_urlsafe(32)
    request = connector.authorization_request(redirect_uri=redirect_uri(network), state=state)
    # The attempt is bound to this browser: the callback must come with the same session.
    binding = session.setdefault("oauth_binding", secrets.token_urlsafe(16))
    attempt = {
        "network": network,
        "agency_id": client.agency_id,
        "client_id": client.id,
        "user_id": actor.user_id,
        "link_id": actor.link_id,
        "onboarding_token": onboarding_token,
        "instance": instance,
        "verifier": request.code_verifier,
        "reconnect": reconnect_account_id,
        "binding": binding,
    }
    redis().set(_attempt_key(state), json.dumps(attempt), ex=STATE_TTL_SECONDS)
    return request.url


def take_state(state: str, network: str) -> dict:
    """The attempt for a callback's state, consumed atomically so it can never be replayed."""
    raw = redis().getdel(_attempt_key(state or "-"))
    attempt = json.loads(raw) if raw else None
    if attempt is None or attempt["network"] != network or attempt["binding"] != session.get("oauth_binding"):
        raise Gone(N_("This sign-in attempt is unknown, expired or already used. Start again from Cadenza."))
    return attempt


def finish(*, context: dict, code: str) -> tuple[TokenSet, list[DiscoveredAccount]]:
    """Exchange the code (once) and discover the accounts it reaches; checks the granted permissions."""
    network = context["network"]
    connector = connector_for(network, instance=context.get("instance"))
    try:
        tokens = connector.exchange_code(
            code=code, redirect_uri=redirect_uri(network), code_verifier=context.get("verifier")
        )
        missing = [s for s in connector.scopes if tokens.scopes and s not in tokens.scopes]
        if missing:
            raise FlowError(
                N_(
                    "Some permissions were not granted (%(missing)s). Connect again and allow them all: "
                    "Cadenza needs them to publish and answer for the client."
                ),
                missing=", ".join(missing),
            )
        accounts = connector.discover_accounts(tokens)
    except ConnectorError as exc:
        raise FlowError(N_("The network refused the connection: %(reason)s"), reason=exc.reason) from exc
    if not accounts:
        raise FlowError(
            N_("This login gives access to no account Cadenza can manage (for Facebook: no Page).")
        )
    if context.get("reconnect"):
        account = social_accounts.get_account(
            session=db(),
            agency_id=context["agency_id"],
            client_id=context["client_id"],
            account_id=context["reconnect"],
        )
        accounts = [a for a in accounts if a.remote_id == account.remote_id]
        if not accounts:
            raise FlowError(
                N_(
                    "You signed in as a different account than %(handle)s. Sign in as that account to "
                    "reconnect it."
                ),
                handle=account.handle,
            )
    return tokens, accounts


def granted(tokens: TokenSet, account: DiscoveredAccount) -> GrantedAccount:
    """What to store for one discovered account (its own token when it has one, e.g. a Facebook page)."""
    return GrantedAccount(
        remote_id=account.remote_id,
        handle=account.handle,
        display_name=account.display_name,
        kind=account.kind,
        access_token=account.access_token or tokens.access_token,
        refresh_token=tokens.refresh_token if not account.access_token else None,
        expires_at=tokens.expires_at if not account.access_token else None,
        scopes=tokens.scopes,
        extra={**tokens.extra, **account.extra},
    )


def to_payload(tokens: TokenSet, accounts: list[DiscoveredAccount]) -> dict:
    """JSON-able form of an exchange result, for the picker."""
    return {
        "accounts": [
            {
                "remote_id": a.remote_id,
                "handle": a.handle,
                "display_name": a.display_name,
                "kind": a.kind,
                "access_token": granted(tokens, a).access_token,
                "refresh_token": granted(tokens, a).refresh_token,
                "expires_at": tokens.expires_at.isoformat()
                if tokens.expires_at and not a.access_token
                else None,
                "scopes": list(tokens.scopes),
                "extra": {**tokens.extra, **a.extra},
            }
            for a in accounts
        ]
    }


def from_payload(item: dict) -> GrantedAccount:
    """One picked account back from the payload."""
    expires = item.get("expires_at")
    return GrantedAccount(
        remote_id=item["remote_id"],
        handle=item["handle"],
        display_name=item["display_name"],
        kind=item["kind"],
        access_token=item["access_token"],
        refresh_token=item.get("refresh_token"),
        expires_at=datetime.fromisoformat(expires) if expires else None,
        scopes=tuple(item.get("scopes", [])),
        extra=item.get("extra", {}),
    )


def hold_for_picker(*, context: dict, tokens: TokenSet, accounts: list[DiscoveredAccount]) -> str:
    """Park the exchange result until the person picks; returns the picker key."""
    return pending.hold(
        session=db(),
        cipher=cipher(),
        agency_id=context["agency_id"],
        client_id=context["client_id"],
        network=context["network"],
        payload=to_payload(tokens, accounts),
        user_id=context.get("user_id"),
        onboarding_link_id=context.get("link_id"),
    )


def save(*, network: str, client: Client, items: list[GrantedAccount], actor: Actor, ip: str | None) -> list:
    """Store the picked accounts (all or nothing: the caller commits), counted on the onboarding link."""
    if actor.link_id:
        link = onboarding.get_link(session=db(), agency_id=client.agency_id, link_id=actor.link_id)
        if onboarding.link_state(link) != "open" or link.client_id != client.id:
            raise FlowError(N_("This link no longer works. Ask the agency for a new one."))
        if link.accounts_connected + len(items) > link.max_accounts:
            raise FlowError(N_("This link allows %(n)s accounts in all."), n=link.max_accounts)
    saved = []
    user = current_user if actor.user_id and current_user.is_authenticated else None
    for item in items:
        account, _reconnected = social_accounts.save_granted(
            session=db(),
            cipher=cipher(),
            agency_id=client.agency_id,
            client_id=client.id,
            network=network,
            granted=item,
            actor=user,
            actor_label=None if user else "client via onboarding link",
            via="onboarding" if actor.link_id else "staff",
            onboarding_link_id=actor.link_id,
            ip_address=ip,
            user_agent=request.headers.get("User-Agent"),
        )
        saved.append(account)
        install_on_page(settings=settings(), session=db(), cipher=cipher(), account=account)
    if actor.link_id:
        onboarding.record_connected(session=db(), link=link, count=len(items))
    return saved


def bluesky_session(*, handle: str, app_password: str) -> tuple[TokenSet, DiscoveredAccount]:
    """Log in to Bluesky with an app password (resolving the handle to its PDS)."""
    connector = get_connector("bluesky", settings=settings())
    try:
        return connector.create_session(handle=handle.strip().lstrip("@"), app_password=app_password.strip())
    except ConnectorError as exc:
        raise FlowError(N_("Bluesky refused the login: %(reason)s"), reason=exc.reason) from exc


def seen_onboarding(link_id: int) -> bool:
    """True if this browser session already opened the link (the audit log records each visitor once)."""
    seen = set(session.get("onboarding_seen", []))
    if link_id in seen:
        return True
    session["onboarding_seen"] = sorted(seen | {link_id})[-10:]
    return False


def save_picked(*, key: str, client: Client, actor: Actor, chosen_ids: list[str], ip: str | None) -> list:
    """Use up a held exchange result and save the accounts the person ticked (none ticked: nothing saved)."""
    network, payload = pending.take(
        session=db(),
        cipher=cipher(),
        key=key,
        agency_id=client.agency_id,
        client_id=client.id,
        user_id=actor.user_id,
        onboarding_link_id=actor.link_id,
    )
    chosen = [from_payload(a) for a in payload["accounts"] if a["remote_id"] in chosen_ids]
    return save(network=network, client=client, items=chosen, actor=actor, ip=ip) if chosen else []


def revoke_at_network(account) -> None:
    """Ask the network to revoke the account's token; a failure there does not stop a disconnect."""
    if not account.access_token_enc:
        return
    # Revoking is a courtesy to the network; Cadenza deletes the tokens regardless of its answer.
    with contextlib.suppress(ConnectorError, NotImplementedError):
        connector = connector_for_account(settings=settings(), session=db(), cipher=cipher(), account=account)
        connector.revoke(credentials_for(cipher=cipher(), account=account))
