"""Mastodon's API, any instance at /mastodon/<host>: per-instance apps, OAuth, statuses, media, inboxes."""

from __future__ import annotations

import hashlib
import itertools
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox import faults
from sandbox.networks.common import bearer_token, is_write
from sandbox.oauth_pages import run_authorize
from sandbox.state import STORE, now

NETWORKS = ("mastodon",)
bp = Blueprint("mastodon", __name__, url_prefix="/mastodon/<host>")
USERS = ("brand", "cafe", "studio")
CHAR_LIMIT = 500
IDEMPOTENCY_WINDOW = timedelta(hours=1)


def seed(state: dict[str, Any]) -> None:
    """Three accounts on every instance, a few followers each, no apps yet."""
    state.update(
        apps={},
        codes={},
        tokens={},
        statuses={},
        media={},
        # Per "<account id>@<host>" (an account's inbox is per instance), oldest first.
        notifications={},
        conversations={},
        idempotency={},
        accounts={},
        followers={},
        counter=itertools.count(1),
    )
    for username in USERS:
        state["accounts"][username] = {
            "id": str(100 + USERS.index(username)),
            "username": username,
            "display_name": username.title(),
            "followers_count": 10,
        }


def _state() -> dict[str, Any]:
    return STORE.networks["mastodon"]


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _rate_headers(remaining: int = 299) -> dict[str, str]:
    reset = (now() + timedelta(minutes=5)).replace(microsecond=0)
    return {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z"),
    }


def _fault_response(fault: dict[str, Any]) -> Response:
    kind = fault["kind"]
    if kind == "rate_limit":
        return _error(429, "Too many requests", _rate_headers(0))
    if kind in ("revoked", "expired"):
        return _error(401, "The access token is invalid")
    if kind == "quota":
        return _error(422, "Validation failed: daily status limit reached")
    return _error(int(fault.get("status", 500)), "Internal server error")


def _authenticated(host: str) -> tuple[dict[str, Any] | None, Response | None]:
    """The token record for this request, or an error response."""
    token = bearer_token()
    record = _state()["tokens"].get(token or "")
    if record is None or record["host"] != host or record.get("revoked"):
        return None, _error(401, "The access token is invalid")
    fault = faults.before_call("mastodon", account=record["account_id"], write=is_write())
    if fault:
        if fault["kind"] in ("revoked", "expired"):
            record["revoked"] = True
        return None, _fault_response(fault)
    return record, None


def _account(username: str) -> dict[str, Any]:
    return _state()["accounts"][username]


def _status_json(host: str, status: dict[str, Any]) -> dict[str, Any]:
    account = _account(status["username"])
    base = request.host_url.rstrip("/") + f"/mastodon/{host}"
    return {
        "id": status["id"],
        "created_at": status["created_at"],
        "content": f"<p>{status['text']}</p>",
        "text": status["text"],
        "url": f"{base}/@{account['username']}/{status['id']}",
        "visibility": status["visibility"],
        "in_reply_to_id": status.get("in_reply_to_id"),
        "account": {
            "id": account["id"],
            "username": account["username"],
            "acct": account["username"],
            "display_name": account["display_name"],
        },
        "media_attachments": [{"id": m, "type": "image"} for m in status["media_ids"]],
        "favourites_count": status["favourites"],
        "reblogs_count": status["reblogs"],
        "replies_count": status["replies"],
    }


@bp.post("/api/v1/apps")
def create_app(host: str):
    client_id = f"app-{host}-{STORE.next_id()}"
    app = {
        "name": request.values.get("client_name", "app"),
        "client_id": client_id,
        "client_secret": STORE.token("secret-"),
        "redirect_uris": request.values.get("redirect_uris", "").split(),
        "scopes": request.values.get("scopes", "read"),
        "host": host,
    }
    _state()["apps"][client_id] = app
    return jsonify(
        {
            "id": str(STORE.next_id()),
            "name": app["name"],
            "client_id": client_id,
            "client_secret": app["client_secret"],
            "redirect_uri": request.values.get("redirect_uris", ""),
        }
    )


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize(host: str):
    apps = {
        cid: {"name": a["name"], "redirect_uris": a["redirect_uris"]}
        for cid, a in _state()["apps"].items()
        if a["host"] == host
    }

    def issue(grant: dict) -> str:
        code = STORE.token("code-")
        _state()["codes"][code] = {**grant, "host": host, "issued_at": now()}
        return code

    return run_authorize(
        network_name=f"Mastodon ({host})", apps=apps, users=list(USERS), scope_separator=" ", issue_code=issue
    )


