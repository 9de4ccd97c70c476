"""Bluesky's seeded world (brand accounts with app passwords, fans) and the helper that reads it."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from sandbox.state import STORE

POST = "app.bsky.feed.post"
OWNERS = (
    ("brand.bsky.social", "Brand", "abcd-efgh-ijkl-mnop", 120),
    ("cafe.bsky.social", "Café", "wxyz-wxyz-wxyz-wxyz", 45),
)
FANS = (("giulia.bsky.social", "Giulia"), ("marco.bsky.social", "Marco"), ("sam.bsky.social", "Sam"))


def did_for(handle: str) -> str:
    """A stable did:plc for a seeded handle (24 base32 characters, like real PLC identifiers)."""
    digest = base64.b32encode(hashlib.sha256(handle.encode()).digest()).decode().lower()
    return f"did:plc:{digest[:24]}"


def seed(state: dict[str, Any]) -> None:
    """Two accounts with app passwords, three fans who talk to them, no sessions yet."""
    state.update(accounts={}, handles={}, access={}, refresh={}, limits={}, records={}, blobs={})
    state["notifications"] = {}  # per recipient did, oldest first
    state["posts_of"] = {}  # per did, its post records, oldest first
    for handle, name, app_password, followers in OWNERS:
        _add_account(state, handle, name, app_password=app_password, followers=followers)
    for handle, name in FANS:
        _add_account(state, handle, name, app_password=None, followers=30)


def _add_account(state, handle: str, name: str, *, app_password: str | None, followers: int) -> None:
    did = did_for(handle)
    state["handles"][handle] = did
    state["accounts"][did] = {
        "did": did,
        "handle": handle,
        "display_name": name,
        "app_password": app_password,
        "followers": followers,
        "follows": 12,
        "posts": 0,
    }


def _state() -> dict[str, Any]:
    return STORE.networks["bluesky"]
