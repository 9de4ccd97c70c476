"""Meta's webhooks (Facebook Pages and Instagram): the signature over the raw body, and the items inside."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from worker.networks.meta_graph import graph_time
from worker.networks.types import InboxItem

# The object a delivery is about, and the Cadenza network whose app secret signs it.
OBJECT_NETWORKS = {"page": "facebook", "instagram": "instagram"}


@dataclass(frozen=True)
class WebhookItem:
    """One inbox item a delivery announced, for the account with this network id."""

    network: str
    account_remote_id: str
    item: InboxItem


def signature_matches(body: bytes, header: str | None, secret: str) -> bool:
    """True when `X-Hub-Signature-256` is the HMAC-SHA256 of the raw body with the app secret."""
    if not header or not header.startswith("sha256=") or not secret:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def newest_entry_time(payload: dict) -> datetime | None:
    """When the newest entry of a delivery happened (Meta's `entry[].time`, seconds or milliseconds)."""
    times = [e.get("time") for e in payload.get("entry") or [] if isinstance(e.get("time"), int | float)]
    if not times:
        return None
    newest = max(times)
    return datetime.fromtimestamp(newest / 1000 if newest > 10**11 else newest, UTC)


def parse_delivery(payload: dict) -> list[WebhookItem]:
    """The comments and messages a delivery carries; anything else (reactions, edits, echoes) is skipped."""
    network = OBJECT_NETWORKS.get(payload.get("object", ""))
    if network is None:
        return []
    found = []
    for entry in payload.get("entry") or []:
        account = str(entry.get("id", ""))
        at = _when(entry.get("time"))
        for change in entry.get("changes") or []:
            item = _change_item(network, change, at)
            if item is not None:
                found.append(WebhookItem(network, account, item))
        for event in entry.get("messaging") or []:
            item = _message_item(event, account)
            if item is not None:
                found.append(WebhookItem(network, account, item))
    return found


def _when(value: object) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, UTC)
    if isinstance(value, str) and value:
        return graph_time(value)
    return datetime.now(UTC)


def _change_item(network: str, change: dict, at: datetime) -> InboxItem | None:
    value = change.get("value") or {}
    if network == "facebook" and change.get("field") == "feed":
        if value.get("item") != "comment" or value.get("verb") != "add" or not value.get("comment_id"):
            return None
        author = value.get("from") or {}
        post_id = str(value.get("post_id") or "")
        parent = str(value.get("parent_id") or "")
        return InboxItem(
            remote_id=str(value["comment_id"]),
            kind="comment",
            author_id=str(author.get("id", "")),
            author_handle=author.get("name", ""),
            author_name=author.get("name", ""),
            text=value.get("message", ""),
            created_at=_when(value.get("created_time")) if value.get("created_time") else at,
            post_remote_id=post_id or None,
            parent_remote_id=parent if parent and parent != post_id else None,
        )
    if network == "instagram" and change.get("field") == "comments" and value.get("id"):
        author = value.get("from") or {}
        username = author.get("username", "")
        return InboxItem(
            remote_id=str(value["id"]),
            kind="comment",
            author_id=str(author.get("id", "")),
            author_handle=f"@{username}",
            author_name=username,
            text=value.get("text", ""),
            created_at=at,
            post_remote_id=str((value.get("media") or {}).get("id") or "") or None,
            parent_remote_id=value.get("parent_id"),
        )
    return None


def _message_item(event: dict, page_id: str) -> InboxItem | None:
    message = event.get("message") or {}
    sender = str((event.get("sender") or {}).get("id", ""))
    if not message.get("mid") or message.get("is_echo") or sender == page_id:
        return None  # the page's own messages are not inbox items
    return InboxItem(
        remote_id=str(message["mid"]),
        kind="dm",
        author_id=sender,
        author_handle="",
        author_name="",
        text=message.get("text", ""),
        created_at=_when(event.get("timestamp")),
        thread_id=None,
    )
