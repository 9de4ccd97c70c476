"""JSON error bodies: {"error": {"code", "message"}} with the right status."""

from __future__ import annotations

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

from tenants.errors import DomainError

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
}


def api_error(
    status: int, code: str, message: str, *, field: str | None = None, details: dict | None = None
) -> Response:
    """A JSON error response."""
    body: dict[str, object] = {"code": code, "message": message}
    if field:
        body["field"] = field
    if details:
        body["details"] = details
    response = jsonify({"error": body})
    response.status_code = status
    return response


def is_api_request() -> bool:
    """True for requests under /api/."""
    return request.path.startswith("/api/")


def http_error_json(exc: HTTPException) -> Response:
    """A werkzeug HTTP error as JSON."""
    status = exc.code or 500
    message = exc.description if status != 404 else "Not found."
    return api_error(status, _CODES.get(status, "error"), message)


def domain_error_json(exc: DomainError) -> Response:
    """A service error as JSON (English message; the field says what to fix)."""
    return api_error(exc.status, exc.code, str(exc), field=exc.field, details=exc.details)
