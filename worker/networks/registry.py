"""Network name -> connector class; adding a network is one module plus an entry here."""

from __future__ import annotations

import importlib
import os
import ssl
import threading
from functools import lru_cache
from http.cookiejar import CookieJar, DefaultCookiePolicy

import certifi
import httpx

from tenants.settings import Settings
from worker.networks.base import Connector
from worker.networks.egress import public_only_transport
from worker.networks.endpoints import app_credentials, endpoints_for

CONNECTORS = {
    "facebook": "worker.networks.facebook:FacebookConnector",
    "instagram": "worker.networks.instagram:InstagramConnector",
    "linkedin": "worker.networks.linkedin:LinkedInConnector",
    "x": "worker.networks.x:XConnector",
    "mastodon": "worker.networks.mastodon:MastodonConnector",
    "bluesky": "worker.networks.bluesky:BlueskyConnector",
}


def connector_class(network: str) -> type[Connector]:
    """The connector class for a network (imported on first use)."""
    module_name, _, class_name = CONNECTORS[network].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every client: loading the CA bundle costs ~17 ms each time."""
    return ssl.create_default_context(cafile=certifi.where())


_SHARED: dict[tuple, httpx.Client] = {}
_SHARED_LOCK = threading.Lock()


def shared_http_client(settings: Settings) -> httpx.Client:
    """This process's httpx client: its connection pool is reused by every connector and thread."""
    # Keyed by process too: a forked child must not share the parent's open sockets.
    key = (os.getpid(), settings.network_timeout_seconds, settings.uses_sandbox)
    with _SHARED_LOCK:
        client = _SHARED.get(key)
        if client is None:
            client = _SHARED[key] = make_http_client(settings)
        return client


def make_http_client(settings: Settings) -> httpx.Client:
    """An httpx client with Cadenza's timeouts and user agent."""
    timeout = httpx.Timeout(
        settings.network_timeout_seconds, connect=min(5.0, settings.network_timeout_seconds)
    )
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
    # Live networks are public hosts, some named by users (Mastodon, Bluesky PDS): never reach inside.
    transport = None if settings.uses_sandbox else public_only_transport(tls_context(), limits)
    return httpx.Client(
        timeout=timeout,
        limits=limits,
        headers={"User-Agent": "Cadenza/0.1 (+https://cadenza.example)"},
        follow_redirects=False,
        # The client is shared by every account of the process: a cookie one account's call received
        # must never ride along on another's.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        transport=transport,
        verify=tls_context(),
    )


def get_connector(
    network: str,
    *,
    settings: Settings,
    http: httpx.Client | None = None,
    instance: str | None = None,
    app: object | None = None,
) -> Connector:
    """A ready connector; Mastodon needs the instance and that instance's app credentials."""
    cls = connector_class(network)
    return cls(
        endpoints=endpoints_for(settings, network, instance=instance),
        app=app or app_credentials(settings, network),
        http=http or shared_http_client(settings),
    )
