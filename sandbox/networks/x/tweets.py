"""Tweets: twitter-text length, X's tweet objects, create (duplicates, daily cap), lookup, delete."""

from __future__ import annotations

import hashlib
import html
import unicodedata
from datetime import timedelta
from typing import Any

import regex
from flask import Response, jsonify, make_response, request

from sandbox import faults
from sandbox.networks.x.blueprint import bp
from sandbox.networks.x.endpoints import DAY, TWEETS_PER_DAY, _fields, _rate_headers, _window, endpoint
from sandbox.networks.x.errors import _field_error, _invalid, _not_found, _problem
from sandbox.networks.x.state import _iso, _parse_iso, _state
from sandbox.state import STORE, now

DUPLICATE_WINDOW = timedelta(hours=24)
TWEET_LIMIT = 280
URL_WEIGHT = 23
MAX_MEDIA = 4
NON_PUBLIC_DAYS = 30
_URL = regex.compile(r"https?://[^\s<>\"']+", regex.IGNORECASE)
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}")
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def weighted_length(text: str) -> int:
    """twitter-text v3 in brief: each URL counts 23, CJK and emoji count 2, the rest 1."""
    text = unicodedata.normalize("NFC", text)
    total = URL_WEIGHT * len(_URL.findall(text))
    for grapheme in _GRAPHEME.findall(_URL.sub("", text)):
        if _EMOJI.search(grapheme):
            total += 2
            continue
        total += sum(1 if any(lo <= ord(c) <= hi for lo, hi in _LIGHT) else 2 for c in grapheme)
    return total


