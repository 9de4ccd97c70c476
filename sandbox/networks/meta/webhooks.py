"""Meta's webhooks for new page comments, Messenger messages and Instagram comments, signed as Meta signs.

Payloads carry the same ids the Graph API returns for the objects, so a consumer can match a webhook with
what it polled. The body is JSON as Meta writes it (non-ASCII as lowercase \\uXXXX escapes, slashes as
\\/), and X-Hub-Signature-256 is the HMAC-SHA256 of exactly those bytes with the app secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from sandbox import webhooks
from sandbox.networks.meta.subscriptions import page_apps
from sandbox.networks.meta.world import _objects, _world


def graph_json(payload: dict[str, Any]) -> bytes:
    """JSON the way Meta's webhooks write it: compact, ASCII-only, slashes escaped."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def sign(body: bytes, secret: str) -> dict[str, str]:
    """Meta's signature headers over the raw body: SHA-256, and the older SHA-1 it still sends."""
    sha256 = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    sha1 = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={sha256}", "X-Hub-Signature": f"sha1={sha1}"}


def page_comment(comment: dict[str, Any]) -> None:
    """A `feed` change: someone (the page too) commented on a page post or answered a comment."""
    page = _objects()[comment["page_id"]]
    post_id = f"{page['id']}_{comment['post_id']}"
    post = _objects().get(post_id, {})
    created = int(comment["created_time"].timestamp())
    value = {
        "from": comment["from"],
        "post": {
            "status_type": "added_photos" if post.get("photos") else "mobile_status_update",
            "is_published": True,
            "updated_time": comment["created_time"].strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink_url": f"https://www.facebook.com/{page['id']}/posts/{comment['post_id']}",
            "promotion_status": "inactive",
            "id": post_id,
        },
        "message": comment["message"],
        "post_id": post_id,
        "comment_id": comment["id"],
        "created_time": created,
        "item": "comment",
        "parent_id": comment["parent_id"],
        "verb": "add",
    }
    entry = {"id": page["id"], "time": created, "changes": [{"field": "feed", "value": value}]}
    _deliver("page", "feed", "facebook", page, entry, comment["id"])


def page_message(message: dict[str, Any]) -> None:
    """A `messages` event: a person wrote to the page on Messenger (the page's own sends are echoes)."""
    page = _objects()[message["page_id"]]
    if message["from"]["id"] == page["id"]:
        return
    millis = int(message["created_time"].timestamp() * 1000)
    event = {
        "sender": {"id": message["from"]["id"]},
        "recipient": {"id": page["id"]},
        "timestamp": millis,
        "message": {"mid": message["id"], "text": message["message"]},
    }
    entry = {"id": page["id"], "time": millis, "messaging": [event]}
    _deliver("page", "messages", "facebook", page, entry, message["id"])


def ig_comment(comment: dict[str, Any]) -> None:
    """A `comments` change of an Instagram account: a comment (or a reply) on one of its media."""
    value: dict[str, Any] = {
        "from": comment["from"],
        "media": {"id": comment["media_id"], "media_product_type": "FEED"},
        "id": comment["id"],
        "text": comment["text"],
    }
    if comment["parent_id"]:
        value["parent_id"] = comment["parent_id"]
    created = int(comment["timestamp"].timestamp())
    entry = {"id": comment["ig_user_id"], "time": created, "changes": [{"field": "comments", "value": value}]}
    page = _objects()[comment["page_id"]]
    _deliver("instagram", "comments", "instagram", page, entry, comment["id"])


def _deliver(kind: str, field: str, network: str, page: dict, entry: dict, item_id: str) -> None:
    body = graph_json({"object": kind, "entry": [entry]})
    for app_id, subscription in page_apps(page, kind, field):
        webhooks.send(
            network=network,
            account=entry["id"],
            url=subscription["callback_url"],
            body=body,
            secret=_world()["apps"][app_id]["secret"],
            sign=sign,
            about={"object": kind, "field": field, "app_id": app_id, "item_id": item_id},
        )