@bp.post("/oauth/token")
def token(host: str):
    values = request.values
    app = _state()["apps"].get(values.get("client_id", ""))
    if app is None or app["client_secret"] != values.get("client_secret") or app["host"] != host:
        return _error(401, "Client authentication failed due to unknown client")
    if values.get("grant_type") != "authorization_code":
        return _error(400, "unsupported_grant_type")
    grant = _state()["codes"].pop(values.get("code", ""), None)
    if grant is None or grant["redirect_uri"] != values.get("redirect_uri"):
        return _error(
            400,
            "The provided authorization grant is invalid, expired, revoked, does not match the "
            "redirection URI used in the authorization request, or was issued to another client.",
        )
    access = STORE.token("mastodon-")
    _state()["tokens"][access] = {
        "host": host,
        "account_id": _account(grant["username"])["id"],
        "username": grant["username"],
        "scopes": grant["granted"],
        "client_id": app["client_id"],
    }
    # Mastodon tokens do not expire and come without a refresh token.
    return jsonify(
        {
            "access_token": access,
            "token_type": "Bearer",
            "scope": " ".join(grant["granted"]),
            "created_at": int(now().timestamp()),
        }
    )


@bp.post("/oauth/revoke")
def revoke(host: str):
    record = _state()["tokens"].get(request.values.get("token", ""))
    if record:
        record["revoked"] = True
    return jsonify({})


@bp.get("/api/v1/accounts/verify_credentials")
def verify_credentials(host: str):
    record, error = _authenticated(host)
    if error:
        return error
    account = _account(record["username"])
    return jsonify(
        {
            "id": account["id"],
            "username": account["username"],
            "acct": account["username"],
            "display_name": account["display_name"],
            "followers_count": account["followers_count"],
            "url": request.host_url.rstrip("/") + f"/mastodon/{host}/@{account['username']}",
        }
    )


@bp.get("/api/v2/instance")
def instance(host: str):
    return jsonify(
        {
            "domain": host,
            "title": f"{host} (sandbox)",
            "configuration": {
                "statuses": {
                    "max_characters": CHAR_LIMIT,
                    "max_media_attachments": 4,
                    "characters_reserved_per_url": 23,
                },
                "media_attachments": {
                    "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
                    "image_size_limit": 16777216,
                },
            },
        }
    )


@bp.post("/api/v2/media")
def upload_media(host: str):
    record, error = _authenticated(host)
    if error:
        return error
    upload = request.files.get("file")
    if upload is None:
        return _error(422, "Validation failed: File can't be blank")
    media_id = str(STORE.next_id())
    _state()["media"][media_id] = {
        "account_id": record["account_id"],
        "size": len(upload.read()),
        "description": request.form.get("description", ""),
        "polls": 0,
    }
    # Large media are processed asynchronously: 202 now, 206 while processing, 200 when ready.
    return jsonify(
        {"id": media_id, "type": "image", "url": None, "description": request.form.get("description")}
    ), 202


@bp.get("/api/v1/media/<media_id>")
def media_status(host: str, media_id: str):
    record, error = _authenticated(host)
    if error:
        return error
    media = _state()["media"].get(media_id)
    if media is None or media["account_id"] != record["account_id"]:
        return _error(404, "Record not found")
    media["polls"] += 1
    if media["polls"] < 2:
        return jsonify({"id": media_id, "type": "image", "url": None}), 206
    media["ready"] = True
    return jsonify({"id": media_id, "type": "image", "url": f"https://{host}/media/{media_id}.jpg"})


