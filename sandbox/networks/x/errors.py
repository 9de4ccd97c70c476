"""X's error bodies: RFC 7807 problems, invalid requests, OAuth errors, per-item errors."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response, jsonify


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
