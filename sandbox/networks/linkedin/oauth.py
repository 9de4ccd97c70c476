"""OAuth (refresh tokens only for MDP apps), the OpenID id_token and userinfo."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from flask import Response, jsonify, redirect, request

from sandbox.networks.linkedin.access import _authenticated
from sandbox.networks.linkedin.blueprint import bp
from sandbox.networks.linkedin.errors import _denied, _oauth_error
from sandbox.networks.linkedin.state import MEMBERS, _person_urn, _state
from sandbox.oauth_pages import run_authorize
from sandbox.state import STORE, now

ACCESS_TTL = timedelta(days=60)
REFRESH_TTL = timedelta(days=365)
CODE_TTL = timedelta(minutes=30)

# The products a self-serve app gets (Sign In with OpenID, Share on LinkedIn, Community Management);
# r_member_social stays closed, so members' own posts and comments cannot be read back.
APP_SCOPES = (
    "openid",
    "profile",
    "email",
    "w_member_social",
    "r_organization_social",
    "w_organization_social",
    "rw_organization_admin",
    "r_organization_admin",
)
APPS = {
    "cadenza-sandbox-linkedin": {"name": "Cadenza", "secret": "sandbox-secret-linkedin", "mdp": False},
    "cadenza-sandbox-linkedin-mdp": {
        "name": "Cadenza (MDP partner)",
        "secret": "sandbox-secret-linkedin-mdp",
        "mdp": True,
    },
}


@bp.route("/www/oauth/v2/authorization", methods=["GET", "POST"])
def authorize():
    params = request.values
    if params.get("client_id") in APPS:
        unknown = [s for s in params.get("scope", "").replace(",", " ").split() if s not in APP_SCOPES]
        if unknown:
            return _back(
                params.get("redirect_uri", ""),
                error="unauthorized_scope_error",
                error_description=f'Scope "{unknown[0]}" is not authorized for your application',
                state=params.get("state", ""),
            )

    def issue(grant: dict) -> str:
        code = STORE.token("AQ")
        _state()["codes"][code] = {**grant, "issued_at": now()}
        return code

    apps = {cid: {"name": app["name"], "redirect_uris": None} for cid, app in APPS.items()}
    response = run_authorize(
        network_name="LinkedIn", apps=apps, users=list(MEMBERS), scope_separator=" ", issue_code=issue
    )
    location = getattr(response, "location", "") or ""
    if "error=access_denied" in location:
        # LinkedIn names a refused consent screen user_cancelled_authorize.
        return _back(
            params.get("redirect_uri", ""),
            error="user_cancelled_authorize",
            error_description="The user cancelled the authorization",
            state=params.get("state", ""),
        )
    return response


def _back(redirect_uri: str, **params: str) -> Response:
    query = "&".join(f"{k}={quote(v)}" for k, v in params.items())
    return redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}", code=302)


def _client() -> dict[str, Any] | None:
    app = APPS.get(request.form.get("client_id", ""))
    return app if app and app["secret"] == request.form.get("client_secret") else None


@bp.post("/www/oauth/v2/accessToken")
def access_token():
    app = _client()
    if app is None:
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    grant_type = request.form.get("grant_type")
    if grant_type == "authorization_code":
        return _exchange_code(app)
    if grant_type == "refresh_token":
        return _refresh(app)
    return _oauth_error(400, "unsupported_grant_type", f"Grant type {grant_type!r} is not supported")


def _exchange_code(app: dict[str, Any]) -> Response:
    grant = _state()["codes"].pop(request.form.get("code", ""), None)
    if (
        grant is None
        or grant["client_id"] != request.form.get("client_id")
        or grant["redirect_uri"] != request.form.get("redirect_uri")
        or now() - grant["issued_at"] > CODE_TTL
    ):
        return _oauth_error(
            400,
            "invalid_request",
            "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
            "authorization code. Or authorization code expired. Or external member binding exists",
        )
    grant_id = str(STORE.next_id())
    _state()["grants"][grant_id] = {
        "revoked": False,
        "username": grant["username"],
        "scopes": grant["granted"],
        "client_id": grant["client_id"],
    }
    body = _issue_access(grant_id)
    if "openid" in grant["granted"]:
        body["id_token"] = _id_token(grant["username"], grant["client_id"])
    if app["mdp"]:
        refresh = STORE.token("AQX")
        _state()["refresh_tokens"][refresh] = {"grant": grant_id, "expires_at": now() + REFRESH_TTL}
        body |= {"refresh_token": refresh, "refresh_token_expires_in": int(REFRESH_TTL.total_seconds())}
    return jsonify(body)


def _issue_access(grant_id: str) -> dict[str, Any]:
    grant = _state()["grants"][grant_id]
    token = STORE.token("AQV")
    _state()["tokens"][token] = {
        "grant": grant_id,
        "username": grant["username"],
        "urn": _person_urn(grant["username"]),
        "scopes": grant["scopes"],
        "expires_at": now() + ACCESS_TTL,
    }
    return {
        "access_token": token,
        "expires_in": int(ACCESS_TTL.total_seconds()),
        "scope": ",".join(grant["scopes"]),
        "token_type": "Bearer",
    }


def _id_token(username: str, client_id: str) -> str:
    """An OpenID id_token shaped like LinkedIn's (the signature is a placeholder)."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    member = MEMBERS[username]
    issued = int(now().timestamp())
    claims = {
        "iss": "https://www.linkedin.com/oauth",
        "aud": client_id,
        "sub": member["sub"],
        "name": f"{member['given_name']} {member['family_name']}",
        "iat": issued,
        "exp": issued + 3600,
    }
    return f"{part({'alg': 'RS256', 'typ': 'JWT', 'kid': 'sandbox'})}.{part(claims)}.c2FuZGJveA"


def _refresh(app: dict[str, Any]) -> Response:
    if not app["mdp"]:
        return _oauth_error(
            400, "unauthorized_client", "Refresh tokens are only available to approved partner applications"
        )
    record = _state()["refresh_tokens"].get(request.form.get("refresh_token", ""))
    if record is None or record["expires_at"] <= now() or _state()["grants"][record["grant"]]["revoked"]:
        return _oauth_error(
            400,
            "invalid_request",
            "The provided authorization grant or refresh token is invalid, expired or revoked",
        )
    body = _issue_access(record["grant"])
    # The refresh token does not rotate: the same one comes back with its remaining lifetime.
    remaining = int((record["expires_at"] - now()).total_seconds())
    return jsonify(
        body | {"refresh_token": request.form["refresh_token"], "refresh_token_expires_in": remaining}
    )


@bp.post("/www/oauth/v2/revoke")
def revoke():
    if _client() is None:
        return _oauth_error(401, "invalid_client", "Client authentication failed")
    record = _state()["tokens"].get(request.form.get("token", ""))
    if record:
        _state()["grants"][record["grant"]]["revoked"] = True
    return Response(status=200)


@bp.get("/api/v2/userinfo")
def userinfo():
    record, error = _authenticated()
    if error:
        return error
    if not {"openid", "profile"} <= set(record["scopes"]):
        return _denied("userinfo.GET.NO_VERSION")
    member = MEMBERS[record["username"]]
    body = {
        "sub": member["sub"],
        "name": f"{member['given_name']} {member['family_name']}",
        "given_name": member["given_name"],
        "family_name": member["family_name"],
        "locale": {"country": "IT", "language": "it"},
        "picture": f"https://media.licdn.example/{member['sub']}.jpg",
    }
    if "email" in record["scopes"]:
        body |= {"email": f"{record['username']}@example.it", "email_verified": True}
    return jsonify(body)
