"""The audience: fans comment, react and message on Facebook, and like and comment on Instagram."""

from __future__ import annotations

from typing import Any

from sandbox import voices
from sandbox.audience import Unheard, Wanted
from sandbox.networks.meta.instagram import _add_ig_comment
from sandbox.networks.meta.messenger import _add_message
from sandbox.networks.meta.pages import _add_comment
from sandbox.networks.meta.world import _objects, _of_type
from sandbox.state import STORE, now


def simulate(state: dict[str, Any], rng) -> None:
    """One step of audience for the half this key plays: page fans and Messenger, or Instagram."""
    if "objects" not in state:
        return
    if state.get("plays") == "instagram":
        _simulate_instagram(state["objects"], rng)
    else:
        _simulate_facebook(state["objects"], rng)


def say(state: dict[str, Any], wanted: Wanted, rng) -> dict[str, str]:
    """One item on demand: a comment on a page post or a Messenger message; a comment on Instagram media."""
    name, post, text = wanted.author or voices.any_fan(rng), wanted.post, wanted.text
    if state.get("plays") == "instagram":
        if wanted.kind != "comment":
            raise Unheard(400, f"Instagram has no {wanted.kind} in the sandbox (only comment)")
        owner = _of("ig_user", wanted.account, "Instagram account")
        media = _of("ig_media", post, "Instagram media") if post else _latest("ig_media", "timestamp", owner)
        if media["ig_user_id"] != owner["id"]:
            raise Unheard(404, f"media {post} is not {wanted.account}'s")
        comment = _add_ig_comment(media["id"], _ig_fan(name), text, None, notify=wanted.notify)
        return {"id": comment["id"], "post": media["id"]}
    page = _of("page", wanted.account, "Facebook page")
    if wanted.kind == "dm":
        message = _customer_message(page, name, text, notify=wanted.notify)
        return {"id": message["id"], "thread": message["conversation_id"]}
    if wanted.kind != "comment":
        raise Unheard(400, f"Facebook pages have no {wanted.kind} in the sandbox (comment or dm)")
    target = _of("post", post, "Facebook post") if post else _latest("post", "created_time", page)
    if target["page_id"] != page["id"]:
        raise Unheard(404, f"post {post} is not on page {wanted.account}")
    short = target["id"].split("_", 1)[1]
    comment = _add_comment(page["id"], short, target["id"], _fb_fan(name), text, notify=wanted.notify)
    return {"id": comment["id"], "post": target["id"]}


def _of(kind: str, object_id: str, what: str) -> dict[str, Any]:
    found = _objects().get(object_id)
    if found is None or found["type"] != kind or found.get("deleted"):
        raise Unheard(404, f"no {what} {object_id}")
    return found


def _latest(kind: str, field: str, owner: dict[str, Any]) -> dict[str, Any]:
    key = "page_id" if kind == "post" else "ig_user_id"
    items = _of_type(kind, **{key: owner["id"]})
    if not items:
        raise Unheard(404, f"{owner['id']} has no post to comment on")
    return max(items, key=lambda o: (o[field], int(o["id"].rsplit("_", 1)[-1])))


def _fb_fan(name: str) -> dict[str, str]:
    return {"name": name, "id": str(3_000_000_000_000 + voices.person_number(name))}


def _ig_fan(name: str) -> dict[str, str]:
    number = 17_841_450_000_000_000 + voices.person_number(name)
    return {"id": str(number), "username": voices.handle_of(name)}


def _simulate_facebook(objects: dict[str, dict], rng) -> None:
    for page in objects.candidates("page", {}):
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
            author = _fb_fan(voices.any_fan(rng))
            _add_comment(page["id"], post["id"].split("_", 1)[1], post["id"], author, voices.line(rng))
        if rng.random() < 0.3:
            _customer_message(page, voices.any_fan(rng), voices.line(rng))


def _customer_message(page: dict, name: str, text: str, *, notify: bool = True) -> dict[str, Any]:
    """A person writes to the page on Messenger, in their conversation with it (opened if new)."""
    psid = str(7_000_000_000_000 + voices.person_number(name))
    conversation = next(iter(_of_type("conversation", page_id=page["id"], psid=psid)), None)
    if conversation is None:
        conversation = {
            "type": "conversation",
            "id": f"t_{STORE.next_id()}",
            "page_id": page["id"],
            "psid": psid,
            "name": name,
            "updated_time": now(),
        }
        _objects()[conversation["id"]] = conversation
    author = {"name": name, "email": f"{psid}@facebook.com", "id": psid}
    to = {"name": page["name"], "email": f"{page['id']}@facebook.com", "id": page["id"]}
    return _add_message(conversation, author, to, text, notify=notify)


def _simulate_instagram(objects: dict[str, dict], rng) -> None:
    for account in objects.candidates("ig_user", {}):
        account["followers_count"] = max(0, account["followers_count"] + rng.choice((-1, 0, 1, 2, 3)))
        media = _of_type("ig_media", ig_user_id=account["id"])
        for item in media:
            item["likes"] += rng.randint(0, 4)
            item["views"] += rng.randint(0, 50)
            item["reach"] += rng.randint(0, 30)
            item["saved"] += 1 if rng.random() < 0.3 else 0
            item["shares"] += 1 if rng.random() < 0.2 else 0
        if media and rng.random() < 0.6:
            author = _ig_fan(voices.any_fan(rng))
            _add_ig_comment(rng.choice(media[-3:])["id"], author, voices.line(rng), None)
