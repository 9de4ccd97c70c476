"""Identity and sessions: DID documents, the PLC directory, resolveHandle, app-password sessions (JWTs),
the access check every authenticated view makes and the answers to injected faults."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from typing import Any

from flask import Response, jsonify, request

from sandbox import faults
from sandbox.networks.bluesky.blueprint import bp
from sandbox.networks.bluesky.errors import SERVER_ERRORS, _error, _invalid
from sandbox.networks.bluesky.limits import LOGIN_POLICIES, _limit_headers, _spend
from sandbox.networks.bluesky.state import _state
from sandbox.networks.common import bearer_token
from sandbox.state import STORE, now

ACCESS_TTL = timedelta(hours=2)
REFRESH_TTL = timedelta(days=90)
_SIGNING_KEY = secrets.token_bytes(32)


def _fault_response(fault: dict[str, Any], did: str, *, session: dict | None = None) -> Response:
    kind = fault["kind"]
    reset = now().timestamp()
    if kind == "rate_limit":
        headers = _limit_headers(5000, 3600, 0, reset + 3600)
        return _error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)
    if kind == "quota":
        headers = _limit_headers(35000, 86400, 0, reset + 86400)
        return _error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)
    if kind == "revoked":
        _revoke_all(did)
        return _error(401, "InvalidToken", "Token has been revoked")
    if kind == "expired":
        if session is not None:
            session["exp"] = reset - 1
        return _error(400, "ExpiredToken", "Token has expired")
    status = int(fault.get("status", 500))
    return _error(status, SERVER_ERRORS.get(status, "InternalServerError"), "Internal Server Error")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(claims: dict[str, Any]) -> str:
    """A JWT-shaped token (the sandbox looks tokens up; the signature only makes them look real)."""
    head = _b64(json.dumps({"typ": "at+jwt", "alg": "HS256"}).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(_SIGNING_KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


def _issue_session(did: str) -> dict[str, Any]:
    state = _state()
    issued = int(now().timestamp())
    aud = f"did:web:{request.host.split(':')[0]}"
    access_exp = issued + int(ACCESS_TTL.total_seconds())
    refresh_exp = issued + int(REFRESH_TTL.total_seconds())
    access = _jwt({"scope": "com.atproto.appPass", "sub": did, "aud": aud, "iat": issued, "exp": access_exp})
    refresh = _jwt(
        {
            "scope": "com.atproto.refresh",
            "sub": did,
            "aud": aud,
            "jti": secrets.token_urlsafe(16),
            "iat": issued,
            "exp": refresh_exp,
        }
    )
    state["access"][access] = {"did": did, "exp": access_exp, "revoked": False}
    state["refresh"][refresh] = {"did": did, "exp": refresh_exp, "used": False, "revoked": False}
    account = state["accounts"][did]
    return {
        "did": did,
        "handle": account["handle"],
        "accessJwt": access,
        "refreshJwt": refresh,
        "didDoc": _did_document(did),
        "active": True,
    }


def _revoke_all(did: str) -> None:
    """The app password was revoked: every session made with it ends."""
    state = _state()
    for session in (*state["access"].values(), *state["refresh"].values()):
        if session["did"] == did:
            session["revoked"] = True


def _access(*, write: bool) -> tuple[dict[str, Any] | None, Response | None]:
    """The session of this request's access token, or the XRPC error to answer."""
    token = bearer_token()
    state = _state()
    if token is None:
        return None, _error(401, "AuthenticationRequired", "Authentication Required")
    if token in state["refresh"]:
        return None, _error(400, "InvalidToken", "Bad token scope")
    session = state["access"].get(token)
    if session is None:
        return None, _error(401, "InvalidToken", "Token could not be verified")
    if session["revoked"]:
        return None, _error(401, "InvalidToken", "Token has been revoked")
    if session["exp"] <= now().timestamp():
        return None, _error(400, "ExpiredToken", "Token has expired")
    fault = faults.before_call("bluesky", account=session["did"], write=write)
    if fault:
        return None, _fault_response(fault, session["did"], session=session)
    return session, None


