"""The simulated audience of the brand accounts: followers, likes, reposts, replies, mentions and quotes."""

from __future__ import annotations

from typing import Any

from sandbox import voices
from sandbox.audience import Unheard, Wanted
from sandbox.networks.bluesky.notifications import _notify
from sandbox.networks.bluesky.repo import _new_tid, _store_record, _timestamp
from sandbox.networks.bluesky.state import FANS, OWNERS, POST, _add_account


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
            _fan_reply(state, fan, rng.choice(own), voices.line(rng))
        elif roll < 0.55:
            _fan_mention(state, fan, account, voices.line(rng))
        elif own and roll < 0.65:
            _fan_quote(state, fan, rng.choice(own), rng)


def say(state: dict[str, Any], wanted: Wanted, rng) -> dict[str, str]:
    """One item on demand for an account's did: a mention, or a reply to one of its posts (no DMs here)."""
    if wanted.kind == "dm":
        raise Unheard(400, "Bluesky has no dm in the sandbox (chat is not played): comment or mention")
    account = state["accounts"].get(wanted.account)
    if account is None:
        raise Unheard(404, f"no Bluesky account {wanted.account}")
    fan = _fan_named(state, wanted.author or voices.any_fan(rng))
    own = [r for r in state["posts_of"].get(account["did"], []) if not r["deleted"]]
    if wanted.post:
        parent = next((r for r in own if r["uri"] == wanted.post), None)
        if parent is None:
            raise Unheard(404, f"no post {wanted.post} of {wanted.account}")
    elif wanted.kind == "comment":
        if not own:
            raise Unheard(404, f"{wanted.account} has no post to reply to")
        parent = own[-1]
    else:
        return {"id": _fan_mention(state, fan, account, wanted.text)["uri"]}
    return {"id": _fan_reply(state, fan, parent, wanted.text)["uri"], "post": parent["uri"]}


def _fan_named(state, name: str) -> str:
    """The did of a fan with this name, who joins Bluesky on first use."""
    handle = f"{voices.handle_of(name).replace('.', '-')}.bsky.social"
    if handle not in state["handles"]:
        _add_account(state, handle, name, app_password=None, followers=30)
    return state["handles"][handle]


def _fan_record(state, fan: str, collection: str, value: dict[str, Any]) -> dict[str, Any]:
    value = {"$type": collection, "createdAt": _timestamp(), **value}
    return _store_record(state, fan, collection, _new_tid(), value)


def _fan_reply(state, fan: str, parent: dict[str, Any], text: str) -> dict[str, Any]:
    root = (parent["value"].get("reply") or {}).get("root") or {"uri": parent["uri"], "cid": parent["cid"]}
    value = {
        "text": text,
        "reply": {"root": root, "parent": {"uri": parent["uri"], "cid": parent["cid"]}},
    }
    stored = _fan_record(state, fan, POST, value)
    _notify(state, parent["did"], stored, "reply", subject=parent["uri"])
    return stored


def _fan_mention(state, fan: str, account: dict[str, Any], text: str) -> dict[str, Any]:
    """A fan's post naming the account: the @handle (put first when missing) carries a mention facet."""
    mention = f"@{account['handle']}"
    if mention.lower() not in text.lower():
        text = f"{mention} {text}"
    start = len(text[: text.lower().index(mention.lower())].encode())
    facet = {
        "index": {"byteStart": start, "byteEnd": start + len(mention.encode())},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": account["did"]}],
    }
    value = {"text": text, "facets": [facet]}
    stored = _fan_record(state, fan, POST, value)
    _notify(state, account["did"], stored, "mention")
    return stored


def _fan_quote(state, fan: str, quoted: dict[str, Any], rng) -> None:
    value = {
        "text": voices.line(rng),
        "embed": {"$type": "app.bsky.embed.record", "record": {"uri": quoted["uri"], "cid": quoted["cid"]}},
    }
    stored = _fan_record(state, fan, POST, value)
    _notify(state, quoted["did"], stored, "quote", subject=quoted["uri"])


def _fan_reaction(state, fan: str, subject: dict[str, Any], reason: str) -> None:
    collection = "app.bsky.feed.like" if reason == "like" else "app.bsky.feed.repost"
    value = {"subject": {"uri": subject["uri"], "cid": subject["cid"]}}
    _notify(state, subject["did"], _fan_record(state, fan, collection, value), reason, subject=subject["uri"])
