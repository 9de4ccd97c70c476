"""User timelines and mentions, and X's pagination (shared with the DM list)."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, jsonify, request

from sandbox.networks.x.blueprint import bp
from sandbox.networks.x.endpoints import _fields, endpoint
from sandbox.networks.x.errors import _invalid
from sandbox.networks.x.state import _parse_iso, _state
from sandbox.networks.x.tweets import _tweet_json, _tweets_of
from sandbox.networks.x.users import _user_json


def _page(items: list[dict[str, Any]], *, default: int, low: int, high: int, ids_in_meta: bool = True):
    """Newest first; X's opaque pagination_token / meta.next_token; since_id and until_id."""
    raw = request.args.get("max_results", str(default))
    if not raw.isdigit() or not low <= int(raw) <= high:
        message = f"The `max_results` query parameter value [{raw}] is not between {low} and {high}"
        return None, _invalid(message, "max_results", raw)
    items = sorted(items, key=lambda i: int(i["id"]), reverse=True)
    token = request.args.get("pagination_token")
    if token:
        before = _state()["page_tokens"].get(token)
        if before is None:
            return None, _invalid(
                "The `pagination_token` query parameter value is invalid", "pagination_token", token
            )
        items = [i for i in items if int(i["id"]) < int(before)]
    if request.args.get("since_id"):
        items = [i for i in items if int(i["id"]) > int(request.args["since_id"])]
    if request.args.get("until_id"):
        items = [i for i in items if int(i["id"]) < int(request.args["until_id"])]
    page = items[: int(raw)]
    meta: dict[str, Any] = {"result_count": len(page)}
    if page and ids_in_meta:
        meta |= {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
    if len(items) > len(page):
        next_token = hashlib.sha1(f"{page[-1]['id']}{len(_state()['page_tokens'])}".encode()).hexdigest()
        _state()["page_tokens"][next_token] = page[-1]["id"]
        meta["next_token"] = next_token
    return (page, meta), None


def _timeline(token: dict[str, Any], selected: list[dict[str, Any]]) -> Response:
    if request.args.get("start_time"):
        start = _parse_iso(request.args["start_time"])
        selected = [t for t in selected if _parse_iso(t["created_at"]) >= start]
    result, error = _page(selected, default=10, low=5, high=100)
    if error:
        return error
    page, meta = result
    fields = _fields("tweet.fields")
    body: dict[str, Any] = {"meta": meta}
    if page:
        body["data"] = [_tweet_json(t, fields, token["user_id"]) for t in page]
    if page and "author_id" in request.args.get("expansions", ""):
        authors = {t["author_id"] for t in page}
        body["includes"] = {
            "users": [_user_json(_state()["users"][a], _fields("user.fields")) for a in sorted(authors)]
        }
    return jsonify(body)


@bp.get("/api/2/users/<user_id>/tweets")
@endpoint("user_tweets")
def user_tweets(token: dict[str, Any], user_id: str):
    if user_id not in _state()["users"]:
        return _invalid(
            f"The `id` query parameter value [{user_id}] does not match ^[0-9]{{1,19}}$", "id", user_id
        )
    excluded = set(request.args.get("exclude", "").split(","))
    tweets = [
        t for t in _tweets_of("tweets_by", user_id) if not ("replies" in excluded and t.get("in_reply_to"))
    ]
    return _timeline(token, tweets)


@bp.get("/api/2/users/<user_id>/mentions")
@endpoint("mentions")
def mentions(token: dict[str, Any], user_id: str):
    return _timeline(token, _tweets_of("mentions_of", user_id))
