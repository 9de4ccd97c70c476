"""Comments on posts and replies to comments (socialActions)."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, jsonify, request

from sandbox import faults
from sandbox.networks.linkedin.access import _authenticated, _denied_here, _forbidden, _may_act_as
from sandbox.networks.linkedin.blueprint import bp
from sandbox.networks.linkedin.errors import _error, _input_error
from sandbox.networks.linkedin.paging import _paged
from sandbox.networks.linkedin.state import _millis, _state
from sandbox.state import STORE

_COMMENT_URN = re.compile(r"urn:li:comment:\((urn:li:(?:share|ugcPost):\d+),(\d+)\)")


def _post_of(urn: str) -> str:
    match = _COMMENT_URN.fullmatch(urn)
    return match.group(1) if match else urn


def _comment_count(state: dict[str, Any], post_urn: str) -> int:
    return len(state["comments_on"].get(post_urn, ()))


def _add_comment(
    state: dict[str, Any], post_urn: str, actor: str, text: str, parent: str | None = None
) -> dict[str, Any]:
    comment_id = str(STORE.next_id())
    comment = {
        "id": comment_id,
        "urn": f"urn:li:comment:({post_urn},{comment_id})",
        "object": post_urn,
        "parent": parent,
        "actor": actor,
        "text": text,
        "created": _millis(),
    }
    state["comments"].append(comment)
    state["comment_urns"][comment["urn"]] = comment
    state["comments_on"].setdefault(post_urn, []).append(comment)
    if parent:
        state["reply_counts"][parent] = state["reply_counts"].get(parent, 0) + 1
    return comment


def _comment_json(comment: dict[str, Any]) -> dict[str, Any]:
    replies = _state()["reply_counts"].get(comment["urn"], 0)
    likes = sum(1 for _actor, entity in _state()["reactions"] if entity == comment["urn"])
    stamp = {"actor": comment["actor"], "time": comment["created"]}
    body = {
        "$URN": comment["urn"],
        "commentUrn": comment["urn"],
        "id": comment["id"],
        "actor": comment["actor"],
        "object": comment["object"],
        "message": {"text": comment["text"], "attributes": []},
        "created": stamp,
        "lastModified": stamp,
        "likesSummary": {"totalLikes": likes, "aggregatedTotalLikes": likes, "likedByCurrentUser": False},
        "commentsSummary": {"totalFirstLevelComments": replies, "aggregatedTotalComments": replies},
    }
    if comment["parent"]:
        body["parentComment"] = comment["parent"]
    return body


def _commented(urn: str) -> tuple[dict[str, Any] | None, str | None]:
    """The post a socialActions URN (post or comment) belongs to, and the parent comment if any."""
    post = _state()["posts"].get(_post_of(urn))
    if post is None or post["deleted"]:
        return None, None
    if urn == post["id"]:
        return post, None
    known = urn in _state()["comment_urns"]
    return (post, urn) if known else (None, None)


@bp.get("/api/rest/socialActions/<urn>/comments")
def list_comments(urn: str):
    post, parent = _commented(urn)
    record, error = _authenticated(post["author"] if post else None)
    if error:
        return error
    if post is None:
        return _error(404, f"Not Found: {urn}", code="NOT_FOUND")
    why = _may_act_as(record, post["author"], write=False)
    if why:
        return _forbidden(why, "partnerApiSocialActions.FINDER")
    items = [c for c in _state()["comments_on"].get(post["id"], []) if c["parent"] == parent]
    return _paged(items, with_total=True, render=_comment_json)


@bp.post("/api/rest/socialActions/<urn>/comments")
def create_comment(urn: str):
    body = request.get_json(silent=True) or {}
    actor = str(body.get("actor", ""))
    record, error = _authenticated(actor or None)
    if error:
        return error
    post, parent = _commented(urn)
    if post is None:
        return _error(404, f"Not Found: {urn}", code="NOT_FOUND")
    why = _may_act_as(record, actor, write=True)
    if why:
        return _forbidden(why, "partnerApiSocialActions.CREATE", field="actor")
    text = str((body.get("message") or {}).get("text", ""))
    if body.get("object") != post["id"] or not text:
        return _input_error("/object and /message/text are required", "MISSING_FIELD")
    comment = _add_comment(_state(), post["id"], actor, text, parent or body.get("parentComment"))
    STORE.record_published(
        network="linkedin", account=actor, remote_id=comment["urn"], kind="reply", text=text, post=post["id"]
    )
    if faults.response_lost("linkedin", account=actor):
        return faults.lost_response()
    response = jsonify(_comment_json(comment))
    response.status_code = 201
    response.headers["x-restli-id"] = comment["urn"]
    return response


@bp.delete("/api/rest/socialActions/<urn>/comments/<comment_id>")
def delete_comment(urn: str, comment_id: str):
    """The comment's author, or the author of the post it is on, deletes it (and its replies)."""
    post, _parent = _commented(urn)
    actor = request.args.get("actor", "")
    record, error = _authenticated(actor or (post["author"] if post else None))
    if error:
        return error
    comment = next(
        (c for c in _state()["comments"] if post and c["id"] == comment_id and c["object"] == post["id"]),
        None,
    )
    if comment is None:
        return _error(404, f"Not Found: {comment_id}", code="NOT_FOUND")
    actor = actor or record["urn"]  # without an actor LinkedIn acts as the member
    why = _may_act_as(record, actor, write=True)
    if why:
        return _forbidden(why, "partnerApiSocialActions.DELETE", field="actor")
    if actor not in (comment["actor"], post["author"]):
        return _denied_here("partnerApiSocialActions.DELETE")
    state = _state()
    gone = {comment["urn"]} | {c["urn"] for c in state["comments"] if c["parent"] == comment["urn"]}
    state["comments"] = [c for c in state["comments"] if c["urn"] not in gone]
    # The indexes kept at insertion forget the deleted comments too.
    for removed in gone:
        state["comment_urns"].pop(removed, None)
        state["reply_counts"].pop(removed, None)
    state["comments_on"][post["id"]] = [
        c for c in state["comments_on"].get(post["id"], []) if c["urn"] not in gone
    ]
    if comment["parent"] in state["reply_counts"]:
        state["reply_counts"][comment["parent"]] -= 1
    for removed in gone:
        STORE.record_deleted(network="linkedin", remote_id=removed)
    return Response(status=204)
