"""What every X API view goes through (bearer auth, faults, per-user rate windows, scopes) and reads."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from flask import Response, make_response, request

from sandbox import faults
from sandbox.networks.common import bearer_token, is_write
from sandbox.networks.x.errors import _client_forbidden, _problem
from sandbox.networks.x.state import _state
from sandbox.state import now

RATE_WINDOW = timedelta(minutes=15)
DAY = timedelta(hours=24)

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
    "likes_create": (50, (*READ, "like.write")),
    "tweets_hide": (50, (*READ, "tweet.moderate.write")),
}
TWEETS_PER_DAY = 100  # per user, with x-user-limit-24hour-* headers on POST /2/tweets


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
    if kind == "rate_limit" and fault.get("reset_seconds") is not None:
        # A brief throttle (chaos runs): it announces its own reset and leaves the 15-minute window unspent.
        brief = {
            **window,
            "used": window["limit"],
            "reset": now() + timedelta(seconds=float(fault["reset_seconds"])),
        }
        return _rate_headers(_problem(429), brief)
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


def _fields(name: str) -> set[str]:
    return {f for f in request.args.get(name, "").split(",") if f}
