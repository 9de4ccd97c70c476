"""X's user objects and the authenticated user (GET /2/users/me)."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from sandbox.networks.x.blueprint import bp
from sandbox.networks.x.endpoints import _fields, endpoint
from sandbox.networks.x.state import _state


def _user_json(user: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    body = {"id": user["id"], "name": user["name"], "username": user["username"]}
    if "public_metrics" in fields:
        body["public_metrics"] = {
            "followers_count": user["followers_count"],
            "following_count": user["following_count"],
            "tweet_count": len(_state()["tweets_by"].get(user["id"], ())),
            "listed_count": 3,
            "like_count": 12,
        }
    if "created_at" in fields:
        body["created_at"] = user["created_at"]
    if "profile_image_url" in fields:
        body["profile_image_url"] = f"https://pbs.twimg.com/profile_images/{user['id']}/avatar_normal.jpg"
    return body


@bp.get("/api/2/users/me")
@endpoint("users_me")
def users_me(token: dict[str, Any]):
    return jsonify({"data": _user_json(_state()["users"][token["user_id"]], _fields("user.fields"))})
