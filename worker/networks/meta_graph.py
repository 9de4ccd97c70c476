"""What Facebook Pages and Instagram share at Meta: one login, page tokens, the Graph API and its errors."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx

from worker.networks.base import WRITE_METHODS, Connector, utcnow
from worker.networks.errors import (
    ConnectorError,
    MissingPermission,
    PostGone,
    ReconnectNeeded,
    Rejected,
    RetryLater,
    UnknownOutcome,
)
from worker.networks.types import AuthorizationRequest, InboxItem, InboxPage, TokenSet

# Meta throttles in the error body (never 429): app, user, page, API and business-use-case limits.
THROTTLE_CODES = frozenset({4, 17, 32, 613}) | frozenset(range(80001, 80015))
APP_LIMIT_CODE = 4  # "Application request limit reached": the app's limit, shared by all its accounts
RECONNECT_CODES = frozenset({102, 190})
PERMISSION_CODES = frozenset({10, 210, 230}) | frozenset(range(200, 300))
DEFAULT_THROTTLE = timedelta(minutes=15)
RECENT = timedelta(hours=24)
INBOX_PARENTS = 25  # how many recent posts the comment inbox looks under
INBOX_PAGE_SIZE = 25


class GraphObjectMissing(PostGone):
    """The object does not exist (any more) or the token cannot see it."""


def graph_time(value: str) -> datetime:
    """Graph's timestamps ('2025-03-01T10:00:00+0000')."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


