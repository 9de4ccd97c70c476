"""The app.bsky views the PDS proxies to the AppView: getPosts (post views with counts) and getProfile."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from sandbox.networks.bluesky.blueprint import bp
from sandbox.networks.bluesky.errors import _invalid
from sandbox.networks.bluesky.identity import _access, _did_of
from sandbox.networks.bluesky.likes import _viewer
from sandbox.networks.bluesky.state import _state


def _author(did: str) -> dict[str, Any]:
    account = _state()["accounts"][did]
    return {"did": did, "handle": account["handle"], "displayName": account["display_name"], "labels": []}


def _post_view(stored: dict[str, Any]) -> dict[str, Any]:
    return {
        "uri": stored["uri"],
        "cid": stored["cid"],
        "author": _author(stored["did"]),
        "record": stored["value"],
        "replyCount": stored["replies"],
        "repostCount": stored["reposts"],
        "likeCount": stored["likes"],
        "quoteCount": stored["quotes"],
        "indexedAt": stored["indexed_at"],
        "labels": [],
    }


@bp.get("/pds/xrpc/app.bsky.feed.getPosts")
def get_posts():
    session, error = _access(write=False)
    if error:
        return error
    uris = request.args.getlist("uris")
    if len(uris) > 25:
        return _invalid("Error: uris must not have more than 25 elements")
    records = _state()["records"]
    # Deleted or unknown posts are simply left out, as the AppView does.
    posts = [
        {**_post_view(records[u]), "viewer": _viewer(_state(), session["did"], u)}
        for u in uris
        if u in records and not records[u]["deleted"]
    ]
    return jsonify({"posts": posts})


@bp.get("/pds/xrpc/app.bsky.actor.getProfile")
def get_profile():
    _session, error = _access(write=False)
    if error:
        return error
    did = _did_of(request.args.get("actor"))
    if did is None:
        return _invalid("Profile not found")
    account = _state()["accounts"][did]
    return jsonify(
        {
            **_author(did),
            "description": f"{account['display_name']} on Bluesky (sandbox)",
            "followersCount": account["followers"],
            "followsCount": account["follows"],
            "postsCount": account["posts"],
        }
    )
