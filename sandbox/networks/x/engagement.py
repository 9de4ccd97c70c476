"""Likes (POST /2/users/:id/likes) and hidden replies (PUT /2/tweets/:id/hidden)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from sandbox import faults
from sandbox.networks.x.blueprint import bp
from sandbox.networks.x.endpoints import endpoint
from sandbox.networks.x.errors import _invalid, _problem
from sandbox.networks.x.state import _state
from sandbox.state import STORE


def _live_tweet(tweet_id: str) -> dict[str, Any] | None:
    tweet = _state()["tweets"].get(str(tweet_id))
    return None if tweet is None or tweet.get("deleted") else tweet


@bp.post("/api/2/users/<user_id>/likes")
@endpoint("likes_create")
def like(token: dict[str, Any], user_id: str):
    """One like per user and tweet: liking again answers liked=true and changes nothing."""
    if user_id != token["user_id"]:
        return _problem(403, "You are not permitted to perform this action.")
    tweet_id = str((request.get_json(silent=True) or {}).get("tweet_id") or "")
    if not tweet_id:
        return _invalid("The `tweet_id` field is required.", "tweet_id", "")
    tweet = _live_tweet(tweet_id)
    if tweet is None:
        return _problem(404, f"Could not find tweet with tweet_id: [{tweet_id}].")
    likers = tweet.setdefault("liked_by", [])
    if user_id not in likers:
        likers.append(user_id)
        tweet["metrics"]["like_count"] += 1
        STORE.record_published(network="x", account=user_id, remote_id=tweet_id, kind="like", text="")
    if faults.response_lost("x", account=user_id):
        return faults.lost_response()
    return jsonify({"data": {"liked": True}})


@bp.put("/api/2/tweets/<tweet_id>/hidden")
@endpoint("tweets_hide")
def hide_reply(token: dict[str, Any], tweet_id: str):
    """Only replies by others in a conversation the user started; hiding twice is a success."""
    hidden = (request.get_json(silent=True) or {}).get("hidden")
    if not isinstance(hidden, bool):
        return _invalid("The `hidden` field is required and must be a boolean.", "hidden", hidden)
    tweet = _live_tweet(tweet_id)
    if tweet is None:
        return _problem(404, f"Could not find tweet with id: [{tweet_id}].")
    root = _state()["tweets"].get(tweet["conversation_id"]) or {}
    if root.get("author_id") != token["user_id"] or tweet["author_id"] == token["user_id"]:
        return _problem(
            403, "You can only hide or unhide replies to conversations you started, and not your own."
        )
    tweet["hidden"] = hidden
    if faults.response_lost("x", account=token["user_id"]):
        return faults.lost_response()
    return jsonify({"data": {"hidden": hidden}})