class MetaGraphConnector(Connector):
    """Facebook Login, page discovery, Graph calls and Meta's error format; subclasses add their network."""

    brand: ClassVar[str] = "Meta"
    publish_scopes: ClassVar[tuple[str, ...]] = ()  # without these nothing can be posted

    # --- connecting -----------------------------------------------------------------------------
    def authorization_request(
        self, *, redirect_uri: str, state: str, instance: str | None = None
    ) -> AuthorizationRequest:
        params = {
            "client_id": self.app.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "response_type": "code",
            "scope": ",".join(self.scopes),  # Facebook separates scopes with commas
        }
        return AuthorizationRequest(url=f"{self.endpoints['authorize']}?{urlencode(params)}", state=state)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        """Code -> short-lived user token -> ~60-day user token, plus what the user actually granted."""
        app = {"client_id": self.app.client_id, "client_secret": self.app.client_secret}
        short = self.graph(
            "GET", "oauth/access_token", params={**app, "redirect_uri": redirect_uri, "code": code}
        )
        long = self.graph(
            "GET",
            "oauth/access_token",
            params={**app, "grant_type": "fb_exchange_token", "fb_exchange_token": short["access_token"]},
        )
        token = long["access_token"]
        granted, declined = self._permissions(token)
        expires_at = utcnow() + timedelta(seconds=int(long["expires_in"])) if long.get("expires_in") else None
        return TokenSet(
            access_token=token, expires_at=expires_at, scopes=granted, extra={"declined": declined}
        )

    def _permissions(self, user_token: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        data = self.graph("GET", "me/permissions", token=user_token).get("data", [])
        granted = tuple(p["permission"] for p in data if p.get("status") == "granted")
        declined = tuple(p["permission"] for p in data if p.get("status") == "declined")
        return granted, declined

    def managed_pages(self, tokens: TokenSet) -> list[dict[str, Any]]:
        """Every page the user shared with Cadenza, each with its own page token and linked IG account."""
        fields = "id,name,username,access_token,category,tasks,instagram_business_account{id,username,name}"
        pages: list[dict[str, Any]] = []
        params: dict[str, Any] = {"fields": fields, "limit": 100}
        while True:
            body = self.graph("GET", "me/accounts", token=tokens.access_token, params=params)
            pages += body.get("data", [])
            after = _next_cursor(body)
            if not after:
                return pages
            params = {**params, "after": after}

    def missing_publish_scopes(self, tokens: TokenSet) -> list[str]:
        """Publishing permissions the user unticked (empty when the grant is unknown or complete)."""
        if not tokens.scopes:
            return []
        return [s for s in self.publish_scopes if s not in tokens.scopes]

    # --- Graph calls ----------------------------------------------------------------------------
    def recent_items(
        self, path: str, *, token: str, fields: str, time_field: str, since: datetime, max_pages: int = 20
    ) -> Iterator[dict[str, Any]]:
        """An edge's items, newest first, page after page until they are older than `since`.

        A look-up after a lost response must not stop at the first page: a busy page may have published
        more than a page of posts since (then the look-up misses, and the re-send posts twice)."""
        params: dict[str, Any] = {"fields": fields, "limit": 100}
        for _ in range(max_pages):
            body = self.graph("GET", path, token=token, params=params)
            for item in body.get("data", []):
                if graph_time(item[time_field]) < since:
                    return
                yield item
            after = (body.get("paging") or {}).get("cursors", {}).get("after")
            if not after or not (body.get("paging") or {}).get("next"):
                return
            params = {**params, "after": after}

    def graph(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """One Graph call; the token goes in the header, with the appsecret_proof Meta recommends."""
        params = dict(kwargs.pop("params", None) or {})
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
            params["appsecret_proof"] = hmac.new(
                self.app.client_secret.encode(), token.encode(), hashlib.sha256
            ).hexdigest()
        url = f"{self.endpoints['graph']}/{path.lstrip('/')}"
        return self.request(method, url, params=params, headers=headers, **kwargs).json()

    def best_effort(self, lookup: Callable[[], Any]) -> Any:
        """A read after a successful write: its failure must not turn the write into a retry."""
        try:
            return lookup()
        except ConnectorError:
            return None

    # --- community ------------------------------------------------------------------------------
    def comment_inbox(
        self,
        token: str,
        *,
        parents_path: str,
        fields: str,
        own_id: str,
        to_item: Callable[[dict, str], InboxItem],
        cursor: str | None,
        extra_params: dict[str, str] | None = None,
    ) -> InboxPage:
        """Comments under the recent posts, one post's cursor page at a time; cursor = 'post|after'."""
        parents = [
            p["id"]
            for p in self.graph(
                "GET", parents_path, token=token, params={"fields": "id", "limit": INBOX_PARENTS}
            ).get("data", [])
        ]
        parent_id, _, after = (cursor or "").partition("|")
        index = parents.index(parent_id) if parent_id in parents else 0
        while index < len(parents):
            params = {"fields": fields, "limit": INBOX_PAGE_SIZE, **(extra_params or {})}
            if after:
                params["after"] = after
            body = self.graph("GET", f"{parents[index]}/comments", token=token, params=params)
            items = [
                to_item(c, parents[index])
                for c in body.get("data", [])
                if (c.get("from") or {}).get("id") != own_id
            ]
            next_after = _next_cursor(body)
            index, after = (index, next_after) if next_after else (index + 1, "")
            next_cursor = f"{parents[index]}|{after}" if index < len(parents) else None
            if items or next_cursor is None:
                return InboxPage(items=tuple(items), cursor=next_cursor)
        return InboxPage(items=(), cursor=None)

    def delete_object(self, token: str, object_id: str) -> None:
        """DELETE a post or comment; one already gone is what deleting wanted."""
        try:
            self.graph("DELETE", object_id, token=token)
        except GraphObjectMissing:
            return

    def existing_reply(self, token: str, path: str, *, own_id: str, text_field: str, text: str) -> str | None:
        """Our reply with this text under an item, if a lost answer already made it (Graph has no keys)."""
        body = self.graph("GET", path, token=token, params={"fields": f"id,{text_field},from", "limit": 100})
        for reply in body.get("data", []):
            if (reply.get("from") or {}).get("id") == own_id and reply.get(text_field) == text:
                return str(reply["id"])
        return None

    # --- errors ---------------------------------------------------------------------------------
    def classify(self, response: httpx.Response) -> ConnectorError | None:
        status = response.status_code
        if status < 400:
            return None
        error = _error_body(response)
        code, subcode = int(error.get("code") or 0), int(error.get("error_subcode") or 0)
        detail = f"HTTP {status} code {code}/{subcode}: {error.get('message', response.text[:200])}"
        if (
            status >= 500
            or code in (1, 2, -1, -2)
            or (error.get("is_transient") and code not in THROTTLE_CODES)
        ):
            if status >= 500 and response.request.method in WRITE_METHODS:
                # Graph has answered 500 (code 2) to posts it had in fact created: the outcome is unknown.
                return UnknownOutcome(
                    f"{self.brand} failed while posting; the post may exist.", detail=detail
                )
            return RetryLater(
                f"{self.brand} is having trouble; Cadenza will try again.",
                retry_at=utcnow() + timedelta(minutes=1),
                detail=detail,
            )
        if code in THROTTLE_CODES:
            return RetryLater(
                f"{self.brand} asked Cadenza to slow down.",
                retry_at=throttled_until(response),
                detail=detail,
                app_wide=code == APP_LIMIT_CODE,
            )
        if code in RECONNECT_CODES:
            return ReconnectNeeded(
                f"{self.brand} no longer accepts Cadenza's access (it was revoked or has expired): "
                "reconnect the account.",
                detail=detail,
            )
        return self.classify_code(code, subcode, error, detail)

    def classify_code(self, code: int, subcode: int, error: dict, detail: str) -> ConnectorError | None:
        """Meta's codes shared by both networks; subclasses add their own first."""
        if code == 10 and subcode == 2018278:
            return Rejected(
                "This person last wrote more than 24 hours ago: Messenger does not allow a reply "
                "outside the 24-hour window.",
                detail=detail,
            )
        if code in PERMISSION_CODES:
            return MissingPermission(
                f"Cadenza lacks a {self.brand} permission for this ({error.get('message', '')}). Reconnect "
                "the account and keep every permission ticked.",
                detail=detail,
            )
        if code == 100 and subcode == 36009:
            return Rejected(
                f"This {self.brand} sign-in was already used. Start connecting the account again.",
                detail=detail,
            )
        if code == 100 and subcode in (36007, 36008):
            return Rejected(f"The {self.brand} sign-in expired or did not match; start again.", detail=detail)
        if code == 100 and subcode == 33:
            return GraphObjectMissing(
                f"{self.brand} does not know this item any more (deleted?).", detail=detail
            )
        if code == 100:
            message = error.get("error_user_msg") or error.get("message", "")
            return Rejected(f"{self.brand} refused the request: {message}", detail=detail)
        return None


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body.get("error", {}) if isinstance(body, dict) else {}


def _next_cursor(body: dict[str, Any]) -> str | None:
    paging = body.get("paging") or {}
    return (paging.get("cursors") or {}).get("after") if paging.get("next") else None


def throttled_until(response: httpx.Response) -> datetime:
    """When Meta lets us back in: estimated_time_to_regain_access (minutes) from the usage headers."""
    minutes = 0
    for header in ("X-Business-Use-Case-Usage", "X-Ad-Account-Usage"):
        try:
            usage = json.loads(response.headers.get(header) or "{}")
        except ValueError:
            continue
        entries = [e for value in usage.values() if isinstance(value, list) for e in value]
        entries += [usage] if "estimated_time_to_regain_access" in usage else []
        minutes = max([minutes] + [int(e.get("estimated_time_to_regain_access") or 0) for e in entries])
    return utcnow() + (timedelta(minutes=minutes) if minutes else DEFAULT_THROTTLE)
