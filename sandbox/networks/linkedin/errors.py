"""LinkedIn's error shapes: Rest.li errors, validation errors, OAuth errors, throttles, token errors."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify


def _error(status: int, message: str, *, code: str | None = None, service: int | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "message": message}
    if code:
        body["code"] = code
    if service is not None:
        body["serviceErrorCode"] = service
    response = jsonify(body)
    response.status_code = status
    return response


_INPUT_ERRORS = {
    "MISSING_FIELD": "Field is required",
    "INVALID_LITTLE_TEXT": "Reserved characters must be escaped",
    "MAX_LENGTH_EXCEEDED": "Text is too long",
    "INVALID_MEDIA": "Media is not usable",
    "MEDIA_NOT_READY": "Media is not available yet",
    "DUPLICATE_POST": "Duplicate post is detected",
}


def _input_error(message: str, code: str, field: str = "") -> Response:
    """Rest.li's validation error: the machine-readable code sits in errorDetails.inputErrors."""
    detail = {"description": _INPUT_ERRORS[code], "input": {}, "code": code}
    if field:
        detail["input"] = {"inputPath": {"fieldPath": field}}
    response = jsonify(
        {
            "errorDetailType": "com.linkedin.common.error.BadRequest",
            "message": message,
            "errorDetails": {"inputErrors": [detail]},
            "status": 422,
        }
    )
    response.status_code = 422
    return response


def _oauth_error(status: int, error: str, description: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    return response


def _denied(resource: str) -> Response:
    return _error(403, f"Not enough permissions to access: {resource}", code="ACCESS_DENIED", service=100)


def _throttled(scope: str) -> Response:
    # LinkedIn sends no remaining/reset headers: daily limits reset at midnight UTC.
    return _error(
        429,
        f"Resource level throttle {scope} DAY limit for calls to this resource is reached.",
        code="TOO_MANY_REQUESTS",
        service=101,
    )


_TOKEN_ERRORS = {
    "invalid": (65600, "INVALID_ACCESS_TOKEN", "Invalid access token"),
    "revoked": (65601, "REVOKED_ACCESS_TOKEN", "The token used in the request has been revoked by the user"),
    "expired": (65602, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired"),
}


def _token_error(kind: str) -> Response:
    service, code, message = _TOKEN_ERRORS[kind]
    return _error(401, message, code=code, service=service)


def _fault_response(fault: dict[str, Any]) -> Response:
    kind = fault["kind"]
    if kind == "rate_limit":
        return _throttled("APPLICATION")
    if kind == "quota":
        return _throttled("MEMBER")
    if kind in ("revoked", "expired"):
        return _token_error(kind)
    status = int(fault.get("status", 500))
    return _error(status, "Internal Server Error" if status == 500 else "Service Unavailable")
