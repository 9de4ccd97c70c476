"""Meta's side of the sandbox tests: page tokens through the login dialog, Graph calls, app subscriptions."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

import httpx

from sandbox.consent import authorize
from sandbox.networks.meta.world import APPS

FB_APP, IG_APP = "cadenza-sandbox-facebook", "cadenza-sandbox-instagram"
TRATTORIA, GELATERIA = "200000000000001", "200000000000003"
TRATTORIA_IG = "17841400000000001"
REDIRECT = "http://127.0.0.1:5000/oauth/meta/callback"
PAGE_SCOPES = (
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_metadata",
    "pages_manage_engagement",
    "pages_messaging",
)
IG_SCOPES = (*PAGE_SCOPES, "instagram_basic", "instagram_manage_comments")


def graph(url: str, method: str, path: str, token: str, **params) -> httpx.Response:
    return httpx.request(method, f"{url}/meta/graph/v21.0/{path}", params={**params, "access_token": token})


def page_token(url: str, *, app: str = FB_APP, page: str = TRATTORIA, scopes=PAGE_SCOPES) -> str:
    """A page token of `app`, from maria's consent to `scopes` for `page`."""
    query = {"client_id": app, "redirect_uri": REDIRECT, "scope": ",".join(scopes), "state": "s"}
    code = authorize(
        f"{url}/meta/www/v21.0/dialog/oauth?{urlencode(query)}",
        username="maria",
        granted=[*scopes, f"page:{page}"],
    )["code"]
    user = graph(
        url,
        "GET",
        "oauth/access_token",
        "",
        client_id=app,
        client_secret=APPS[app]["secret"],
        redirect_uri=REDIRECT,
        code=code,
    ).json()["access_token"]
    pages = graph(url, "GET", "me/accounts", user, fields="id,access_token").json()["data"]
    return next(p["access_token"] for p in pages if p["id"] == page)


def app_token(app: str = FB_APP) -> str:
    """An app access token as Meta accepts it written by hand."""
    return f"{app}|{APPS[app]['secret']}"


def subscribe(
    url: str,
    callback: str,
    *,
    app: str = FB_APP,
    kind: str = "page",
    fields: str = "feed,messages",
    token: str | None = None,
) -> httpx.Response:
    return graph(
        url,
        "POST",
        f"{app}/subscriptions",
        token or app_token(app),
        object=kind,
        callback_url=callback,
        fields=fields,
        verify_token="cadenza-verify",
    )


def install(url: str, token: str, page: str = TRATTORIA, fields: str = "feed,messages") -> None:
    """The page installs the token's app for these fields (POST /{page}/subscribed_apps)."""
    answer = graph(url, "POST", f"{page}/subscribed_apps", token, subscribed_fields=fields)
    assert answer.json() == {"success": True}, answer.text


def signed_by(secret: str, body: bytes, header: str) -> bool:
    """Whether an X-Hub-Signature-256 header is the HMAC-SHA256 of the raw body with this secret."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)
