"""OAuth 2.0 with PKCE: authorize, code exchange, single-use refresh tokens, revoke."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from flask import Response, jsonify, request

from sandbox import faults
from sandbox.networks.x.blueprint import bp
from sandbox.networks.x.errors import _oauth_error, _problem
from sandbox.networks.x.state import USERS, _state, _user_by_name
from sandbox.oauth_pages import pkce_ok, run_authorize
from sandbox.state import STORE, now

ACCESS_LIFETIME = timedelta(hours=2)
CODE_LIFETIME = timedelta(seconds=30)  # X's authorization codes are good for 30 seconds


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
