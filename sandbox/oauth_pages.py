"""The sandbox's authorize step: a fake login plus a consent form where permissions can be unticked."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from flask import Response, redirect, render_template, request

SANDBOX_PASSWORD = "sandbox"


def authorize_page(
    *,
    network_name: str,
    app_name: str,
    scopes: list[str],
    users: list[str],
    hidden: dict[str, str],
    error: str | None = None,
) -> str:
    """Render login + consent; the form posts back to the same URL with `decision` approve/deny."""
    return render_template(
        "authorize.html",
        network_name=network_name,
        app_name=app_name,
        scopes=scopes,
        users=users,
        hidden=hidden,
        error=error,
    )


def _back(redirect_uri: str, params: dict[str, str]) -> Response:
    separator = "&" if "?" in redirect_uri else "?"
    return redirect(f"{redirect_uri}{separator}{urlencode(params)}", code=302)


def run_authorize(
    *,
    network_name: str,
    apps: dict[str, dict],
    users: list[str],
    scope_separator: str,
    issue_code: Callable[[dict], str],
    require_pkce: bool = False,
) -> Response | tuple[str, int]:
    """GET shows the form; POST logs in, applies the (possibly partial) grant, and redirects with a code.

    `apps` maps client_id -> {"name": ..., "redirect_uris": [...] or None for any}. `issue_code` gets
    client_id, redirect_uri, username, granted (list), code_challenge, code_challenge_method.
    """
    params = request.values
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    app = apps.get(client_id)
    if app is None:
        return f"{network_name} sandbox: unknown client_id {client_id!r}", 400
    if app.get("redirect_uris") is not None and redirect_uri not in app["redirect_uris"]:
        return f"{network_name} sandbox: redirect_uri {redirect_uri!r} is not registered for this app", 400
    if require_pkce and not params.get("code_challenge"):
        return f"{network_name} sandbox: PKCE code_challenge is required", 400
    requested = [s for s in params.get("scope", "").replace(",", " ").split() if s]
    hidden = {k: v for k, v in request.args.items()}
    if request.method == "GET":
        return authorize_page(
            network_name=network_name, app_name=app["name"], scopes=requested, users=users, hidden=hidden
        )
    state = params.get("state", "")
    if params.get("decision") != "approve":
        return _back(
            redirect_uri,
            {"error": "access_denied", "error_description": "The user denied your request.", "state": state},
        )
    username = params.get("username", "")
    if username not in users or params.get("password") != SANDBOX_PASSWORD:
        return authorize_page(
            network_name=network_name,
            app_name=app["name"],
            scopes=requested,
            users=users,
            hidden=hidden,
            error="Wrong user or password (use 'sandbox').",
        ), 200
    granted = [s for s in request.form.getlist("granted") if s in requested]
    code = issue_code(
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "username": username,
            "granted": granted,
            "code_challenge": params.get("code_challenge"),
            "code_challenge_method": params.get("code_challenge_method"),
        }
    )
    return _back(redirect_uri, {"code": code, "state": state})


def pkce_ok(verifier: str | None, challenge: str | None, method: str | None) -> bool:
    """True when the verifier matches the challenge (S256 or plain)."""
    import base64
    import hashlib

    if not challenge:
        return True
    if not verifier:
        return False
    if (method or "plain") == "S256":
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        return digest == challenge
    return verifier == challenge
