"""X (API v2) at /x: OAuth 2.0 with PKCE, rotating refresh tokens, tweets, media upload v2, mentions, DMs."""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import itertools
import unicodedata
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

import regex
from flask import Blueprint, Response, jsonify, make_response, request

from sandbox import faults
from sandbox.networks.common import bearer_token, is_write
from sandbox.oauth_pages import pkce_ok, run_authorize
from sandbox.state import STORE, now

NETWORKS = ("x",)
bp = Blueprint("x", __name__, url_prefix="/x")

CLIENT_ID = "cadenza-sandbox-x"
CLIENT_SECRET = "sandbox-secret-x"
# An app X knows but that is not attached to a project: API v2 answers it with client-not-enrolled.
UNENROLLED_APP = ("cadenza-unenrolled-x", "sandbox-secret-unenrolled-x")
ACCESS_LIFETIME = timedelta(hours=2)
CODE_LIFETIME = timedelta(seconds=30)  # X's authorization codes are good for 30 seconds
RATE_WINDOW = timedelta(minutes=15)
DAY = timedelta(hours=24)
DUPLICATE_WINDOW = timedelta(hours=24)
TWEET_LIMIT = 280
URL_WEIGHT = 23
MAX_MEDIA = 4
MAX_IMAGE_BYTES = 5 * 1024 * 1024
NON_PUBLIC_DAYS = 30
USERS = ("brandx", "studio")
FANS = (("giulia", "Giulia"), ("marco", "Marco"), ("sam", "Sam"))

# Requests per user per 15 minutes, and the OAuth 2.0 scopes each endpoint needs (as X documents them).
READ = ("tweet.read", "users.read")
ENDPOINTS: dict[str, tuple[int, tuple[str, ...]]] = {
    "users_me": (75, READ),
    "tweets_create": (100, (*READ, "tweet.write")),
    "tweets_delete": (50, (*READ, "tweet.write")),
    "tweets_lookup": (900, READ),
    "user_tweets": (900, READ),
    "mentions": (300, READ),
    "dm_read": (300, (*READ, "dm.read")),
    "dm_create": (200, (*READ, "dm.read", "dm.write")),
    "media": (500, ("media.write",)),
}
TWEETS_PER_DAY = 100  # per user, with x-user-limit-24hour-* headers on POST /2/tweets

_URL = regex.compile(r"https?://[^\s<>\"']+", regex.IGNORECASE)
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}")
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF")


def seed(state: dict[str, Any]) -> None:
    """Two brand accounts and three fans; Cadenza's app is registered with any redirect URI."""
    state.update(
        apps={
            CLIENT_ID: {"name": "Cadenza", "secret": CLIENT_SECRET, "redirect_uris": None, "enrolled": True},
            UNENROLLED_APP[0]: {
                "name": "Cadenza (no project)",
                "secret": UNENROLLED_APP[1],
                "redirect_uris": None,
                "enrolled": False,
            },
        },
        codes={},
        grants={},
        tokens={},
        refresh_tokens={},
        users={},
        tweets={},
        media={},
        dm_events={},
        page_tokens={},
        rate={},
        counter=itertools.count(1),
    )
    people = [(u, u.title(), 250) for u in USERS] + [(u, n, 40) for u, n in FANS]
    for index, (username, name, followers) in enumerate(people):
        user_id = str(1_470_000_000_000_000_001 + index)
        state["users"][user_id] = {
            "id": user_id,
            "username": username,
            "name": name,
            "followers_count": followers,
            "following_count": 80,
            "created_at": "2019-05-01T09:00:00.000Z",
        }


def _state() -> dict[str, Any]:
    return STORE.networks["x"]


def _user_by_name(username: str) -> dict[str, Any]:
    return next(u for u in _state()["users"].values() if u["username"] == username)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- errors and rate limits -----------------------------------------------------------------------
def _problem(status: int, detail: str | None = None, **extra: Any) -> Response:
    """X's RFC 7807 error body."""
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body = {"title": title, "detail": detail or title, "type": "about:blank", "status": status, **extra}
    response = jsonify(body)
    response.status_code = status
    response.content_type = "application/problem+json"
    return response


def _invalid(message: str, parameter: str | None = None, value: Any = None) -> Response:
    """400 Invalid Request, with X's `errors` list."""
    error: dict[str, Any] = {"message": message}
    if parameter:
        error["parameters"] = {parameter: [str(value)]}
    response = jsonify(
        {
            "errors": [error],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        }
    )
    response.status_code = 400
    return response


