"""The audience: fans comment, react and message on Facebook, and like and comment on Instagram."""

from __future__ import annotations

from typing import Any

from sandbox.networks.meta.instagram import _add_ig_comment
from sandbox.networks.meta.messenger import _add_message
from sandbox.networks.meta.pages import _add_comment
from sandbox.networks.meta.world import _of_type
from sandbox.state import STORE, now

_FIRST = ("Giulia", "Marco", "Sofia", "Luca", "Chiara", "Matteo", "Sara", "Davide")
_LAST = ("Rossi", "Ferrari", "Russo", "Romano", "Colombo")
FANS = tuple(f"{first} {last}" for first in _FIRST for last in _LAST)
_LINES = (
    "Love this! 😍",
    "When do you open on Sunday?",
    "Terrible service today.",
    "Grazie mille!",
    "Do you take bookings for 8 people?",
    "Is this available in Milan?",
)


def simulate(state: dict[str, Any], rng) -> None:
    """One step of audience for the half this key plays: page fans and Messenger, or Instagram."""
    if "objects" not in state:
        return
    if state.get("plays") == "instagram":
        _simulate_instagram(state["objects"], rng)
    else:
        _simulate_facebook(state["objects"], rng)


def _simulate_facebook(objects: dict[str, dict], rng) -> None:
    pages = objects.candidates("page", {})
    for page in pages:
        page["followers_count"] = max(0, page["followers_count"] + rng.choice((-1, 0, 1, 1, 2)))
        page["fan_count"] = max(0, page["fan_count"] + rng.choice((-1, 0, 1, 1)))
        page["media_views"] += rng.randint(0, 40)
        page["media_viewers"] += rng.randint(0, 25)
        posts = _of_type("post", page_id=page["id"])
        for post in posts:
            post["reactions"] += rng.randint(0, 3)
            post["views"] += rng.randint(0, 30)
            post["reach"] += rng.randint(0, 20)
            post["shares"] += 1 if rng.random() < 0.2 else 0
            page["engagements"] += rng.randint(0, 2)
        if posts and rng.random() < 0.6:
            post = rng.choice(posts[-3:])
            fan = rng.randrange(len(FANS))
            author = {"name": FANS[fan], "id": str(3000000000000 + fan)}
            _add_comment(page["id"], post["id"].split("_", 1)[1], post["id"], author, rng.choice(_LINES))
        if rng.random() < 0.3:
            _add_customer_message(objects, page, rng)


def _add_customer_message(objects: dict[str, dict], page: dict, rng) -> None:
    fan = rng.randrange(len(FANS))
    psid = str(7000000000000 + fan)
    conversation = next(iter(_of_type("conversation", page_id=page["id"], psid=psid)), None)
    if conversation is None:
        conversation = {
            "type": "conversation",
            "id": f"t_{STORE.next_id()}",
            "page_id": page["id"],
            "psid": psid,
            "name": FANS[fan],
            "updated_time": now(),
        }
        objects[conversation["id"]] = conversation
    author = {"name": FANS[fan], "email": f"{psid}@facebook.com", "id": psid}
    to = {"name": page["name"], "email": f"{page['id']}@facebook.com", "id": page["id"]}
    _add_message(conversation, author, to, rng.choice(_LINES))


def _simulate_instagram(objects: dict[str, dict], rng) -> None:
    accounts = objects.candidates("ig_user", {})
    for account in accounts:
        account["followers_count"] = max(0, account["followers_count"] + rng.choice((-1, 0, 1, 2, 3)))
        media = _of_type("ig_media", ig_user_id=account["id"])
        for item in media:
            item["likes"] += rng.randint(0, 4)
            item["views"] += rng.randint(0, 50)
            item["reach"] += rng.randint(0, 30)
            item["saved"] += 1 if rng.random() < 0.3 else 0
            item["shares"] += 1 if rng.random() < 0.2 else 0
        if media and rng.random() < 0.6:
            fan = rng.randrange(len(FANS))
            username = FANS[fan].lower().replace(" ", ".")
            author = {"id": str(17841450000000000 + fan), "username": username}
            _add_ig_comment(rng.choice(media[-3:])["id"], author, rng.choice(_LINES), None)
