"""Plain data passed between Cadenza and the connectors (no network or database objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class AppCredentials:
    """Cadenza's registered app at a network (for Mastodon: at one instance)."""

    client_id: str
    client_secret: str


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser to start OAuth, and what to keep for the callback."""

    url: str
    state: str
    code_verifier: str | None = None


@dataclass(frozen=True)
class TokenSet:
    """Tokens as a network returned them; refresh_token None means 'not re-sent', never 'erase'."""

    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DiscoveredAccount:
    """An account the grant gives access to (a page, an organization, a profile)."""

    remote_id: str
    handle: str
    display_name: str
    kind: str
    access_token: str | None = None  # when the account has its own token (Facebook page tokens)
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AccountCredentials:
    """What a connector needs to act as one connected account (tokens already decrypted)."""

    remote_id: str
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    extra: dict = field(default_factory=dict)  # instance_url, did, pds_url, page_id, ...


@dataclass(frozen=True)
class MediaItem:
    """An image to attach, with its bytes already loaded."""

    data: bytes
    mime_type: str
    alt_text: str = ""
    filename: str = "image.jpg"


@dataclass(frozen=True)
class PublishRequest:
    """One post for one account; `idempotency_key` is stable across retries of the same target."""

    text: str
    idempotency_key: str
    link: str | None = None
    media: tuple[MediaItem, ...] = ()


@dataclass(frozen=True)
class PublishedPost:
    """Where a post landed."""

    remote_id: str
    url: str | None = None


@dataclass(frozen=True)
class InboxItem:
    """A comment, mention or direct message addressed to the account."""

    remote_id: str
    kind: str  # "comment", "mention", "dm"
    author_id: str
    author_handle: str
    author_name: str
    text: str
    created_at: datetime
    post_remote_id: str | None = None
    parent_remote_id: str | None = None
    thread_id: str | None = None


@dataclass(frozen=True)
class InboxPage:
    """One page of inbox items; `cursor` None means nothing more now."""

    items: tuple[InboxItem, ...]
    cursor: str | None = None


@dataclass(frozen=True)
class MetricSample:
    """One metric value in Cadenza's vocabulary (followers, impressions, reach, likes, ...)."""

    name: str
    value: int | float
    post_remote_id: str | None = None