def _shortened(tweet: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The text as X returns it (links wrapped in t.co, a media link appended) and its url entities."""
    text, urls = tweet["text"], []
    out, position = "", 0
    for match in _URL.finditer(text):
        short = "https://t.co/" + hashlib.sha1(f"{tweet['id']}{match.group()}".encode()).hexdigest()[:10]
        out += text[position : match.start()]
        urls.append(
            {"start": len(out), "end": len(out) + len(short), "url": short, "expanded_url": match.group()}
        )
        out += short
        position = match.end()
    out += text[position:]
    if tweet["media_keys"]:
        short = "https://t.co/" + hashlib.sha1(f"{tweet['id']}media".encode()).hexdigest()[:10]
        out = f"{out} {short}" if out else short
        author = _state()["users"][tweet["author_id"]]["username"]
        urls.append(
            {
                "start": len(out) - len(short),
                "end": len(out),
                "url": short,
                "expanded_url": f"https://x.com/{author}/status/{tweet['id']}/photo/1",
                "display_url": "pic.x.com/" + short[-10:],
                "media_key": tweet["media_keys"][0],
            }
        )
    return out, urls


def _tweet_json(tweet: dict[str, Any], fields: set[str], user_id: str | None = None) -> dict[str, Any]:
    text, urls = _shortened(tweet)
    body: dict[str, Any] = {
        "id": tweet["id"],
        "text": html.escape(text, quote=False),
        "edit_history_tweet_ids": [tweet["id"]],
    }
    optional = {
        "created_at": tweet["created_at"],
        "author_id": tweet["author_id"],
        "conversation_id": tweet["conversation_id"],
        "in_reply_to_user_id": tweet.get("in_reply_to_user_id"),
        "referenced_tweets": (
            [{"type": "replied_to", "id": tweet["in_reply_to"]}] if tweet.get("in_reply_to") else None
        ),
        "attachments": {"media_keys": tweet["media_keys"]} if tweet["media_keys"] else None,
        "entities": _entities(tweet, urls),
        "public_metrics": {k: tweet["metrics"][k] for k in _PUBLIC},
    }
    for name, value in optional.items():
        if name in fields and value is not None:
            body[name] = value
    if "non_public_metrics" in fields and _non_public_allowed(tweet, user_id):
        body["non_public_metrics"] = {k: tweet["metrics"][k] for k in _NON_PUBLIC}
    return body


_PUBLIC = ("retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count", "impression_count")
_NON_PUBLIC = ("impression_count", "url_link_clicks", "user_profile_clicks")


def _entities(tweet: dict[str, Any], urls: list[dict[str, Any]]) -> dict[str, Any] | None:
    entities: dict[str, Any] = {}
    if urls:
        entities["urls"] = urls
    if tweet.get("mentions"):
        entities["mentions"] = tweet["mentions"]
    return entities or None


def _non_public_allowed(tweet: dict[str, Any], user_id: str | None) -> bool:
    recent = now() - _parse_iso(tweet["created_at"]) < timedelta(days=NON_PUBLIC_DAYS)
    return tweet["author_id"] == user_id and recent


def _new_tweet(author_id: str, text: str, **extra: Any) -> dict[str, Any]:
    tweet_id = str(STORE.next_id())
    tweet = {
        "id": tweet_id,
        "author_id": author_id,
        "text": text,
        "created_at": _iso(now()),
        "conversation_id": tweet_id,
        "media_keys": [],
        "metrics": dict.fromkeys(_PUBLIC + _NON_PUBLIC, 0),
        **extra,
    }
    _state()["tweets"][tweet_id] = tweet
    _state()["tweets_by"].setdefault(author_id, []).append(tweet_id)
    for mention in tweet.get("mentions") or ():
        _state()["mentions_of"].setdefault(mention["id"], []).append(tweet_id)
    return tweet


def _tweets_of(index: str, user_id: str) -> list[dict[str, Any]]:
    """The live tweets one index (tweets_by, mentions_of) lists for a user, oldest first."""
    tweets = _state()["tweets"]
    return [tweets[i] for i in _state()[index].get(user_id, ()) if not tweets[i].get("deleted")]


def _check_tweet(token: dict[str, Any], body: dict[str, Any]) -> Response | None:
    """Why X would refuse this tweet, as X says it; None when it may be created."""
    text = (body.get("text") or "").strip()
    media_ids = [str(m) for m in (body.get("media") or {}).get("media_ids") or []]
    if not text and not media_ids:
        return _invalid("You must specify at least one of text or media.media_ids.", "text", "")
    if weighted_length(text) > TWEET_LIMIT:
        return _invalid(
            "Your Tweet text is too long. For more information on how Twitter determines text length "
            "see https://github.com/twitter/twitter-text."
        )
    if len(media_ids) > MAX_MEDIA:
        return _invalid(
            f"media.media_ids must have between 1 and {MAX_MEDIA} items.", "media.media_ids", media_ids
        )
    for media_id in media_ids:
        media = _state()["media"].get(media_id)
        if media is None or media["user_id"] != token["user_id"] or media["state"] != "succeeded":
            return _invalid("Your media IDs are invalid.", "media.media_ids", media_id)
    reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
    if reply_to is not None:
        parent = _state()["tweets"].get(str(reply_to))
        if parent is None or parent.get("deleted"):
            return _problem(403, "You attempted to reply to a Tweet that is deleted or not visible to you.")
    if text and _is_duplicate(token["user_id"], text):
        return _problem(403, "You are not allowed to create a Tweet with duplicate content.")
    return None


def _is_duplicate(user_id: str, text: str) -> bool:
    return any(
        t["text"] == text and now() - _parse_iso(t["created_at"]) < DUPLICATE_WINDOW
        for t in _tweets_of("tweets_by", user_id)
    )


@bp.post("/api/2/tweets")
@endpoint("tweets_create")
def create_tweet(token: dict[str, Any]):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _invalid("Request body must be a JSON object.")
    day = _window(token["user_id"], "tweets_day", TWEETS_PER_DAY, DAY)
    if day["used"] > day["limit"]:
        return _rate_headers(_problem(429), day, "x-user-limit-24hour")
    with STORE.lock:  # the duplicate check and the write happen as one step
        refused = _check_tweet(token, body)
        if refused is not None:
            day["used"] -= 1
            return refused
        tweet = _publish(token, body)
    if faults.response_lost("x", account=token["user_id"]):
        return faults.lost_response()
    response = make_response(jsonify({"data": _tweet_json(tweet, set())}), 201)
    return _rate_headers(response, day, "x-user-limit-24hour")


def _publish(token: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
    media_ids = [str(m) for m in (body.get("media") or {}).get("media_ids") or []]
    extra: dict[str, Any] = {"media_keys": [_state()["media"][m]["media_key"] for m in media_ids]}
    if reply_to:
        parent = _state()["tweets"][str(reply_to)]
        parent["metrics"]["reply_count"] += 1
        extra |= {
            "in_reply_to": parent["id"],
            "in_reply_to_user_id": parent["author_id"],
            "conversation_id": parent["conversation_id"],
        }
    tweet = _new_tweet(token["user_id"], (body.get("text") or "").strip(), **extra)
    STORE.record_published(
        network="x",
        account=token["user_id"],
        remote_id=tweet["id"],
        kind="reply" if reply_to else "post",
        text=tweet["text"],
        media_ids=media_ids,
        in_reply_to=reply_to,
    )
    return tweet


@bp.get("/api/2/tweets")
@endpoint("tweets_lookup")
def lookup_tweets(token: dict[str, Any]):
    ids = [i for i in request.args.get("ids", "").split(",") if i]
    if not 1 <= len(ids) <= 100:
        return _invalid("The `ids` query parameter must have between 1 and 100 items.", "ids", len(ids))
    fields = _fields("tweet.fields")
    data, errors = [], []
    for tweet_id in ids:
        tweet = _state()["tweets"].get(tweet_id)
        if tweet is None or tweet.get("deleted"):
            errors.append(_not_found(tweet_id, "ids"))
            continue
        data.append(_tweet_json(tweet, fields, token["user_id"]))
        if "non_public_metrics" in fields and not _non_public_allowed(tweet, token["user_id"]):
            errors.append(_field_error(tweet_id))
    body: dict[str, Any] = {"data": data} if data else {}
    if errors:
        body["errors"] = errors
    return jsonify(body)


@bp.get("/api/2/tweets/<tweet_id>")
@endpoint("tweets_lookup")
def get_tweet(token: dict[str, Any], tweet_id: str):
    tweet = _state()["tweets"].get(tweet_id)
    if tweet is None or tweet.get("deleted"):
        return jsonify({"errors": [_not_found(tweet_id, "id")]})
    return jsonify({"data": _tweet_json(tweet, _fields("tweet.fields"), token["user_id"])})


@bp.delete("/api/2/tweets/<tweet_id>")
@endpoint("tweets_delete")
def delete_tweet(token: dict[str, Any], tweet_id: str):
    tweet = _state()["tweets"].get(tweet_id)
    if tweet is None or tweet.get("deleted"):
        return _problem(404, f"Could not find tweet with id: [{tweet_id}].")
    if tweet["author_id"] != token["user_id"]:
        return _problem(403, "You are not allowed to delete a Tweet that does not belong to you.")
    tweet["deleted"] = True
    STORE.record_deleted(network="x", remote_id=tweet_id)
    return jsonify({"data": {"deleted": True}})
