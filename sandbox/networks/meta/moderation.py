"""Moderating comments as the page or the IG account: like (Facebook only), hide or show again, delete."""

from __future__ import annotations

from flask import jsonify

from sandbox import faults
from sandbox.networks.meta.errors import LOST, _fail
from sandbox.networks.meta.parsing import Call
from sandbox.networks.meta.permissions import _require, _require_ig
from sandbox.networks.meta.world import _of_type
from sandbox.state import STORE


def _flag(call: Call, name: str) -> bool:
    value = call.params.get(name)
    if value is None:
        raise _fail(400, f"(#100) The parameter {name} is required", 100)
    return str(value).lower() in ("true", "1")


def _answer(network: str, account: str):
    """{"success": true}, unless an injected fault loses the answer to a write that happened."""
    if faults.response_lost(network, account=account):
        return LOST
    return jsonify({"success": True})


def _delete_thread(comment: dict, kind: str, network: str) -> None:
    """A deleted comment takes its replies with it; the read-back marks whatever of it was recorded."""
    for reply in _of_type(kind, parent_id=comment["id"]):
        _delete_thread(reply, kind, network)
    comment["deleted"] = True
    STORE.record_deleted(network=network, remote_id=comment["id"])


def _like_comment(call: Call, comment: dict):
    """POST /{comment}/likes: the page likes the comment; Graph keeps one like per liker."""
    _require(call, "pages_manage_engagement", code=200)
    page_id = comment["page_id"]
    likers = comment.setdefault("liked_by", [])
    if page_id not in likers:
        likers.append(page_id)
        comment["likes"] = comment.get("likes", 0) + 1
        STORE.record_published(
            network="facebook", account=page_id, remote_id=comment["id"], kind="like", text=""
        )
    return _answer("facebook", page_id)


def _hide_comment(call: Call, comment: dict):
    """POST /{comment}?is_hidden=true|false: hidden from the public, still listed to the page."""
    _require(call, "pages_manage_engagement", code=200)
    comment["hidden"] = _flag(call, "is_hidden")
    return _answer("facebook", comment["page_id"])


def _delete_comment(call: Call, comment: dict):
    _require(call, "pages_manage_engagement", code=200)
    _delete_thread(comment, "comment", "facebook")
    return _answer("facebook", comment["page_id"])


def _hide_ig_comment(call: Call, comment: dict):
    """POST /{ig-comment}?hide=true|false."""
    _require_ig(call, "instagram_manage_comments")
    comment["hidden"] = _flag(call, "hide")
    return _answer("instagram", comment["ig_user_id"])


def _delete_ig_comment(call: Call, comment: dict):
    _require_ig(call, "instagram_manage_comments")
    _delete_thread(comment, "ig_comment", "instagram")
    return _answer("instagram", comment["ig_user_id"])
