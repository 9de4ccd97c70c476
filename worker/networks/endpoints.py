"""Base URLs of each network: the real hosts in live mode, the sandbox's prefixes otherwise."""

from __future__ import annotations

from tenants.settings import Settings
from worker.networks.types import AppCredentials

GRAPH_VERSION = "v21.0"

LIVE = {
    "facebook": {
        "authorize": f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth",
        "graph": f"https://graph.facebook.com/{GRAPH_VERSION}",
    },
    "instagram": {
        "authorize": f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth",
        "graph": f"https://graph.facebook.com/{GRAPH_VERSION}",
    },
    "linkedin": {
        "authorize": "https://www.linkedin.com/oauth/v2/authorization",
        "token": "https://www.linkedin.com/oauth/v2/accessToken",
        "revoke": "https://www.linkedin.com/oauth/v2/revoke",
        "api": "https://api.linkedin.com",
    },
    "x": {"authorize": "https://x.com/i/oauth2/authorize", "api": "https://api.x.com"},
    "mastodon": {},
    "bluesky": {"entryway": "https://bsky.social", "plc": "https://plc.directory"},
}


def sandbox_endpoints(base: str) -> dict[str, dict[str, str]]:
    """The same endpoints under the sandbox's per-network prefixes."""
    return {
        "facebook": {
            "authorize": f"{base}/meta/www/{GRAPH_VERSION}/dialog/oauth",
            "graph": f"{base}/meta/graph/{GRAPH_VERSION}",
        },
        "instagram": {
            "authorize": f"{base}/meta/www/{GRAPH_VERSION}/dialog/oauth",
            "graph": f"{base}/meta/graph/{GRAPH_VERSION}",
        },
        "linkedin": {
            "authorize": f"{base}/linkedin/www/oauth/v2/authorization",
            "token": f"{base}/linkedin/www/oauth/v2/accessToken",
            "revoke": f"{base}/linkedin/www/oauth/v2/revoke",
            "api": f"{base}/linkedin/api",
        },
        "x": {"authorize": f"{base}/x/www/i/oauth2/authorize", "api": f"{base}/x/api"},
        "mastodon": {},
        "bluesky": {"entryway": f"{base}/bluesky/entryway", "plc": f"{base}/bluesky/plc"},
    }


def mastodon_instance_url(settings: Settings, instance: str) -> str:
    """The base URL of a Mastodon instance named by the user (e.g. 'mastodon.social')."""
    host = instance.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")
    if settings.uses_sandbox:
        return f"{settings.sandbox_url}/mastodon/{host}"
    return f"https://{host}"


def endpoints_for(settings: Settings, network: str, *, instance: str | None = None) -> dict[str, str]:
    """Endpoints a connector calls."""
    table = sandbox_endpoints(settings.sandbox_url) if settings.uses_sandbox else LIVE
    endpoints = dict(table[network])
    if network == "mastodon" and instance:
        endpoints["instance"] = mastodon_instance_url(settings, instance)
    return endpoints


def app_credentials(settings: Settings, network: str) -> AppCredentials:
    """The agency's app at the network; the sandbox knows a fixed app per network."""
    if network in settings.network_apps:
        client_id, secret = settings.network_apps[network]
        return AppCredentials(client_id=client_id, client_secret=secret)
    if settings.uses_sandbox:
        return AppCredentials(
            client_id=f"cadenza-sandbox-{network}", client_secret=f"sandbox-secret-{network}"
        )
    return AppCredentials(client_id="", client_secret="")
