"""POST /api/v1/conversions: the client's site reports a conversion with its per-client conversion key.

Not a staff API token: the key names one client and can only add conversions to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request

from tenants.tracking import conversions, keys
from web.api.errors import api_error
from web.api.views import _json_body, bp
from web.context import db
from web.extensions import limiter


def _bearer() -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def conversion_key_required(view: Callable) -> Callable:
    """Require `Authorization: Bearer <conversion key>` and put the key (and so its client) on g."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        plaintext = _bearer()
        key = keys.authenticate_key(session=db(), plaintext=plaintext) if plaintext else None
        if key is None:
            # No detail: whether a key exists, expired or was revoked is nobody's business.
            response = api_error(401, "unauthorized", "Unauthorized.")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        g.conversion_key = key
        return view(*args, **kwargs)

    wrapper.cadenza_access = ("conversion_key", None)
    return wrapper


def _per_key() -> str:
    return "conversions:" + hashlib.sha256(_bearer().encode()).hexdigest()[:32]


@bp.post("/conversions")
@limiter.limit("600 per minute", key_func=_per_key)
@conversion_key_required
def create_conversion() -> tuple[Response, int]:
    key = g.conversion_key
    data = conversions.clean_conversion(_json_body())
    conversion, created = conversions.record_conversion(
        session=db(), agency_id=key.agency_id, client_id=key.client_id, data=data, source="api"
    )
    db().commit()
    return jsonify(conversions.conversion_as_dict(conversion)), 201 if created else 200
