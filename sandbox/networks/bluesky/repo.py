"""The repository: CIDs, TID record keys, timestamps, and committing records (with the counts they move)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from sandbox.networks.bluesky.state import POST
from sandbox.state import STORE, now

_B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"


def _cid(prefix: str, data: bytes) -> str:
    return prefix + base64.b32encode(hashlib.sha256(data).digest()).decode().lower().rstrip("=")[:52]


def tid(micros: int, clock: int) -> str:
    """A TID record key: 53 bits of microseconds and 10 bits of clock id, base32-sortable."""
    value = (micros << 10) | (clock & 0x3FF)
    return "".join(_B32_SORTABLE[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _new_tid() -> str:
    return tid(int(now().timestamp() * 1_000_000), STORE.next_id())


def _timestamp() -> str:
    return now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _store_record(state, did: str, collection: str, rkey: str, value: dict[str, Any]) -> dict[str, Any]:
    """Commit a record to the repo and update the counts it affects."""
    uri = f"at://{did}/{collection}/{rkey}"
    stored = {
        "uri": uri,
        "cid": _cid("bafyrei", json.dumps(value, sort_keys=True).encode() + uri.encode()),
        "did": did,
        "collection": collection,
        "rkey": rkey,
        "value": value,
        "indexed_at": _timestamp(),
        "likes": 0,
        "reposts": 0,
        "replies": 0,
        "quotes": 0,
        "deleted": False,
    }
    state["records"][uri] = stored
    if collection == POST:
        state["accounts"][did]["posts"] += 1
        state["posts_of"].setdefault(did, []).append(stored)
        parent = state["records"].get(((value.get("reply") or {}).get("parent") or {}).get("uri", ""))
        if parent:
            parent["replies"] += 1
        quoted = state["records"].get((((value.get("embed") or {}).get("record")) or {}).get("uri", ""))
        if quoted:
            quoted["quotes"] += 1
    return stored


def _commit() -> dict[str, str]:
    return {"cid": _cid("bafyrei", str(STORE.next_id()).encode()), "rev": _new_tid()}
