"""Bearer-token authentication for the API; the token decides the agency."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from tenants.services import api_tokens
from web.api.errors import api_error
from web.context import db


def token_required(view: Callable) -> Callable:
    """Require `Authorization: Bearer <token>` and put the token's agency on g."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return api_error(401, "unauthorized", "Send 'Authorization: Bearer <token>'.")
        found = api_tokens.authenticate_token(session=db(), plaintext=value.strip())
        if found is None:
            return api_error(401, "unauthorized", "This token is not valid or was revoked.")
        g.api_token, g.api_agency = found
        db().commit()
        return view(*args, **kwargs)

    wrapper.cadenza_access = ("api", None)
    return wrapper