@bp.post("/api/v1/statuses")
def create_status(host: str):
    record, error = _authenticated(host)
    if error:
        return error
    if "write" not in " ".join(record["scopes"]) and "write:statuses" not in record["scopes"]:
        return _error(403, "This action is outside the authorized scopes")
    body = request.get_json(silent=True) or request.form
    text = body.get("status", "")
    media_ids = body.get("media_ids") or request.form.getlist("media_ids[]") or []
    key = request.headers.get("Idempotency-Key")
    state = _state()
    if key:
        seen = state["idempotency"].get((record["account_id"], key))
        if seen and now() - seen["at"] < IDEMPOTENCY_WINDOW:
            return jsonify(_status_json(host, state["statuses"][seen["id"]]))
    if not text and not media_ids:
        return _error(422, "Validation failed: Text can't be blank")
    if len(text) > CHAR_LIMIT:
        return _error(422, f"Validation failed: Text character limit of {CHAR_LIMIT} exceeded")
    for media_id in media_ids:
        media = state["media"].get(str(media_id))
        if media is None or media["account_id"] != record["account_id"]:
            return _error(422, "Validation failed: media not found")
        if not media.get("ready"):
            return _error(
                422, "Cannot attach files that have not finished processing. Try again in a moment!"
            )
    status_id = str(STORE.next_id())
    status = {
        "id": status_id,
        "host": host,
        "username": record["username"],
        "account_id": record["account_id"],
        "text": text,
        "visibility": body.get("visibility", "public"),
        "in_reply_to_id": body.get("in_reply_to_id"),
        "media_ids": [str(m) for m in media_ids],
        "created_at": now().isoformat().replace("+00:00", "Z"),
        "favourites": 0,
        "reblogs": 0,
        "replies": 0,
        "content_hash": hashlib.sha256(text.encode()).hexdigest(),
    }
    state["statuses"][status_id] = status
    if key:
        state["idempotency"][(record["account_id"], key)] = {"id": status_id, "at": now()}
    kind = "dm" if status["visibility"] == "direct" else ("reply" if status["in_reply_to_id"] else "post")
    STORE.record_published(
        network="mastodon",
        account=record["account_id"],
        remote_id=status_id,
        kind=kind,
        text=text,
        host=host,
        idempotency_key=key,
    )
    if faults.response_lost("mastodon", account=record["account_id"]):
        return faults.lost_response()
    return jsonify(_status_json(host, status))


@bp.get("/api/v1/statuses/<status_id>")
def get_status(host: str, status_id: str):
    _record, error = _authenticated(host)
    if error:
        return error
    status = _state()["statuses"].get(status_id)
    if status is None or status.get("deleted"):
        return _error(404, "Record not found")
    return jsonify(_status_json(host, status))


@bp.delete("/api/v1/statuses/<status_id>")
def delete_status(host: str, status_id: str):
    record, error = _authenticated(host)
    if error:
        return error
    status = _state()["statuses"].get(status_id)
    if status is None or status["account_id"] != record["account_id"] or status.get("deleted"):
        return _error(404, "Record not found")
    status["deleted"] = True
    STORE.record_deleted(network="mastodon", remote_id=status_id)
    return jsonify(_status_json(host, status))


def _page(items: list[dict[str, Any]], host: str, path: str) -> Response:
    """Mastodon pagination: newest first, Link header with max_id (older) and min_id (newer)."""
    max_id = request.args.get("max_id")
    since_id = request.args.get("since_id") or request.args.get("min_id")
    limit = min(int(request.args.get("limit", 20)), 40)
    ordered = sorted(items, key=lambda i: int(i["id"]), reverse=True)
    if max_id:
        ordered = [i for i in ordered if int(i["id"]) < int(max_id)]
    if since_id:
        ordered = [i for i in ordered if int(i["id"]) > int(since_id)]
    page = ordered[:limit]
    response = jsonify(page)
    if page:
        base = request.host_url.rstrip("/") + f"/mastodon/{host}{path}"
        links = [
            f'<{base}?max_id={page[-1]["id"]}&limit={limit}>; rel="next"',
            f'<{base}?min_id={page[0]["id"]}&limit={limit}>; rel="prev"',
        ]
        response.headers["Link"] = ", ".join(links)
    for key, value in _rate_headers().items():
        response.headers[key] = value
    return response


@bp.get("/api/v1/notifications")
def notifications(host: str):
    record, error = _authenticated(host)
    if error:
        return error
    types = request.args.getlist("types[]") or None
    inbox = _state()["notifications"].get(f"{record['account_id']}@{host}", [])
    items = [n for n in inbox if types is None or n["type"] in types]
    return _page([n["json"] for n in items], host, "/api/v1/notifications")


@bp.get("/api/v1/conversations")
def conversations(host: str):
    record, error = _authenticated(host)
    if error:
        return error
    items = [c["json"] for c in _state()["conversations"].get(f"{record['account_id']}@{host}", [])]
    return _page(items, host, "/api/v1/conversations")


# Views kept in modules of their own register on `bp` when imported; they use this module's helpers.
from sandbox.networks import mastodon_favourites  # noqa: E402, F401
