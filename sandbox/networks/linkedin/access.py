"""Who may call: the /rest version headers, bearer tokens (and injected faults), acting-as rights."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, request

from sandbox import faults
from sandbox.networks.common import bearer_token, is_write
from sandbox.networks.linkedin.blueprint import bp
from sandbox.networks.linkedin.errors import _denied, _error, _fault_response, _token_error
from sandbox.networks.linkedin.state import ADMINS, _state
from sandbox.state import now

MAX_VERSION_AGE_MONTHS = 12
_VERSION = re.compile(r"(\d{4})(\d{2})(?:\.\d{2})?")


@bp.before_request
def _check_rest_headers() -> Response | None:
    """Every /rest call names a LinkedIn-Version (YYYYMM, active about a year) and Rest.li 2.0.0."""
    if not request.path.startswith("/linkedin/api/rest/"):
        return None
    version = request.headers.get("LinkedIn-Version", "")
    if not version:
        return _error(
            400,
            "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
            code="VERSION_MISSING",
        )
    match = _VERSION.fullmatch(version)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return _error(400, f"Invalid version format {version}", code="INVALID_VERSION")
    today = now()
    age = (today.year * 12 + today.month) - (int(match.group(1)) * 12 + int(match.group(2)))
    if age < 0 or age > MAX_VERSION_AGE_MONTHS:
        return _error(426, f"Requested version {version} is not active", code="NONEXISTENT_VERSION")
    if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
        return _error(
            400, "This resource requires the header X-Restli-Protocol-Version: 2.0.0", code="ILLEGAL_ARGUMENT"
        )
    return None


def _authenticated(entity: str | None = None) -> tuple[dict[str, Any] | None, Response | None]:
    """The token record for this request, or LinkedIn's 401 / an injected fault."""
    token = bearer_token()
    if token is None:
        return None, _error(401, "Empty oauth2_access_token", service=401)
    record = _state()["tokens"].get(token)
    if record is None:
        return None, _token_error("invalid")
    if _state()["grants"][record["grant"]]["revoked"]:
        return None, _token_error("revoked")
    if now() >= record["expires_at"]:
        return None, _token_error("expired")
    fault = faults.before_call("linkedin", account=entity or record["urn"], write=is_write())
    if fault:
        if fault["kind"] == "revoked":
            _state()["grants"][record["grant"]]["revoked"] = True
        elif fault["kind"] == "expired":
            record["expires_at"] = now()
        return None, _fault_response(fault)
    return record, None


def _may_act_as(record: dict[str, Any], entity: str, *, write: bool) -> str | None:
    """None when the token may act for this author, else the missing right ('scope' or 'role')."""
    if entity.startswith("urn:li:organization:"):
        if entity.rsplit(":", 1)[-1] not in ADMINS[record["username"]]:
            return "role"
        return None if ("w_" if write else "r_") + "organization_social" in record["scopes"] else "scope"
    if entity != record["urn"]:
        return "role"
    return None if ("w_member_social" if write else "r_member_social") in record["scopes"] else "scope"


def _forbidden(why: str, resource: str, field: str = "author") -> Response:
    """LinkedIn's 403s: a write for someone the member may not act for, or a permission not granted."""
    if why == "role" and is_write():
        return _error(
            403,
            "Unpermitted fields present in REQUEST_BODY: Data Processing Exception while processing "
            f"fields [/{field}]",
            code="ACCESS_DENIED",
            service=100,
        )
    return _denied_here(resource)


def _denied_here(resource: str) -> Response:
    """A 403 for an action the member's rights do not cover on this very object."""
    return _denied(f"{resource}.{request.headers.get('LinkedIn-Version', 'NO_VERSION')}")