def _oauth_error(status: int, error: str, description: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    return response


def _window(user_id: str, name: str, limit: int, length: timedelta = RATE_WINDOW) -> dict[str, Any]:
    """The current fixed window of one endpoint for one user, counting this request."""
    key = (user_id, name)
    window = _state()["rate"].get(key)
    if window is None or now() >= window["reset"]:
        window = {"limit": limit, "used": 0, "reset": now() + length}
        _state()["rate"][key] = window
    window["used"] += 1
    return window


def _rate_headers(response: Response, window: dict[str, Any], prefix: str = "x-rate-limit") -> Response:
    remaining = max(0, window["limit"] - window["used"])
    response.headers[f"{prefix}-limit"] = str(window["limit"])
    response.headers[f"{prefix}-remaining"] = str(remaining)
    response.headers[f"{prefix}-reset"] = str(int(window["reset"].timestamp()))
    return response


def _too_many(window: dict[str, Any]) -> Response:
    window["used"] = max(window["used"], window["limit"])
    return _rate_headers(_problem(429), window)


def _fault_response(fault: dict[str, Any], token: dict[str, Any], window: dict[str, Any]) -> Response:
    kind = fault["kind"]
    if kind == "rate_limit":
        return _too_many(window)
    if kind == "quota":
        day = _window(token["user_id"], "tweets_day", TWEETS_PER_DAY, DAY)
        day["used"] = day["limit"]
        return _rate_headers(_rate_headers(_problem(429), window), day, "x-user-limit-24hour")
    if kind == "revoked":
        _state()["grants"][token["grant_id"]]["revoked"] = True
        return _problem(401)
    if kind == "expired":
        token["expires_at"] = now()
        return _problem(401)
    return _problem(int(fault.get("status", 500)))


def _client_forbidden(client_id: str) -> Response:
    response = jsonify(
        {
            "client_id": client_id,
            "detail": (
                "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens "
                "from a Twitter developer App that is attached to a Project. You can create a project via "
                "the developer portal."
            ),
            "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
            "title": "Client Forbidden",
            "required_enrollment": "Appropriate Level of API Access",
            "reason": "client-not-enrolled",
            "type": "https://api.twitter.com/2/problems/client-forbidden",
        }
    )
    response.status_code = 403
    return response


def _token_record() -> dict[str, Any] | None:
    record = _state()["tokens"].get(bearer_token() or "")
    if record is None or _state()["grants"][record["grant_id"]]["revoked"] or now() >= record["expires_at"]:
        return None
    return record


def endpoint(name: str):
    """Bearer auth, fault injection, per-user rate window and scope check; the view gets the token record."""
    limit, scopes = ENDPOINTS[name]

    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            token = _token_record()
            if token is None:
                return _problem(401)
            window = _window(token["user_id"], name, limit)
            fault = faults.before_call("x", account=token["user_id"], write=is_write())
            if fault:
                return _fault_response(fault, token, window)
            if window["used"] > window["limit"]:
                return _too_many(window)
            client_id = _state()["grants"][token["grant_id"]]["client_id"]
            if not _state()["apps"][client_id]["enrolled"]:
                return _rate_headers(_client_forbidden(client_id), window)
            if not set(scopes) <= set(token["scopes"]):
                return _rate_headers(_problem(403), window)
            response = make_response(view(token, *args, **kwargs))
            if response.status_code == 504:  # a lost response carries no headers of X's
                return response
            return _rate_headers(response, window)

        return inner

    return wrap


# --- OAuth 2.0 ------------------------------------------------------------------------------------
@bp.route("/www/i/oauth2/authorize", methods=["GET", "POST"])
def authorize():
    apps = {
        cid: {"name": a["name"], "redirect_uris": a["redirect_uris"]} for cid, a in _state()["apps"].items()
    }

    def issue(grant: dict) -> str:
        code = STORE.token("")
        _state()["codes"][code] = {**grant, "issued_at": now()}
        return code

    return run_authorize(
        network_name="X",
        apps=apps,
        users=list(USERS),
        scope_separator=" ",
        issue_code=issue,
        require_pkce=True,
    )


def _client() -> str | None:
    """The client id authenticated with HTTP Basic (confidential client), or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value).decode().partition(":")
    except ValueError:
        return None
    app = _state()["apps"].get(client_id)
    return client_id if app and app["secret"] == secret else None


def _issue_tokens(grant_id: str, user_id: str, scopes: list[str]) -> dict[str, Any]:
    access = STORE.token("")
    _state()["tokens"][access] = {
        "user_id": user_id,
        "scopes": scopes,
        "grant_id": grant_id,
        "expires_at": now() + ACCESS_LIFETIME,
    }
    body = {
        "token_type": "bearer",
        "expires_in": int(ACCESS_LIFETIME.total_seconds()),
        "access_token": access,
        "scope": " ".join(scopes),
    }
    # Only offline.access earns a refresh token; each one is good for a single use.
    if "offline.access" in scopes:
        refresh = STORE.token("")
        _state()["refresh_tokens"][refresh] = {"grant_id": grant_id, "user_id": user_id, "scopes": scopes}
        body["refresh_token"] = refresh
    return body


@bp.post("/api/2/oauth2/token")
def token():
    client_id = _client()
    if client_id is None:
        return _oauth_error(401, "unauthorized_client", "Missing valid authorization header")
    grant_type = request.form.get("grant_type")
    if grant_type == "authorization_code":
        return _exchange_code(client_id)
    if grant_type == "refresh_token":
        return _refresh()
    return _oauth_error(400, "invalid_request", "Value passed for the grant_type was invalid.")


def _exchange_code(client_id: str) -> Response:
    with STORE.lock:  # a code is good once, even when two exchanges race
        grant = _state()["codes"].pop(request.form.get("code", ""), None)
    if (
        grant is None
        or grant["client_id"] != client_id
        or grant["redirect_uri"] != request.form.get("redirect_uri")
        or now() - grant["issued_at"] > CODE_LIFETIME
    ):
        return _oauth_error(400, "invalid_request", "Value passed for the authorization code was invalid.")
    verifier = request.form.get("code_verifier")
    if not verifier or not pkce_ok(verifier, grant["code_challenge"], grant["code_challenge_method"]):
        return _oauth_error(400, "invalid_grant", "Value passed for the code_verifier was invalid.")
    grant_id = str(next(_state()["counter"]))
    _state()["grants"][grant_id] = {"revoked": False, "client_id": client_id}
    user_id = _user_by_name(grant["username"])["id"]
    return jsonify(_issue_tokens(grant_id, user_id, grant["granted"]))


def _refresh() -> Response:
    value = request.form.get("refresh_token", "")
    known = _state()["refresh_tokens"].get(value)
    fault = faults.before_call("x", account=known["user_id"] if known else None, write=True)
    if fault and fault["kind"] in ("error", "rate_limit"):
        return _problem(429 if fault["kind"] == "rate_limit" else int(fault.get("status", 500)))
    if known and fault and fault["kind"] in ("revoked", "expired"):
        _state()["grants"][known["grant_id"]]["revoked"] = True
    with STORE.lock:  # single use: of two concurrent refreshes with the same token, one fails
        record = _state()["refresh_tokens"].pop(value, None)
    if record is None or _state()["grants"][record["grant_id"]]["revoked"]:
        return _oauth_error(400, "invalid_request", "Value passed for the token was invalid.")
    return jsonify(_issue_tokens(record["grant_id"], record["user_id"], record["scopes"]))


@bp.post("/api/2/oauth2/revoke")
def revoke():
    if _client() is None:
        return _oauth_error(401, "unauthorized_client", "Missing valid authorization header")
    value = request.form.get("token", "")
    record = _state()["tokens"].get(value) or _state()["refresh_tokens"].get(value)
    if record:  # revoking either token ends the whole grant
        _state()["grants"][record["grant_id"]]["revoked"] = True
    return jsonify({"revoked": True})


# --- users ----------------------------------------------------------------------------------------
def _fields(name: str) -> set[str]:
    return {f for f in request.args.get(name, "").split(",") if f}


def _user_json(user: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    body = {"id": user["id"], "name": user["name"], "username": user["username"]}
    if "public_metrics" in fields:
        body["public_metrics"] = {
            "followers_count": user["followers_count"],
            "following_count": user["following_count"],
            "tweet_count": sum(1 for t in _state()["tweets"].values() if t["author_id"] == user["id"]),
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


# --- tweets ---------------------------------------------------------------------------------------
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
    return tweet


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
        t["author_id"] == user_id
        and not t.get("deleted")
        and t["text"] == text
        and now() - _parse_iso(t["created_at"]) < DUPLICATE_WINDOW
        for t in _state()["tweets"].values()
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


def _not_found(tweet_id: str, parameter: str) -> dict[str, Any]:
    return {
        "value": tweet_id,
        "detail": f"Could not find tweet with {parameter}: [{tweet_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": parameter,
        "resource_id": tweet_id,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }


def _field_error(tweet_id: str) -> dict[str, Any]:
    return {
        "value": tweet_id,
        "detail": (
            f"Sorry, you are not authorized to access 'non_public_metrics' on the Tweet with ids: {tweet_id}."
        ),
        "title": "Field Authorization Error",
        "resource_type": "tweet",
        "parameter": "non_public_metrics",
        "resource_id": tweet_id,
        "field": "non_public_metrics",
        "type": "https://api.twitter.com/2/problems/not-authorized-for-field",
    }


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
    return jsonify({"data": {"deleted": True}})


# --- timelines and pagination ---------------------------------------------------------------------
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
        t
        for t in _state()["tweets"].values()
        if t["author_id"] == user_id
        and not t.get("deleted")
        and not ("replies" in excluded and t.get("in_reply_to"))
    ]
    return _timeline(token, tweets)


@bp.get("/api/2/users/<user_id>/mentions")
@endpoint("mentions")
def mentions(token: dict[str, Any], user_id: str):
    tweets = [
        t
        for t in _state()["tweets"].values()
        if not t.get("deleted") and any(m["id"] == user_id for m in t.get("mentions") or ())
    ]
    return _timeline(token, tweets)


# --- media upload v2 ------------------------------------------------------------------------------
def _media_for(token: dict[str, Any], media_id: str) -> dict[str, Any] | None:
    media = _state()["media"].get(media_id)
    return media if media and media["user_id"] == token["user_id"] else None


@bp.post("/api/2/media/upload/initialize")
@endpoint("media")
def media_initialize(token: dict[str, Any]):
    body = request.get_json(silent=True) or request.form
    media_type = body.get("media_type", "")
    total = int(body.get("total_bytes") or 0)
    if not media_type.startswith("image/"):
        return _invalid(
            "The sandbox plays images only: media_type must be image/*.", "media_type", media_type
        )
    if not 0 < total <= MAX_IMAGE_BYTES:
        return _invalid(
            f"total_bytes must be between 1 and {MAX_IMAGE_BYTES} for images.", "total_bytes", total
        )
    media_id = str(STORE.next_id())
    _state()["media"][media_id] = {
        "id": media_id,
        "media_key": f"3_{media_id}",
        "user_id": token["user_id"],
        "media_type": media_type,
        "total_bytes": total,
        "segments": {},
        "state": "initialized",
        "alt_text": "",
    }
    return jsonify({"data": {"id": media_id, "media_key": f"3_{media_id}", "expires_after_secs": 86400}})


@bp.post("/api/2/media/upload/<media_id>/append")
@endpoint("media")
def media_append(token: dict[str, Any], media_id: str):
    media = _media_for(token, media_id)
    if media is None or media["state"] != "initialized":
        return _invalid("Invalid media_id or the upload was already finalized.", "media_id", media_id)
    chunk = request.files.get("media")
    index = request.form.get("segment_index", "")
    if chunk is None or not index.isdigit():
        return _invalid("media and segment_index are required.", "segment_index", index)
    media["segments"][int(index)] = chunk.read()
    expires = int((now() + timedelta(days=1)).timestamp())
    return jsonify({"data": {"expires_at": expires}})


@bp.post("/api/2/media/upload/<media_id>/finalize")
@endpoint("media")
def media_finalize(token: dict[str, Any], media_id: str):
    media = _media_for(token, media_id)
    if media is None or media["state"] != "initialized":
        return _invalid("Invalid media_id or the upload was already finalized.", "media_id", media_id)
    data = b"".join(media["segments"][i] for i in sorted(media["segments"]))
    if len(data) != media["total_bytes"]:
        message = f"File size mismatch: expected {media['total_bytes']} bytes, received {len(data)}."
        return _invalid(message, "media_id", media_id)
    media |= {"state": "pending", "polls": 0, "valid": data.startswith(_IMAGE_MAGIC), "size": len(data)}
    return jsonify({"data": _media_json(media)})


def _media_json(media: dict[str, Any]) -> dict[str, Any]:
    body = {
        "id": media["id"],
        "media_key": media["media_key"],
        "size": media["size"],
        "expires_after_secs": 86400,
    }
    info: dict[str, Any] = {"state": media["state"]}
    if media["state"] in ("pending", "in_progress"):
        info["check_after_secs"] = 1
        info["progress_percent"] = 0 if media["state"] == "pending" else 50
    elif media["state"] == "succeeded":
        info["progress_percent"] = 100
    else:
        info["error"] = {"code": 1, "name": "InvalidMedia", "message": "Unsupported file format"}
    body["processing_info"] = info
    return body


@bp.get("/api/2/media/upload")
@endpoint("media")
def media_status(token: dict[str, Any]):
    if request.args.get("command", "STATUS") != "STATUS":
        return _invalid("Only command=STATUS is answered with GET.", "command", request.args.get("command"))
    media_id = request.args.get("media_id", "")
    media = _media_for(token, media_id)
    if media is None or media["state"] == "initialized":
        return _invalid("Invalid media_id.", "media_id", media_id)
    # Processing advances one step per status check: pending -> in_progress -> succeeded (or failed).
    media["polls"] += 1
    if media["state"] == "pending":
        media["state"] = "in_progress"
    elif media["state"] == "in_progress":
        media["state"] = "succeeded" if media["valid"] else "failed"
    return jsonify({"data": _media_json(media)})


@bp.post("/api/2/media/metadata")
@endpoint("media")
def media_metadata(token: dict[str, Any]):
    body = request.get_json(silent=True) or {}
    media = _media_for(token, str(body.get("id", "")))
    if media is None:
        return _invalid("Invalid media id.", "id", body.get("id"))
    alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text", "")
    if len(alt) > 1000:
        return _invalid("alt_text.text must be at most 1000 characters.", "metadata.alt_text.text", len(alt))
    media["alt_text"] = alt
    return jsonify({"data": {"id": media["id"], "associated_metadata": {"alt_text": {"text": alt}}}})


# --- direct messages ------------------------------------------------------------------------------
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
    mine = [
        e for e in _state()["dm_events"].values() if token["user_id"] in e["dm_conversation_id"].split("-")
    ]
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


# --- audience -------------------------------------------------------------------------------------
_LINES = (
    "Love this! 😍",
    "When do you open on Sunday?",
    "Terrible service today.",
    "Grazie mille!",
    "Is this available in Milan? https://maps.example/milan",
    "Can I book for 6 people?",
)


def simulate(state: dict[str, Any], rng) -> None:
    """One step of audience: followers move, tweets gather metrics, fans mention and write privately."""
    if not state.get("users"):
        return
    brands = [u for u in state["users"].values() if u["username"] in USERS]
    fans = [u for u in state["users"].values() if u["username"] not in USERS]
    for brand in brands:
        brand["followers_count"] = max(0, brand["followers_count"] + rng.choice((-1, 0, 1, 1, 2)))
    own = [
        t
        for t in state["tweets"].values()
        if not t.get("deleted") and t["author_id"] in {b["id"] for b in brands}
    ]
    for tweet in own:
        _grow(tweet["metrics"], rng)
    for brand in brands:
        if rng.random() < 0.6:
            _add_mention(
                state, brand, rng.choice(fans), rng, [t for t in own if t["author_id"] == brand["id"]]
            )
        if rng.random() < 0.4:
            _new_event(rng.choice(fans)["id"], brand["id"], rng.choice(_LINES))


def _grow(metrics: dict[str, int], rng) -> None:
    metrics["impression_count"] += rng.randint(0, 20)
    metrics["like_count"] += rng.randint(0, 3)
    metrics["retweet_count"] += rng.randint(0, 1)
    metrics["quote_count"] += 1 if rng.random() < 0.1 else 0
    metrics["bookmark_count"] += rng.randint(0, 1)
    metrics["url_link_clicks"] += rng.randint(0, 2)
    metrics["user_profile_clicks"] += rng.randint(0, 1)


def _add_mention(state, brand, fan, rng, own) -> None:
    handle = f"@{brand['username']}"
    extra: dict[str, Any] = {
        "mentions": [{"start": 0, "end": len(handle), "username": brand["username"], "id": brand["id"]}]
    }
    if own and rng.random() < 0.7:
        parent = rng.choice(own)
        parent["metrics"]["reply_count"] += 1
        extra |= {
            "in_reply_to": parent["id"],
            "in_reply_to_user_id": brand["id"],
            "conversation_id": parent["conversation_id"],
        }
    _new_tweet(fan["id"], f"{handle} {rng.choice(_LINES)}", **extra)
