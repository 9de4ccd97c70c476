"""Webhook subscriptions: an app's /{app-id}/subscriptions, verified as Meta does; pages' subscribed_apps.

An app subscribes to an object (page, instagram) and its fields with an app access token
(`{app-id}|{app-secret}`); Meta first calls the callback URL with hub.mode=subscribe, hub.challenge and
hub.verify_token, and keeps the subscription only if the answer's body is the challenge. Events of a page
reach an app only if the page also installed it: POST /{page-id}/subscribed_apps with a page token, with
the page fields wanted; an Instagram account's events need its page to have installed the app.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
from flask import Response, jsonify, request

from sandbox.networks.meta.blueprint import VERSION
from sandbox.networks.meta.errors import GraphError, _fail
from sandbox.networks.meta.parsing import Call, _access_token, _json_param, _params
from sandbox.networks.meta.permissions import _require
from sandbox.networks.meta.world import _world
from sandbox.state import STORE

VERIFY_TIMEOUT_SECONDS = 5.0
FIELDS = {
    "page": frozenset(
        {
            "feed",
            "messages",
            "message_echoes",
            "message_deliveries",
            "message_reads",
            "messaging_postbacks",
            "mention",
            "ratings",
        }
    ),
    "instagram": frozenset({"comments", "mentions", "messages", "live_comments", "story_insights"}),
}


def app_subscriptions(app_id: str) -> Response:
    """GET, POST or DELETE /{app-id}/subscriptions with the app's access token."""
    try:
        params = _params()
        with STORE.lock:
            _check_app_token(app_id, _access_token(params))
            if request.method == "GET":
                return jsonify({"data": [_subscription_json(s) for s in _of_app(app_id).values()]})
            if request.method == "DELETE":
                return _unsubscribe(app_id, params)
            wanted = _wanted(params)
        _verify(wanted["callback_url"], wanted["verify_token"])  # an HTTP call: never under the lock
        with STORE.lock:
            _subscribe(app_id, wanted)
        return jsonify({"success": True})
    except GraphError as exc:
        return exc.response


def _check_app_token(app_id: str, token: str) -> None:
    if not token:
        raise _fail(400, "An access token is required to request this resource.", 104)
    if token in _world()["tokens"]:
        raise _fail(400, "(#15) This method must be called with an app access_token.", 15)
    claimed, _, secret = token.partition("|")
    if claimed != app_id or secret != _world()["apps"][app_id]["secret"]:
        raise _fail(400, "Invalid OAuth access token signature.", 190)


def _of_app(app_id: str) -> dict[str, dict[str, Any]]:
    return _world()["subscriptions"].setdefault(app_id, {})


def _subscription_json(subscription: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": subscription["object"],
        "callback_url": subscription["callback_url"],
        "active": True,
        "fields": [{"name": f, "version": VERSION} for f in subscription["fields"]],
    }


def _field_list(value: Any) -> list[str]:
    """Fields as Graph takes them: `a,b`, a JSON list, or PHP-style fields[]."""
    value = _json_param(value)
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [f.strip() for f in str(value or "").split(",") if f.strip()]


def _wanted(params: dict[str, Any]) -> dict[str, Any]:
    kind = str(params.get("object", ""))
    if kind not in FIELDS:
        raise _fail(400, f"(#100) Param object must be one of {{{', '.join(sorted(FIELDS))}}}", 100)
    url = str(params.get("callback_url", ""))
    if not url.startswith(("http://", "https://")):
        raise _fail(400, "(#100) Param callback_url must be a valid URL", 100)
    fields = _field_list(params.get("fields") or request.values.getlist("fields[]"))
    if not fields:
        raise _fail(400, "(#100) The parameter fields is required", 100)
    unknown = [f for f in fields if f not in FIELDS[kind]]
    if unknown:
        raise _fail(400, f"(#100) Invalid field names for object {kind}: {', '.join(unknown)}", 100)
    return {"object": kind, "callback_url": url, "fields": fields, "verify_token": params.get("verify_token")}


