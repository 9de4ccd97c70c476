"""The simulated audience of the brand accounts: followers, tweet metrics, mentions and DMs."""

from __future__ import annotations

from typing import Any

from sandbox.networks.x.dms import _new_event
from sandbox.networks.x.state import USERS
from sandbox.networks.x.tweets import _new_tweet, _tweets_of

_LINES = (
    "Love this! 😍",
    "When do you open on Sunday?",
    "Terrible service today.",
    "Grazie mille!",
    "Is this available in Milan? https://maps.example/milan",
    "Can I book for 6 people?",
)


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
            _add_mention(
                state, brand, rng.choice(fans), rng, [t for t in own if t["author_id"] == brand["id"]]
            )
        if rng.random() < 0.4:
            _new_event(rng.choice(fans)["id"], brand["id"], rng.choice(_LINES))


def _grow(metrics: dict[str, int], rng) -> None:
    metrics["impression_count"] += rng.randint(0, 20)
    metrics["like_count"] += rng.randint(0, 3)
    metrics["retweet_count"] += rng.randint(0, 1)
    metrics["quote_count"] += 1 if rng.random() < 0.1 else 0
    metrics["bookmark_count"] += rng.randint(0, 1)
    metrics["url_link_clicks"] += rng.randint(0, 2)
    metrics["user_profile_clicks"] += rng.randint(0, 1)


def _add_mention(state, brand, fan, rng, own) -> None:
    handle = f"@{brand['username']}"
    extra: dict[str, Any] = {
        "mentions": [{"start": 0, "end": len(handle), "username": brand["username"], "id": brand["id"]}]
    }
    if own and rng.random() < 0.7:
        parent = rng.choice(own)
        parent["metrics"]["reply_count"] += 1
        extra |= {
            "in_reply_to": parent["id"],
            "in_reply_to_user_id": brand["id"],
            "conversation_id": parent["conversation_id"],
        }
    _new_tweet(fan["id"], f"{handle} {rng.choice(_LINES)}", **extra)
