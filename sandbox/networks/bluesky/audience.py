"""The simulated audience of the brand accounts: followers, likes, reposts, replies, mentions and quotes."""

from __future__ import annotations

from typing import Any

from sandbox.networks.bluesky.notifications import _notify
from sandbox.networks.bluesky.repo import _new_tid, _store_record, _timestamp
from sandbox.networks.bluesky.state import FANS, OWNERS, POST

_LINES = (
    "Che bello! 😍",
    "A che ora aprite domenica?",
    "Servizio pessimo oggi.",
    "Grazie mille! 🇮🇹",
    "È disponibile anche a Milano?",
)


def simulate(state: dict[str, Any], rng) -> None:
    """One step of audience: followers move, posts get likes and reposts, fans reply, mention and quote."""
    posts = [r for r in state.get("records", {}).values() if r["collection"] == POST and not r["deleted"]]
    for handle, *_rest in OWNERS:
        did = state["handles"][handle]
        account = state["accounts"][did]
        delta = rng.choice((-1, 0, 1, 1, 2))
        account["followers"] = max(0, account["followers"] + delta)
        fan = state["handles"][rng.choice(FANS)[0]]
        if delta > 0 and rng.random() < 0.3:
            _notify(state, did, _fan_record(state, fan, "app.bsky.graph.follow", {"subject": did}), "follow")
        own = [p for p in posts if p["did"] == did]
        for post in own:
            post["likes"] += rng.randint(0, 3)
            post["reposts"] += rng.randint(0, 1)
        if own and rng.random() < 0.3:
            _fan_reaction(state, fan, rng.choice(own), rng.choice(("like", "repost")))
        roll = rng.random()
        if own and roll < 0.35:
            _fan_reply(state, fan, rng.choice(own), rng)
        elif roll < 0.55:
            _fan_mention(state, fan, account, rng)
        elif own and roll < 0.65:
            _fan_quote(state, fan, rng.choice(own), rng)


def _fan_record(state, fan: str, collection: str, value: dict[str, Any]) -> dict[str, Any]:
    value = {"$type": collection, "createdAt": _timestamp(), **value}
    return _store_record(state, fan, collection, _new_tid(), value)


def _fan_reply(state, fan: str, parent: dict[str, Any], rng) -> None:
    root = (parent["value"].get("reply") or {}).get("root") or {"uri": parent["uri"], "cid": parent["cid"]}
    value = {
        "text": rng.choice(_LINES),
        "reply": {"root": root, "parent": {"uri": parent["uri"], "cid": parent["cid"]}},
    }
    stored = _fan_record(state, fan, POST, value)
    _notify(state, parent["did"], stored, "reply", subject=parent["uri"])


def _fan_mention(state, fan: str, account: dict[str, Any], rng) -> None:
    mention = f"@{account['handle']}"
    facet = {
        "index": {"byteStart": 0, "byteEnd": len(mention.encode())},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": account["did"]}],
    }
    value = {"text": f"{mention} {rng.choice(_LINES)}", "facets": [facet]}
    _notify(state, account["did"], _fan_record(state, fan, POST, value), "mention")


def _fan_quote(state, fan: str, quoted: dict[str, Any], rng) -> None:
    value = {
        "text": rng.choice(_LINES),
        "embed": {"$type": "app.bsky.embed.record", "record": {"uri": quoted["uri"], "cid": quoted["cid"]}},
    }
    stored = _fan_record(state, fan, POST, value)
    _notify(state, quoted["did"], stored, "quote", subject=quoted["uri"])


def _fan_reaction(state, fan: str, subject: dict[str, Any], reason: str) -> None:
    collection = "app.bsky.feed.like" if reason == "like" else "app.bsky.feed.repost"
    value = {"subject": {"uri": subject["uri"], "cid": subject["cid"]}}
    _notify(state, subject["did"], _fan_record(state, fan, collection, value), reason, subject=subject["uri"])
