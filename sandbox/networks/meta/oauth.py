"""Facebook Login: the OAuth dialog, /oauth/access_token (code and long-lived exchange) and /debug_token."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Response, jsonify, redirect, request
from markupsafe import escape

from sandbox import faults
from sandbox.networks.meta.blueprint import VERSION, bp
from sandbox.networks.meta.errors import _error, _expired_error, _fault_response
from sandbox.networks.meta.parsing import _params
from sandbox.networks.meta.world import PAGES, PEOPLE, USERS, _new_id, _world
from sandbox.oauth_pages import SANDBOX_PASSWORD, authorize_page
from sandbox.state import STORE, now

CODE_TTL = timedelta(minutes=10)
SHORT_LIVED = timedelta(hours=1, minutes=30)
LONG_LIVED = timedelta(days=60)
PERMISSIONS = frozenset(
    {
        "public_profile",
        "email",
        "pages_show_list",
        "pages_read_engagement",
        "pages_manage_posts",
        "pages_manage_metadata",
        "pages_read_user_content",
        "pages_manage_engagement",
        "pages_messaging",
        "read_insights",
        "business_management",
        "instagram_basic",
        "instagram_content_publish",
        "instagram_manage_comments",
        "instagram_manage_insights",
        "instagram_manage_messages",
    }
)
PAGE_CHOICE = re.compile(r"^page:(\d+)")


@bp.route(f"/www/{VERSION}/dialog/oauth", methods=["GET", "POST"])
def dialog_oauth():
    params = request.values
    app = _world()["apps"].get(params.get("client_id", ""))
    if app is None:
        return (
            "Facebook (sandbox): Invalid App ID. The provided app ID does not look like a valid app ID.",
            400,
        )
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")):
        return (
            "Facebook (sandbox): URL blocked. This redirect failed because the redirect URI is not valid.",
            400,
        )
    requested = [s for s in params.get("scope", "").replace(" ", ",").split(",") if s]
    unknown = [s for s in requested if s not in PERMISSIONS]
    if unknown:
        return f"Facebook (sandbox): Invalid Scopes: {escape(', '.join(unknown))}.", 400
    # Facebook asks which pages to share; the shared consent form lists them next to the permissions.
    choices = requested + [f"page:{p['id']} {p['name']} ({p['owner']})" for p in PAGES]
    hidden = dict(request.args.items())
    if request.method == "GET":
        return authorize_page(
            network_name="Facebook", app_name=app["name"], scopes=choices, users=list(USERS), hidden=hidden
        )
    state = params.get("state", "")
    if params.get("decision") != "approve":
        query = {
            "error_reason": "user_denied",
            "error": "access_denied",
            "error_description": "Permissions error.",
            "state": state,
        }
        return redirect(
            f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(query)}#_=_", code=302
        )
    username = params.get("username", "")
    if username not in USERS or params.get("password") != SANDBOX_PASSWORD:
        return authorize_page(
            network_name="Facebook",
            app_name=app["name"],
            scopes=choices,
            users=list(USERS),
            hidden=hidden,
            error="Wrong user or password (use 'sandbox').",
        )
    ticked = request.form.getlist("granted")
    code = _issue_code(params.get("client_id", ""), redirect_uri, username, requested, ticked)
    query = urlencode({"code": code, "state": state})
    return redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}#_=_", code=302)


def _issue_code(client_id: str, redirect_uri: str, username: str, requested: list[str], ticked: list[str]):
    own_pages = {p["id"] for p in PAGES if p["owner"] == username}
    chosen = [m.group(1) for v in ticked if (m := PAGE_CHOICE.match(v)) and m.group(1) in own_pages]
    with STORE.lock:
        grant_id = _new_id()
        _world()["grants"][grant_id] = {
            "id": grant_id,
            "user": username,
            "app": client_id,
            "scopes": ["public_profile"] + [s for s in requested if s in ticked and s != "public_profile"],
            "declined": [s for s in requested if s not in ticked],
            "pages": chosen,
            "page_tokens": {},
            "revoked": False,
        }
        code = STORE.token("AQ")
        _world()["codes"][code] = {
            "grant": grant_id,
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "issued_at": now(),
            "used": False,
        }
    return code


def _issue_token(grant: dict[str, Any], kind: str, expires_at: datetime | None, **extra: Any) -> str:
    token = STORE.token("EAAP" if kind == "page" else "EAAB")
    _world()["tokens"][token] = {
        "type": kind,
        "grant": grant["id"],
        "user": grant["user"],
        "app": grant["app"],
        "expires_at": expires_at,
        "issued_at": now(),
        **extra,
    }
    return token


def _token_endpoint():
    """GET /oauth/access_token: a code for a short-lived user token, or fb_exchange_token for a long one."""
    params = _params()
    client_id = params.get("client_id", "")
    app = _world()["apps"].get(client_id)
    if app is None:
        return _error(400, "Error validating application. Invalid application ID.", 101)
    if params.get("client_secret") != app["secret"]:
        return _error(400, "Error validating client secret.", 1)
    fault = faults.before_call(app["network"], account=None, write=False)
    if fault:
        return _fault_response(fault, app["network"], None, None)
    if params.get("grant_type") == "client_credentials":
        # An app access token; Meta equally accepts "{app-id}|{app-secret}" written by hand.
        return jsonify({"access_token": f"{client_id}|{app['secret']}", "token_type": "bearer"})
    with STORE.lock:
        if params.get("grant_type") == "fb_exchange_token":
            return _long_lived(params, client_id)
        return _redeem_code(params, client_id)


def _redeem_code(params: dict[str, Any], client_id: str) -> Response:
    record = _world()["codes"].get(params.get("code", ""))
    if record is None or record["client_id"] != client_id:
        return _error(400, "Invalid verification code format.", 100)
    if record["used"]:
        return _error(400, "This authorization code has been used.", 100, subcode=36009)
    if now() - record["issued_at"] > CODE_TTL:
        return _error(400, "This authorization code has expired.", 100, subcode=36007)
    if params.get("redirect_uri") != record["redirect_uri"]:
        return _error(
            400,
            "Error validating verification code. Please make sure your redirect_uri is identical to the one "
            "you used in the OAuth dialog request",
            100,
            subcode=36008,
        )
    record["used"] = True
    grant = _world()["grants"][record["grant"]]
    token = _issue_token(grant, "user", now() + SHORT_LIVED)
    return jsonify(
        {"access_token": token, "token_type": "bearer", "expires_in": int(SHORT_LIVED.total_seconds())}
    )


def _long_lived(params: dict[str, Any], client_id: str) -> Response:
    record = _world()["tokens"].get(params.get("fb_exchange_token", ""))
    if record is None or record["type"] != "user" or record["app"] != client_id:
        return _error(400, "Invalid OAuth access token - Cannot parse access token", 190)
    problem = _token_problem(record)
    if problem is not None:
        return problem
    grant = _world()["grants"][record["grant"]]
    token = _issue_token(grant, "user", now() + LONG_LIVED, long_lived=True)
    return jsonify(
        {"access_token": token, "token_type": "bearer", "expires_in": int(LONG_LIVED.total_seconds()) - 56}
    )


def _token_problem(record: dict[str, Any]) -> Response | None:
    grant = _world()["grants"][record["grant"]]
    if grant["revoked"]:
        return _error(
            400,
            f"Error validating access token: The user has not authorized application {record['app']}.",
            190,
            subcode=458,
        )
    if record["expires_at"] is not None and record["expires_at"] <= now():
        return _expired_error(record["expires_at"])
    return None


def _debug_token():
    """GET /debug_token: what a token is, whether it is valid, and which pages each permission covers."""
    params = _params()
    with STORE.lock:
        record = _world()["tokens"].get(params.get("input_token", ""))
        if record is None:
            return _error(400, "Invalid OAuth access token - Cannot parse access token", 190)
        grant = _world()["grants"][record["grant"]]
        problem = _token_problem(record)
        expires = record["expires_at"]
        data: dict[str, Any] = {
            "app_id": record["app"],
            "type": record["type"].upper(),
            "application": _world()["apps"][record["app"]]["name"],
            "expires_at": int(expires.timestamp()) if expires else 0,
            "is_valid": problem is None,
            "issued_at": int(record["issued_at"].timestamp()),
            "scopes": grant["scopes"],
            "granular_scopes": [
                {"scope": s, "target_ids": grant["pages"]} for s in grant["scopes"] if s.startswith("pages_")
            ],
            "user_id": PEOPLE[grant["user"]][0],
        }
        if record["type"] == "page":
            data["profile_id"] = record["page_id"]
        if problem is not None:
            error = problem.get_json()["error"]
            data["error"] = {"code": 190, "message": error["message"], "subcode": error.get("error_subcode")}
        return jsonify({"data": data})
