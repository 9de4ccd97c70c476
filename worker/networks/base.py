"""The small interface every network connector implements, plus shared HTTP handling."""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import ClassVar, ParamSpec, TypeVar
from urllib.parse import urlencode

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tenants.networks import NetworkFacts, facts
from worker.networks.errors import ConnectorError, MissingPermission, Rejected, RetryLater, UnknownOutcome
from worker.networks.types import (
    AccountCredentials,
    AppCredentials,
    AuthorizationRequest,
    DiscoveredAccount,
    InboxPage,
    MetricSample,
    PublishedPost,
    PublishRequest,
    TokenSet,
)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
P = ParamSpec("P")
R = TypeVar("R")


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636, through authlib)."""
    verifier = generate_token(64)
    return verifier, create_s256_code_challenge(verifier)


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def inbox_action(method: Callable[P, R]) -> Callable[P, R]:
    """Wrap a like/hide/delete: a permission the grant lacks refuses that one action (Rejected)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except MissingPermission as exc:
            # Reconnecting would fix it, but the account still publishes: it must not be marked broken.
            raise Rejected(exc.reason, detail=exc.detail) from exc

    return wrapper


class Connector(ABC):
    """One social network as Cadenza uses it. Subclasses live in worker/networks/<network>.py."""

    network: ClassVar[str]
    scopes: ClassVar[tuple[str, ...]] = ()
    # Inbox kinds the network lists newest first: a read may stop at the first page with nothing new.
    inbox_newest_first: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, endpoints: dict[str, str], app: AppCredentials, http: httpx.Client) -> None:
        self.endpoints = endpoints
        self.app = app
        self.http = http

    @property
    def facts(self) -> NetworkFacts:
        """The network's static facts (limits, capabilities)."""
        return facts(self.network)

    # --- connecting -----------------------------------------------------------------------------
    def authorization_request(
        self, *, redirect_uri: str, state: str, instance: str | None = None
    ) -> AuthorizationRequest:
        """The authorize URL for the browser (networks without browser OAuth raise NotImplementedError)."""
        params = {
            "response_type": "code",
            "client_id": self.app.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": " ".join(self.scopes),
        }
        verifier = None
        if self.facts.oauth == "oauth2_pkce":
            verifier, challenge = pkce_pair()
            params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
        return AuthorizationRequest(
            url=f"{self.endpoints['authorize']}?{urlencode(params)}", state=state, code_verifier=verifier
        )

    @abstractmethod
    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        """Trade an authorization code for tokens (exactly once per code)."""

    @abstractmethod
    def discover_accounts(self, tokens: TokenSet) -> list[DiscoveredAccount]:
        """Accounts the grant reaches (pages, organizations, the profile itself)."""

    @abstractmethod
    def refresh(self, creds: AccountCredentials) -> TokenSet:
        """New tokens; a network that rotates refresh tokens returns the new one (store it)."""

    def revoke(self, creds: AccountCredentials) -> None:
        """Revoke the token at the network where it can; default: nothing to do."""
        return None

    # --- publishing -----------------------------------------------------------------------------
    @abstractmethod
    def publish(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost:
        """Publish one post, using the network's idempotency mechanism where it has one."""

    @abstractmethod
    def find_published(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost | None:
        """After an unknown outcome: the post if it exists at the network, else None."""

    def delete_post(self, creds: AccountCredentials, remote_id: str) -> None:
        """Delete a published post where the network allows it; one already gone returns quietly."""
        raise NotImplementedError(f"{self.network} does not support deleting posts")

    # --- community and metrics ----------------------------------------------------------------
    @abstractmethod
    def read_inbox(self, creds: AccountCredentials, *, kind: str, cursor: str | None = None) -> InboxPage:
        """One page of comments, mentions or DMs, oldest-to-newest continuation via `cursor`."""

    @abstractmethod
    def reply(
        self, creds: AccountCredentials, *, item_remote_id: str, kind: str, text: str, idempotency_key: str
    ) -> PublishedPost:
        """Answer an inbox item (comment reply, mention reply, DM)."""

    def like_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str) -> None:
        """Like an inbox item as the account; liking it again changes nothing."""
        raise self.unsupported("liking", kind)

    def hide_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str, hidden: bool) -> None:
        """Hide an inbox item from the public (hidden=False shows it again); repeating it changes nothing."""
        raise self.unsupported("hiding", kind)

    def delete_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str) -> None:
        """Delete someone else's comment on the account's own post; one already gone returns quietly."""
        raise self.unsupported("deleting", kind)

    def unsupported(self, action: str, kind: str) -> NotImplementedError:
        """The error for an inbox action the network does not offer on this kind of item."""
        return NotImplementedError(f"{self.facts.name} does not support {action} {kind} items")

    def check_kind(self, action: str, kind: str, *offered: str) -> None:
        """Refuse (NotImplementedError), before any call, an action on a kind it is not offered on."""
        if kind not in offered:
            raise self.unsupported(action, kind)

    @abstractmethod
    def read_metrics(self, creds: AccountCredentials, *, post_remote_ids: list[str]) -> list[MetricSample]:
        """Account metrics (followers, ...) and per-post metrics, in Cadenza's vocabulary."""

    # --- HTTP -----------------------------------------------------------------------------------
    def classify(self, response: httpx.Response) -> ConnectorError | None:
        """Map an error response to a failure class; subclasses read the network's own format."""
        if response.status_code < 400:
            return None
        if response.status_code == 429 or response.status_code >= 500:
            return RetryLater(
                f"{self.facts.name} is busy; Cadenza will try again.",
                retry_at=utcnow() + timedelta(seconds=60),
                detail=f"HTTP {response.status_code}",
            )
        return None

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        """Send a request; transport failures become RetryLater (reads) or UnknownOutcome (writes)."""
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            if method.upper() in WRITE_METHODS:
                raise UnknownOutcome(
                    f"{self.facts.name} did not answer in time; the post may exist.", detail=str(exc)
                ) from exc
            raise RetryLater(
                f"{self.facts.name} did not answer in time.",
                retry_at=utcnow() + timedelta(seconds=30),
                detail=str(exc),
            ) from exc
        except httpx.TransportError as exc:
            if method.upper() in WRITE_METHODS and not isinstance(exc, httpx.ConnectError):
                raise UnknownOutcome(
                    f"The connection to {self.facts.name} broke; the post may exist.", detail=str(exc)
                ) from exc
            raise RetryLater(
                f"{self.facts.name} cannot be reached.",
                retry_at=utcnow() + timedelta(seconds=30),
                detail=str(exc),
            ) from exc
        error = self.classify(response)
        if error is None and response.status_code >= 400:
            error = self.unclassified(response)
        if error is not None:
            if (
                isinstance(error, RetryLater)
                and method.upper() in WRITE_METHODS
                and response.status_code in (502, 504)
            ):
                # A gateway error on a write says nothing about whether the write happened.
                raise UnknownOutcome(
                    f"{self.facts.name} lost the answer; the post may exist.", detail=error.detail
                )
            raise error
        return response

    def unclassified(self, response: httpx.Response) -> ConnectorError:
        """Last resort for an error the subclass did not recognise: a rejection with the raw message kept."""
        return Rejected(
            f"{self.facts.name} refused the request (HTTP {response.status_code}).",
            detail=response.text[:500],
        )


def parse_retry_at(value: str | None, *, default_seconds: int = 60) -> datetime:
    """A reset time from an epoch-seconds, delta-seconds or ISO-8601 header value."""
    now = utcnow()
    if not value:
        return now + timedelta(seconds=default_seconds)
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return now + timedelta(seconds=default_seconds)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if number > 1_000_000_000:  # epoch seconds
        return datetime.fromtimestamp(number, UTC)
    return now + timedelta(seconds=number)
