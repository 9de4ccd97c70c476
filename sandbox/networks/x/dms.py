"""Direct messages: DM events (list and lookup) and sending a message to one participant."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from sandbox import faults
from sandbox.networks.x.blueprint import bp
from sandbox.networks.x.endpoints import _fields, endpoint
from sandbox.networks.x.errors import _invalid, _not_found
from sandbox.networks.x.state import _iso, _state
from sandbox.networks.x.timelines import _page
from sandbox.networks.x.users import _user_json
from sandbox.state import STORE, now


def _conversation_id(a: str, b: str) -> str:
    return "-".join(sorted((a, b), key=int))


def _event_json(event: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    body = {"id": event["id"], "event_type": "MessageCreate", "text": event["text"]}
    for name in ("created_at", "sender_id", "dm_conversation_id"):
        if name in fields:
            body[name] = event[name]
    if "participant_ids" in fields:
        body["participant_ids"] = event["dm_conversation_id"].split("-")
    return body


@bp.get("/api/2/dm_events")
@endpoint("dm_read")
def dm_events(token: dict[str, Any]):
    events = _state()["dm_events"]
    mine = [events[i] for i in _state()["dms_of"].get(token["user_id"], ())]
    types = request.args.get("event_types", "MessageCreate").split(",")
    mine = [e for e in mine if "MessageCreate" in types]
    result, error = _page(mine, default=100, low=1, high=100, ids_in_meta=False)
    if error:
        return error
    page, meta = result
    fields = _fields("dm_event.fields")
    body: dict[str, Any] = {"meta": meta}
    if page:
        body["data"] = [_event_json(e, fields) for e in page]
    if page and "sender_id" in request.args.get("expansions", ""):
        senders = sorted({e["sender_id"] for e in page})
        body["includes"] = {
            "users": [_user_json(_state()["users"][s], _fields("user.fields")) for s in senders]
        }
    return jsonify(body)


@bp.get("/api/2/dm_events/<event_id>")
@endpoint("dm_read")
def dm_event(token: dict[str, Any], event_id: str):
    event = _state()["dm_events"].get(event_id)
    if event is None or token["user_id"] not in event["dm_conversation_id"].split("-"):
        return jsonify({"errors": [{**_not_found(event_id, "event_id"), "resource_type": "dm_event"}]})
    return jsonify({"data": _event_json(event, _fields("dm_event.fields"))})


def _new_event(sender_id: str, recipient_id: str, text: str) -> dict[str, Any]:
    event = {
        "id": str(STORE.next_id()),
        "text": text,
        "sender_id": sender_id,
        "dm_conversation_id": _conversation_id(sender_id, recipient_id),
        "created_at": _iso(now()),
    }
    _state()["dm_events"][event["id"]] = event
    for participant in {sender_id, recipient_id}:
        _state()["dms_of"].setdefault(participant, []).append(event["id"])
    return event


@bp.post("/api/2/dm_conversations/with/<participant_id>/messages")
@endpoint("dm_create")
def send_dm(token: dict[str, Any], participant_id: str):
    body = request.get_json(silent=True) or {}
    text = (body.get("text") or "").strip()
    if participant_id not in _state()["users"] or participant_id == token["user_id"]:
        return _invalid(f"Invalid participant_id: [{participant_id}].", "participant_id", participant_id)
    if not text or len(text) > 10_000:
        return _invalid("text must be between 1 and 10000 characters.", "text", len(text))
    event = _new_event(token["user_id"], participant_id, text)
    STORE.record_published(
        network="x",
        account=token["user_id"],
        remote_id=event["id"],
        kind="dm",
        text=text,
        recipient=participant_id,
    )
    if faults.response_lost("x", account=token["user_id"]):
        return faults.lost_response()
    data = {"dm_conversation_id": event["dm_conversation_id"], "dm_event_id": event["id"]}
    return jsonify({"data": data}), 201
