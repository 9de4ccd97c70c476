"""The audience of the accounts on every instance Cadenza uses: followers, favourites, mentions, DMs."""

from __future__ import annotations

import html
from typing import Any

from sandbox import voices
from sandbox.audience import Unheard, Wanted
from sandbox.networks.mastodon.api import USERS
from sandbox.state import STORE, now


def simulate(state: dict[str, Any], rng) -> None:
    """One step of audience: followers move, posts get favourites, someone mentions or writes privately."""
    for account in state.get("accounts", {}).values():
        account["followers_count"] = max(0, account["followers_count"] + rng.choice((-1, 0, 1, 1, 2)))
    statuses = [s for s in state.get("statuses", {}).values() if not s.get("deleted")]
    for status in statuses:
        status["favourites"] += rng.randint(0, 3)
        status["reblogs"] += rng.randint(0, 1)
    hosts = {t["host"] for t in state.get("tokens", {}).values()}
    for host in sorted(hosts):
        for username in USERS:
            account = state["accounts"][username]
            if rng.random() < 0.5:
                own = [s for s in statuses if s["account_id"] == account["id"]]
                reply_to = rng.choice(own) if own and rng.random() < 0.7 else None
                _mention(state, host, account, _fan(rng.choice(_FANS)), voices.line(rng), reply_to)
            if rng.random() < 0.2:
                _direct(state, host, account, _fan(rng.choice(_FANS)), voices.line(rng))


def say(state: dict[str, Any], wanted: Wanted, rng) -> dict[str, str]:
    """One item on demand for "<account id>@<instance>": a mention, a reply to a post, or a direct message."""
    account_id, _, host = wanted.account.partition("@")
    account = next((a for a in state["accounts"].values() if a["id"] == account_id), None)
    if not host:
        raise Unheard(400, "a Mastodon account is <account id>@<instance host>, as Cadenza stores it")
    if account is None:
        raise Unheard(404, f"no Mastodon account {wanted.account}")
    fan = _fan_named(wanted.author or voices.any_fan(rng))
    if wanted.kind == "dm":
        status, conversation_id = _direct(state, host, account, fan, wanted.text)
        return {"id": status["id"], "thread": conversation_id}
    own = [
        s
        for s in state["statuses"].values()
        if s["account_id"] == account["id"] and s.get("host") == host and not s.get("deleted")
    ]
    reply_to = None
    if wanted.post:
        reply_to = next((s for s in own if s["id"] == wanted.post), None)
        if reply_to is None:
            raise Unheard(404, f"no status {wanted.post} of {wanted.account}")
    elif wanted.kind == "comment":
        if not own:
            raise Unheard(404, f"{wanted.account} has no status to reply to")
        reply_to = max(own, key=lambda s: int(s["id"]))
    status = _mention(state, host, account, fan, wanted.text, reply_to)
    return {"id": status["id"], **({"post": reply_to["id"]} if reply_to else {})}


_FANS = (("201", "giulia", "Giulia"), ("202", "marco", "Marco"), ("203", "sam", "Sam"))


def _fan(fan: tuple[str, str, str]) -> dict[str, str]:
    fan_id, username, name = fan
    return {"id": fan_id, "username": username, "acct": f"{username}@elsewhere.example", "display_name": name}


def _fan_named(name: str) -> dict[str, str]:
    username = voices.handle_of(name).replace(".", "_")
    return _fan((str(10_000 + voices.person_number(name)), username, name))


def _status(account: dict[str, Any], fan: dict[str, str], text: str, visibility: str, reply_to) -> dict:
    """A fan's status addressed to the account (Mastodon mentions by @username, put first when missing)."""
    handle = f"@{account['username']}"
    if handle.lower() not in text.lower():
        text = f"{handle} {text}"
    return {
        "id": str(STORE.next_id()),
        "created_at": now().isoformat().replace("+00:00", "Z"),
        "content": f"<p>{html.escape(text)}</p>",
        "text": text,
        "in_reply_to_id": reply_to["id"] if reply_to else None,
        "visibility": visibility,
        "account": fan,
    }


def _mention(state, host: str, account: dict, fan: dict, text: str, reply_to: dict | None) -> dict:
    status = _status(account, fan, text, "public", reply_to)
    notification = {
        "id": str(STORE.next_id()),
        "type": "mention",
        "created_at": status["created_at"],
        "account": fan,
        "status": status,
    }
    state["notifications"].setdefault(f"{account['id']}@{host}", []).append(
        {"type": "mention", "json": notification}
    )
    if reply_to:
        reply_to["replies"] += 1
    return status


def _direct(state, host: str, account: dict, fan: dict, text: str) -> tuple[dict, str]:
    status = _status(account, fan, text, "direct", None)
    conversation = {"id": str(STORE.next_id()), "unread": True, "accounts": [fan], "last_status": status}
    state["conversations"].setdefault(f"{account['id']}@{host}", []).append({"json": conversation})
    return status, conversation["id"]
