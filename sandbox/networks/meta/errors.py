"""Answers in Graph's format: error bodies, usage (throttling) headers and injected faults."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from flask import Response, jsonify, request

from sandbox.networks.meta.blueprint import VERSION
from sandbox.networks.meta.world import _world
from sandbox.state import now

QUOTA_MESSAGE = (
    "You reached maximum number of posts that is allowed to be published by Content Publishing API."
)
LOST = object()  # a handler's answer when the write happened but its response must be lost


class GraphError(Exception):
    """An error answer in Graph's format, raised from deep inside a handler."""

    def __init__(self, response: Response) -> None:
        super().__init__("graph error")
        self.response = response


def _error(
    status: int,
    message: str,
    code: int,
    *,
    subcode: int | None = None,
    kind: str = "OAuthException",
    title: str | None = None,
    user_msg: str | None = None,
    transient: bool | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        body["error_subcode"] = subcode
    if transient is not None:
        body["is_transient"] = transient
    if title:
        body["error_user_title"] = title
    if user_msg:
        body["error_user_msg"] = user_msg
    body["fbtrace_id"] = base64.urlsafe_b64encode(hashlib.sha1(message.encode()).digest())[:11].decode()
    response = jsonify({"error": body})
    response.status_code = status
    if code == 190:
        response.headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{message}"'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _fail(status: int, message: str, code: int, **options: Any) -> GraphError:
    return GraphError(_error(status, message, code, **options))


def _unsupported(object_id: str) -> GraphError:
    verb = request.method.lower()
    return _fail(
        400,
        f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation. Please read the Graph API documentation "
        "at https://developers.facebook.com/docs/graph-api",
        100,
        subcode=33,
        kind="GraphMethodException",
    )


def _usage_headers(network: str, business_id: str | None, *, app_full: bool = False, minutes: int = 0):
    """Meta reports throttling in usage headers (percent of the budget), not in 429s."""
    app_usage = {"call_count": 100 if app_full else 2, "total_cputime": 1, "total_time": 1}
    headers = {"X-App-Usage": json.dumps(app_usage), "facebook-api-version": VERSION}
    if business_id:
        entry = {
            "type": "instagram" if network == "instagram" else "pages",
            "call_count": 100 if minutes else 3,
            "total_cputime": 1,
            "total_time": 1,
            "estimated_time_to_regain_access": minutes,
        }
        headers["X-Business-Use-Case-Usage"] = json.dumps({business_id: [entry]})
    return headers


_THROTTLE_MESSAGES = {
    4: (403, "(#4) Application request limit reached"),
    17: (403, "(#17) User request limit reached"),
    32: (403, "(#32) Page request limit reached"),
    613: (403, "(#613) Calls to this api have exceeded the rate limit."),
    80001: (400, "(#80001) There have been too many calls to this Page account. Wait a bit and try again."),
    80002: (
        400,
        "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.",
    ),
}


def _fault_response(fault: dict[str, Any], network: str, business_id: str | None, token: dict | None):
    kind = fault["kind"]
    if kind == "rate_limit":
        default = (80002 if network == "instagram" else 80001) if business_id else 4
        code = int(fault.get("code") or default)
        minutes = 0 if code in (4, 17) else int(fault.get("minutes", 5))
        status, message = _THROTTLE_MESSAGES.get(code, _THROTTLE_MESSAGES[4])
        headers = _usage_headers(network, business_id, app_full=code == 4, minutes=minutes)
        return _error(status, message, code, transient=True, headers=headers)
    if kind == "revoked":
        if token:
            _world()["grants"][token["grant"]]["revoked"] = True
        app = token["app"] if token else network
        message = f"Error validating access token: The user has not authorized application {app}."
        return _error(400, message, 190, subcode=458)
    if kind == "expired":
        if token:
            token["expires_at"] = now() - timedelta(seconds=1)
        return _expired_error(now())
    if kind == "quota":
        if network == "instagram":
            return _error(
                400,
                "Application request limit reached",
                9,
                subcode=2207042,
                title="Can't publish",
                user_msg=QUOTA_MESSAGE,
            )
        return _error(400, "(#341) Feed action request limit reached", 341)
    status = int(fault.get("status", 500))
    message = (
        "Service temporarily unavailable"
        if status == 503
        else "An unexpected error has occurred. Please retry your request later."
    )
    return _error(status, message, 2, transient=True)


def _expired_error(expired_at: datetime) -> Response:
    stamp = expired_at.strftime("%A, %d-%b-%y %H:%M:%S UTC")
    return _error(
        400,
        f"Error validating access token: Session has expired on {stamp}. The current time is "
        f"{now().strftime('%A, %d-%b-%y %H:%M:%S UTC')}.",
        190,
        subcode=463,
    )
