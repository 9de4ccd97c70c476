"""Notifications: listNotifications (newest first, by reason, paged by cursor) and adding one."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from sandbox.networks.bluesky.blueprint import bp
from sandbox.networks.bluesky.errors import _invalid
from sandbox.networks.bluesky.identity import _access
from sandbox.networks.bluesky.state import _state
from sandbox.state import STORE


@bp.get("/pds/xrpc/app.bsky.notification.listNotifications")
def list_notifications():
    session, error = _access(write=False)
    if error:
        return error
    try:
        limit = int(request.args.get("limit", 50))
        before = int(request.args["cursor"]) if request.args.get("cursor") else None
    except ValueError:
        return _invalid("Malformed cursor or limit")
    if not 1 <= limit <= 100:
        return _invalid("Error: limit must be between 1 and 100")
    reasons = request.args.getlist("reasons")
    items = sorted(
        (
            n
            for n in _state()["notifications"].get(session["did"], [])
            if (not reasons or n["json"]["reason"] in reasons) and (before is None or n["seq"] < before)
        ),
        key=lambda n: n["seq"],
        reverse=True,
    )[:limit]
    body: dict[str, Any] = {"notifications": [n["json"] for n in items], "priority": False}
    if items:
        body["cursor"] = str(items[-1]["seq"])
    return jsonify(body)


def _notify(state, recipient: str, stored: dict[str, Any], reason: str, subject: str | None = None) -> None:
    payload = {
        "uri": stored["uri"],
        "cid": stored["cid"],
        "author": {
            "did": stored["did"],
            "handle": state["accounts"][stored["did"]]["handle"],
            "displayName": state["accounts"][stored["did"]]["display_name"],
        },
        "reason": reason,
        "record": stored["value"],
        "isRead": False,
        "indexedAt": stored["indexed_at"],
        "labels": [],
    }
    if subject:
        payload["reasonSubject"] = subject
    state["notifications"].setdefault(recipient, []).append({"seq": STORE.next_id(), "json": payload})