def _did_document(did: str) -> dict[str, Any]:
    handle = _state()["accounts"][did]["handle"]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "alsoKnownAs": [f"at://{handle}"],
        "verificationMethod": [
            {
                "id": f"{did}#atproto",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": "zQ3sh" + hashlib.sha256(did.encode()).hexdigest()[:44],
            }
        ],
        "service": [
            {
                "id": "#atproto_pds",
                "type": "AtprotoPersonalDataServer",
                "serviceEndpoint": request.host_url + "bluesky/pds",
            }
        ],
    }


def _did_of(actor: str | None) -> str | None:
    """A DID from a DID or a handle, if the sandbox knows the account."""
    state = _state()
    actor = (actor or "").strip().lower().lstrip("@")
    if actor in state["accounts"]:
        return actor
    return state["handles"].get(actor)


@bp.get("/plc/<did>")
def plc_document(did: str):
    if did not in _state()["accounts"]:
        return jsonify({"message": f"DID not registered: {did}"}), 404
    return jsonify(_did_document(did))


@bp.get("/entryway/xrpc/com.atproto.identity.resolveHandle")
@bp.get("/pds/xrpc/com.atproto.identity.resolveHandle")
def resolve_handle():
    handle = request.args.get("handle")
    if not handle:
        return _invalid('Error: Params must have the property "handle"')
    did = _state()["handles"].get(handle.strip().lower())
    if did is None:
        return _invalid("Unable to resolve handle")
    return jsonify({"did": did})


@bp.post("/pds/xrpc/com.atproto.server.createSession")
def create_session():
    body = request.get_json(silent=True) or {}
    identifier = str(body.get("identifier", "")).strip().lower()
    allowed, headers = _spend(f"login:{identifier}", LOGIN_POLICIES, 1)
    if not allowed:
        return _error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)
    did = _did_of(identifier)
    account = _state()["accounts"].get(did or "")
    password = str(body.get("password", "")).strip().lower()
    if account is None or not account["app_password"] or password != account["app_password"]:
        return _error(401, "AuthenticationRequired", "Invalid identifier or password", headers)
    fault = faults.before_call("bluesky", account=did, write=True)
    if fault and fault["kind"] in ("revoked", "expired"):
        return _error(401, "AuthenticationRequired", "Invalid identifier or password", headers)
    if fault and fault["kind"] in ("rate_limit", "quota"):
        reset = now().timestamp() + LOGIN_POLICIES[0][1]
        return _error(429, "RateLimitExceeded", "Rate Limit Exceeded", _limit_headers(30, 300, 0, reset))
    if fault:
        return _fault_response(fault, did)
    response = jsonify({**_issue_session(did), "emailConfirmed": True})
    response.headers.update(headers)
    return response


@bp.post("/pds/xrpc/com.atproto.server.refreshSession")
def refresh_session():
    token = bearer_token() or ""
    state = _state()
    with STORE.lock:  # a refresh token is good once: of two concurrent refreshes, the second fails
        if token in state["access"]:
            return _error(400, "InvalidToken", "Bad token scope")
        session = state["refresh"].get(token)
        if session is None:
            return _error(401, "InvalidToken", "Token could not be verified")
        if session["used"] or session["revoked"]:
            return _error(401, "ExpiredToken", "Token has been revoked")
        if session["exp"] <= now().timestamp():
            return _error(400, "ExpiredToken", "Token has expired")
        fault = faults.before_call("bluesky", account=session["did"], write=True)
        if fault:
            return _fault_response(fault, session["did"])
        session["used"] = True
        return jsonify(_issue_session(session["did"]))


@bp.get("/pds/xrpc/com.atproto.server.getSession")
def get_session():
    session, error = _access(write=False)
    if error:
        return error
    did = session["did"]
    account = _state()["accounts"][did]
    return jsonify({"did": did, "handle": account["handle"], "active": True, "didDoc": _did_document(did)})


@bp.post("/pds/xrpc/com.atproto.server.deleteSession")
def delete_session():
    session = _state()["refresh"].get(bearer_token() or "")
    if session is None:
        return _error(401, "InvalidToken", "Token could not be verified")
    session["revoked"] = True
    return Response(status=200)