def _verify(url: str, verify_token: Any) -> None:
    """Meta's verification request: the callback must answer 200 with the challenge as its whole body."""
    challenge = str(secrets.randbelow(9 * 10**9) + 10**9)
    query = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token or ""}
    try:
        answer = httpx.get(url, params=query, timeout=VERIFY_TIMEOUT_SECONDS, follow_redirects=False)
    except httpx.HTTPError as exc:
        reason = f"Couldn't connect to server ({type(exc).__name__})"
        raise _fail(400, f"(#2200) callback verification failed: {reason}", 2200) from exc
    if answer.status_code != 200:
        raise _fail(
            400,
            f"(#2200) callback verification failed: HTTP Status Code = {answer.status_code}; "
            f"HTTP Message = {answer.reason_phrase}",
            2200,
        )
    if answer.text != challenge:
        raise _fail(
            400,
            f'(#2201) response does not match challenge, expected value="{challenge}", '
            f'received="{answer.text[:100]}"',
            2201,
        )


def _subscribe(app_id: str, wanted: dict[str, Any]) -> None:
    """Meta keeps one subscription per object: a new call changes its callback and adds fields."""
    current = _of_app(app_id).get(wanted["object"])
    fields = list(dict.fromkeys([*(current["fields"] if current else []), *wanted["fields"]]))
    _of_app(app_id)[wanted["object"]] = {**wanted, "fields": fields}


def _unsubscribe(app_id: str, params: dict[str, Any]) -> Response:
    kind = params.get("object")
    fields = set(_field_list(params.get("fields")))
    for name in [kind] if kind else list(_of_app(app_id)):
        subscription = _of_app(app_id).get(name)
        if subscription is None:
            continue
        subscription["fields"] = [f for f in subscription["fields"] if fields and f not in fields]
        if not subscription["fields"]:
            del _of_app(app_id)[name]
    return jsonify({"success": True})


# --- a page installs an app: /{page-id}/subscribed_apps -------------------------------------------
def _installed(page: dict[str, Any]) -> dict[str, list[str]]:
    return page.setdefault("subscribed_apps", {})


def _body_subscribed_apps(call: Call, page: dict, params: dict) -> dict:
    apps = _world()["apps"]
    return {
        "data": [
            {"category": "Business", "link": "https://cadenza.example/", "name": apps[app]["name"], "id": app}
            | {"subscribed_fields": fields}
            for app, fields in _installed(page).items()
        ]
    }


def _post_subscribed_apps(call: Call, page: dict):
    """POST /{page-id}/subscribed_apps with a page token: the token's app gets the page's events."""
    _require(call, "pages_manage_metadata", code=200)
    fields = _field_list(call.params.get("subscribed_fields"))
    if not fields:
        raise _fail(400, "(#100) The parameter subscribed_fields is required.", 100)
    for index, field in enumerate(fields):
        if field not in FIELDS["page"]:
            raise _fail(
                400,
                f"(#100) Param subscribed_fields[{index}] must be one of "
                f'{{{", ".join(sorted(FIELDS["page"]))}}} - got "{field}"',
                100,
            )
    _installed(page)[call.token["app"]] = fields
    return jsonify({"success": True})


def _delete_subscribed_apps(call: Call, page: dict):
    _require(call, "pages_manage_metadata", code=200)
    _installed(page).pop(call.token["app"], None)
    return jsonify({"success": True})


def page_apps(page: dict[str, Any], kind: str, field: str) -> list[tuple[str, dict[str, Any]]]:
    """The apps (id, subscription) an event of `kind` and `field` on this page (or its IG account) reaches."""
    reached = []
    for app_id, subscriptions in _world()["subscriptions"].items():
        subscription = subscriptions.get(kind)
        installed = _installed(page).get(app_id)
        if subscription is None or field not in subscription["fields"] or installed is None:
            continue
        if kind == "page" and field not in installed:
            continue
        reached.append((app_id, subscription))
    return reached
