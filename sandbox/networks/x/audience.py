"""The simulated audience of the brand accounts: followers, tweet metrics, mentions and DMs."""

from __future__ import annotations

from typing import Any

from sandbox import voices
from sandbox.audience import Unheard, Wanted
from sandbox.networks.x.dms import _new_event
from sandbox.networks.x.state import USERS
from sandbox.networks.x.tweets import _new_tweet, _tweets_of


def simulate(state: dict[str, Any], rng) -> None:
    """One step of audience: followers move, tweets gather metrics, fans mention and write privately."""
    if not state.get("users"):
        return
    brands = [u for u in state["users"].values() if u["username"] in USERS]
    fans = [u for u in state["users"].values() if u["username"] not in USERS]
    for brand in brands:
        brand["followers_count"] = max(0, brand["followers_count"] + rng.choice((-1, 0, 1, 1, 2)))
    own = sorted((t for b in brands for t in _tweets_of("tweets_by", b["id"])), key=lambda t: int(t["id"]))
    for tweet in own:
        _grow(tweet["metrics"], rng)
    for brand in brands:
        if rng.random() < 0.6:
            mine = [t for t in own if t["author_id"] == brand["id"]]
            parent = rng.choice(mine) if mine and rng.random() < 0.7 else None
            _mention(brand, rng.choice(fans), voices.line(rng), parent)
        if rng.random() < 0.4:
            _new_event(rng.choice(fans)["id"], brand["id"], voices.line(rng))


def say(state: dict[str, Any], wanted: Wanted, rng) -> dict[str, str]:
    """One item on demand: a mention (a reply if `post` is given), a reply to a post, or a DM."""
    account = state["users"].get(wanted.account)
    if account is None:
        raise Unheard(404, f"no X user {wanted.account}")
    fan = _fan(state, wanted.author or voices.any_fan(rng))
    if wanted.kind == "dm":
        event = _new_event(fan["id"], account["id"], wanted.text)
        return {"id": event["id"], "thread": event["dm_conversation_id"]}
    parent = None
    if wanted.post:
        parent = state["tweets"].get(wanted.post)
        if parent is None or parent.get("deleted") or parent["author_id"] != account["id"]:
            raise Unheard(404, f"no post {wanted.post} of X user {wanted.account}")
    elif wanted.kind == "comment":
        own = _tweets_of("tweets_by", account["id"])
        if not own:
            raise Unheard(404, f"X user {wanted.account} has no post to reply to")
        parent = own[-1]
    tweet = _mention(account, fan, wanted.text, parent)
    return {"id": tweet["id"], **({"post": parent["id"]} if parent else {})}


def _fan(state: dict[str, Any], name: str) -> dict[str, Any]:
    """The X user behind a fan's name, signed up on first use."""
    user_id = str(1_490_000_000_000_000_000 + voices.person_number(name))
    if user_id not in state["users"]:
        state["users"][user_id] = {
            "id": user_id,
            "username": voices.handle_of(name).replace(".", "_")[:15],
            "name": name,
            "followers_count": 40,
            "following_count": 80,
            "created_at": "2021-03-01T09:00:00.000Z",
        }
    return state["users"][user_id]


def _grow(metrics: dict[str, int], rng) -> None:
    metrics["impression_count"] += rng.randint(0, 20)
    metrics["like_count"] += rng.randint(0, 3)
    metrics["retweet_count"] += rng.randint(0, 1)
    metrics["quote_count"] += 1 if rng.random() < 0.1 else 0
    metrics["bookmark_count"] += rng.randint(0, 1)
    metrics["url_link_clicks"] += rng.randint(0, 2)
    metrics["user_profile_clicks"] += rng.randint(0, 1)


def _mention(brand: dict[str, Any], fan: dict[str, Any], text: str, parent: dict | None) -> dict[str, Any]:
    """A fan's tweet naming the brand (X puts the @handle first when it is missing), maybe a reply."""
    handle = f"@{brand['username']}"
    if handle.lower() not in text.lower():
        text = f"{handle} {text}"
    start = text.lower().index(handle.lower())
    extra: dict[str, Any] = {
        "mentions": [
            {"start": start, "end": start + len(handle), "username": brand["username"], "id": brand["id"]}
        ]
    }
    if parent is not None:
        parent["metrics"]["reply_count"] += 1
        extra |= {
            "in_reply_to": parent["id"],
            "in_reply_to_user_id": brand["id"],
            "conversation_id": parent["conversation_id"],
        }
    return _new_tweet(fan["id"], text, **extra)
