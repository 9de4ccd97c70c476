"""Page conversations and messages (Messenger), and the Send API with its 24-hour window."""

from __future__ import annotations

from datetime import timedelta

from flask import jsonify

from sandbox import faults
from sandbox.networks.meta import webhooks
from sandbox.networks.meta.errors import LOST, _fail
from sandbox.networks.meta.parsing import Call, _json_param
from sandbox.networks.meta.permissions import _require
from sandbox.networks.meta.world import _fb_time, _new_id, _objects, _of_type
from sandbox.state import STORE, now

MESSAGING_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)


def _plain_conversation(call: Call, obj: dict) -> dict:
    page = _objects()[obj["page_id"]]
    messages = _of_type("message", conversation_id=obj["id"])
    return {
        "id": obj["id"],
        "link": f"/{page['username']}/inbox/{obj['id']}",
        "updated_time": _fb_time(obj["updated_time"]),
        "message_count": len(messages),
        "unread_count": sum(1 for m in messages if m["from"]["id"] != page["id"] and not m.get("read")),
        "participants": {
            "data": [
                {"name": obj["name"], "email": f"{obj['psid']}@facebook.com", "id": obj["psid"]},
                {"name": page["name"], "email": f"{page['id']}@facebook.com", "id": page["id"]},
            ]
        },
    }


def _plain_message(call: Call, obj: dict) -> dict:
    return {
        "id": obj["id"],
        "created_time": _fb_time(obj["created_time"]),
        "from": obj["from"],
        "to": {"data": [obj["to"]]},
        "message": obj["message"],
    }


def _list_conversations(call: Call, page: dict, params: dict) -> list[dict]:
    _require(call, "pages_messaging", code=230)
    if params.get("platform", "messenger") != "messenger":
        return []
    items = _of_type("conversation", page_id=page["id"])
    if params.get("user_id"):
        items = [c for c in items if c["psid"] == params["user_id"]]
    return sorted(items, key=lambda c: (c["updated_time"], c["id"]), reverse=True)


def _list_messages(call: Call, conversation: dict, params: dict) -> list[dict]:
    _require(call, "pages_messaging", code=230)
    return list(reversed(_of_type("message", conversation_id=conversation["id"])))


def _post_message(call: Call, page: dict):
    """POST /{page}/messages (Send API): only inside the 24-hour window the customer's last message opened."""
    _require(call, "pages_messaging", code=230)
    recipient = _json_param(call.params.get("recipient")) or {}
    message = _json_param(call.params.get("message")) or {}
    psid = str(recipient.get("id", "")) if isinstance(recipient, dict) else ""
    text = str(message.get("text", "")) if isinstance(message, dict) else ""
    conversation = next(iter(_of_type("conversation", page_id=page["id"], psid=psid)), None)
    if conversation is None:
        raise _fail(400, "(#100) No matching user found", 100, subcode=2018001)
    if not text:
        raise _fail(400, "(#100) param message must be non-empty", 100)
    if len(text) > 2000:
        raise _fail(400, "(#100) Length of param message[text] must be less than or equal to 2000", 100)
    window = MESSAGING_WINDOW
    if call.params.get("messaging_type") == "MESSAGE_TAG" and call.params.get("tag") == "HUMAN_AGENT":
        window = HUMAN_AGENT_WINDOW
    last = [m for m in _of_type("message", conversation_id=conversation["id"]) if m["from"]["id"] == psid]
    if not last or now() - last[-1]["created_time"] > window:
        raise _fail(
            400,
            "(#10) This message is sent outside of allowed window. Learn more about the new policy here: "
            "https://developers.facebook.com/docs/messenger-platform/policy-overview",
            10,
            subcode=2018278,
        )
    author = {"name": page["name"], "email": f"{page['id']}@facebook.com", "id": page["id"]}
    recipient_info = {"name": conversation["name"], "email": f"{psid}@facebook.com", "id": psid}
    sent = _add_message(conversation, author, recipient_info, text)
    STORE.record_published(
        network="facebook", account=page["id"], remote_id=sent["id"], kind="dm", text=text, recipient=psid
    )
    if faults.response_lost("facebook", account=page["id"]):
        return LOST
    return jsonify({"recipient_id": psid, "message_id": sent["id"]})


def _add_message(
    conversation: dict, author: dict, recipient: dict, text: str, *, notify: bool = True
) -> dict:
    message_id = f"m_{_new_id()}"
    message = {
        "type": "message",
        "id": message_id,
        "page_id": conversation["page_id"],
        "conversation_id": conversation["id"],
        "from": author,
        "to": recipient,
        "message": text,
        "created_time": now(),
    }
    _objects()[message_id] = message
    conversation["updated_time"] = message["created_time"]
    if notify:
        webhooks.page_message(message)
    return message
