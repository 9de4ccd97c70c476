"""The Graph API dispatcher: authenticate the token, resolve the node, and route to its edge."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import jsonify, request

from sandbox import faults
from sandbox.networks.common import is_write
from sandbox.networks.meta.blueprint import VERSION, bp
from sandbox.networks.meta.errors import (
    LOST,
    GraphError,
    _fail,
    _fault_response,
    _unsupported,
    _usage_headers,
)
from sandbox.networks.meta.instagram import _media_publish, _post_container, _post_ig_reply
from sandbox.networks.meta.messenger import _post_message
from sandbox.networks.meta.moderation import (
    _delete_comment,
    _delete_ig_comment,
    _hide_comment,
    _hide_ig_comment,
    _like_comment,
)
from sandbox.networks.meta.nodes import BODIES, LISTS, _edge_body, _render
from sandbox.networks.meta.oauth import _debug_token, _token_endpoint, _token_problem
from sandbox.networks.meta.pages import _delete_post, _post_comment, _post_feed, _post_photo
from sandbox.networks.meta.parsing import Call, _access_token, _fields, _params
from sandbox.networks.meta.permissions import _delete_permissions, _require_read
from sandbox.networks.meta.subscriptions import (
    _delete_subscribed_apps,
    _post_subscribed_apps,
    app_subscriptions,
)
from sandbox.networks.meta.world import PEOPLE, _objects, _world
from sandbox.state import STORE


@bp.route(f"/graph/{VERSION}/<node>", methods=["GET", "POST", "DELETE"])
@bp.route(f"/graph/{VERSION}/<node>/<edge>", methods=["GET", "POST", "DELETE"])
def graph(node: str, edge: str | None = None):
    if node == "oauth" and edge == "access_token":
        return _token_endpoint()
    if node == "debug_token" and edge is None:
        return _debug_token()
    if edge == "subscriptions" and node in _world()["apps"]:
        return app_subscriptions(node)
    try:
        with STORE.lock:
            call = _authenticate(node)
        fault = faults.before_call(call.network, account=call.account, write=is_write())
        with STORE.lock:
            if fault:
                return _fault_response(fault, call.network, call.business_id, call.token)
            response = _dispatch(call, edge)
    except GraphError as exc:
        return exc.response
    if response is LOST:
        return faults.lost_response()
    for key, value in _usage_headers(call.network, call.business_id).items():
        response.headers[key] = value
    return response


def _authenticate(node: str) -> Call:
    params = _params()
    token = _access_token(params)
    if not token:
        raise _fail(
            400, "An active access token must be used to query information about the current user.", 2500
        )
    record = _world()["tokens"].get(token)
    if record is None:
        raise _fail(400, "Invalid OAuth access token - Cannot parse access token", 190)
    problem = _token_problem(record)
    if problem is not None:
        raise GraphError(problem)
    proof = params.get("appsecret_proof")
    secret = _world()["apps"][record["app"]]["secret"]
    if proof and proof != hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest():
        raise _fail(
            400, "Invalid appsecret_proof provided in the API argument", 100, kind="GraphMethodException"
        )
    grant = _world()["grants"][record["grant"]]
    target = _resolve(node, record, grant)
    if target["type"] in ("ig_user", "ig_media", "ig_comment", "container"):
        network, account, business = "instagram", target["ig_user_id"], target["ig_user_id"]
    elif target["type"] == "user":
        network, account, business = "facebook", target["id"], None
    else:
        network, account, business = "facebook", target["page_id"], target["page_id"]
    return Call(record, grant, target, params, network, account, business)


def _resolve(node: str, record: dict[str, Any], grant: dict[str, Any]) -> dict[str, Any]:
    """The node a token may see: a page token sees its page's world, a user token only itself."""
    objects = _objects()
    if node == "me":
        return objects[record["page_id"]] if record["type"] == "page" else objects[PEOPLE[record["user"]][0]]
    target = objects.get(node)
    if target is None or target.get("deleted"):
        raise _unsupported(node)
    if record["type"] == "page":
        if target["type"] == "user" or target.get("page_id") != record["page_id"]:
            raise _unsupported(node)
        return target
    if target["type"] == "user" and target["id"] == PEOPLE[record["user"]][0]:
        return target
    if target.get("page_id") in grant["pages"]:
        raise _fail(400, "(#210) A page access token is required to request this resource.", 210)
    raise _unsupported(node)


def _dispatch(call: Call, edge: str | None):
    kind, method = call.target["type"], request.method
    if method == "GET" and edge is None:
        _require_read(call, kind)
        return jsonify(_render(call, call.target, _fields(call.params.get("fields"))))
    if method == "GET" and ((kind, edge) in LISTS or (kind, edge) in BODIES):
        return jsonify(
            _edge_body(call, call.target, edge, call.params, _fields(call.params.get("fields")), True)
        )
    handler = WRITES.get((kind, edge, method))
    if handler is not None:
        return handler(call, call.target)
    if method == "GET":
        raise _fail(
            400, f"(#100) Tried accessing nonexisting field ({edge}) on node type ({kind.title()})", 100
        )
    raise _unsupported(call.target["id"])


WRITES = {
    ("page", "feed", "POST"): _post_feed,
    ("page", "photos", "POST"): _post_photo,
    ("page", "messages", "POST"): _post_message,
    ("post", "comments", "POST"): _post_comment,
    ("comment", "comments", "POST"): _post_comment,
    ("post", None, "DELETE"): _delete_post,
    ("user", "permissions", "DELETE"): _delete_permissions,
    ("ig_user", "media", "POST"): _post_container,
    ("ig_user", "media_publish", "POST"): _media_publish,
    ("ig_comment", "replies", "POST"): _post_ig_reply,
    ("comment", "likes", "POST"): _like_comment,
    ("comment", None, "POST"): _hide_comment,
    ("comment", None, "DELETE"): _delete_comment,
    ("ig_comment", None, "POST"): _hide_ig_comment,
    ("ig_comment", None, "DELETE"): _delete_ig_comment,
    ("page", "subscribed_apps", "POST"): _post_subscribed_apps,
    ("page", "subscribed_apps", "DELETE"): _delete_subscribed_apps,
}
