"""Bluesky's XRPC error bodies: {"error": "<Name>", "message": "..."}, and the names of server errors."""

from __future__ import annotations

from flask import Response, jsonify

SERVER_ERRORS = {
    500: "InternalServerError",
    501: "MethodNotImplemented",
    502: "UpstreamFailure",
    503: "NotEnoughResources",
    504: "UpstreamTimeout",
}


def _error(status: int, name: str, message: str, headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": name, "message": message})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _invalid(message: str) -> Response:
    return _error(400, "InvalidRequest", message)
