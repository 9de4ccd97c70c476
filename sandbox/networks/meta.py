"""Facebook Pages and Instagram (business accounts via Facebook Login) at /meta: login dialog and Graph API.

One module plays both networks because at Meta they are one platform: one login, one token family, one
Graph API; an Instagram business account hangs off a Facebook page. Both network keys share one world.
It is longer than most modules because the Graph API is a generic node/edge dispatcher plus each edge.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, jsonify, redirect, request
from markupsafe import escape

from sandbox import faults
from sandbox.networks.common import bearer_token, is_write
from sandbox.oauth_pages import SANDBOX_PASSWORD, authorize_page
from sandbox.state import STORE, now

NETWORKS = ("facebook", "instagram")
VERSION = "v21.0"
bp = Blueprint("meta", __name__, url_prefix="/meta")
USERS = ("maria", "luca")

FB_TEXT_LIMIT = 63206
IG_CAPTION_LIMIT = 2200
IG_HASHTAG_LIMIT = 30
IG_QUOTA = 100
IG_IMAGE_BYTES = 8 * 1024 * 1024
CODE_TTL = timedelta(minutes=10)
SHORT_LIVED = timedelta(hours=1, minutes=30)
LONG_LIVED = timedelta(days=60)
CONTAINER_TTL = timedelta(hours=24)
DUPLICATE_WINDOW = timedelta(hours=24)
MESSAGING_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PAGE_TASKS = ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"]
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
APPS = {
    "cadenza-sandbox-facebook": {
        "secret": "sandbox-secret-facebook",
        "name": "Cadenza",
        "network": "facebook",
    },
    "cadenza-sandbox-instagram": {
        "secret": "sandbox-secret-instagram",
        "name": "Cadenza",
        "network": "instagram",
    },
}
PEOPLE = {"maria": ("100000000000001", "Maria Esposito"), "luca": ("100000000000002", "Luca Bianchi")}
PAGES = (
    {
        "id": "200000000000001",
        "name": "Trattoria Da Mario",
        "username": "trattoriadamario",
        "category": "Italian Restaurant",
        "owner": "maria",
        "ig": ("17841400000000001", "trattoria.damario"),
    },
    {
        "id": "200000000000002",
        "name": "Bar Sport",
        "username": "barsport.sandbox",
        "category": "Bar",
        "owner": "maria",
        "ig": None,
    },
    {
        "id": "200000000000003",
        "name": "Gelateria del Porto",
        "username": "gelateriadelporto",
        "category": "Ice Cream Shop",
        "owner": "luca",
        "ig": ("17841400000000003", "gelateria.delporto"),
    },
)
PAGE_METRICS = {
    "page_media_view": "media_views",
    "page_total_media_view_unique": "media_viewers",
    "page_follows": "followers_count",
    "page_post_engagements": "engagements",
}
POST_METRICS = {"post_media_view": "views", "post_total_media_view_unique": "reach", "post_clicks": "clicks"}
IG_MEDIA_METRICS = ("views", "reach", "saved", "likes", "comments", "shares", "total_interactions")
INVALID_METRIC = "(#100) The value must be a valid insights metric"
QUOTA_MESSAGE = (
    "You reached maximum number of posts that is allowed to be published by Content Publishing API."
)
PAGE_CHOICE = re.compile(r"^page:(\d+)")
LOST = object()  # a handler's answer when the write happened but its response must be lost


class GraphError(Exception):
    """An error answer in Graph's format, raised from deep inside a handler."""

    def __init__(self, response: Response) -> None:
        super().__init__("graph error")
        self.response = response


class Field(NamedTuple):
    name: str
    modifiers: dict[str, str]
    children: list[Field]


@dataclass
class Call:
    """One authenticated Graph request: who asks (token, grant), about what, on which network."""

    token: dict[str, Any]
    grant: dict[str, Any]
    target: dict[str, Any]
    params: dict[str, Any]
    network: str
    account: str | None
    business_id: str | None


# --- world --------------------------------------------------------------------------------------
def seed(state: dict[str, Any]) -> None:
    """One Meta world (users, pages, IG accounts, a few older posts) shared by both network keys."""
    key = next((k for k, v in STORE.networks.items() if v is state), "facebook")
    world = next(
        (v for k, v in STORE.networks.items() if k in NETWORKS and v is not state and "objects" in v), None
    )
    state.update({k: v for k, v in (world or _new_world()).items() if k != "plays"})
    state["plays"] = key  # which half of the audience simulate() plays for this key


def _new_world() -> dict[str, Any]:
    objects: dict[str, dict[str, Any]] = {}
    for username, (user_id, name) in PEOPLE.items():
        objects[user_id] = {"type": "user", "id": user_id, "name": name, "username": username}
    start = now()
    for index, spec in enumerate(PAGES):
        page_id = spec["id"]
        objects[page_id] = {
            "type": "page",
            "id": page_id,
            "page_id": page_id,
            "name": spec["name"],
            "username": spec["username"],
            "category": spec["category"],
            "owner": spec["owner"],
            "followers_count": 120 + 37 * index,
            "fan_count": 110 + 35 * index,
            "media_views": 900 + 100 * index,
            "media_viewers": 400 + 50 * index,
            "engagements": 80,
            "ig_user_id": spec["ig"][0] if spec["ig"] else None,
        }
        for age in (3, 1):
            post_id = f"{page_id}_{9000 + age}"
            objects[post_id] = _post_record(page_id, post_id, f"Welcome to {spec['name']}!", start)
            objects[post_id]["created_time"] = start - timedelta(days=age)
        if spec["ig"]:
            ig_id, ig_username = spec["ig"]
            objects[ig_id] = {
                "type": "ig_user",
                "id": ig_id,
                "ig_user_id": ig_id,
                "page_id": page_id,
                "username": ig_username,
                "name": spec["name"],
                "followers_count": 340 + 20 * index,
                "follows_count": 80,
            }
            for age in (4, 2):
                media_id = f"179{ig_id[-4:]}{9000 + age}"
                objects[media_id] = _media_record(ig_id, page_id, media_id, "Buon appetito! #food", None)
                objects[media_id]["timestamp"] = start - timedelta(days=age)
    return {"objects": objects, "codes": {}, "tokens": {}, "grants": {}, "apps": dict(APPS)}


def _world() -> dict[str, Any]:
    return STORE.networks["facebook"]


def _objects() -> dict[str, dict[str, Any]]:
    return _world()["objects"]


def _of_type(kind: str, **match: Any) -> list[dict[str, Any]]:
    """Objects of one type whose fields equal `match`, oldest first."""
    return [
        o
        for o in _objects().values()
        if o["type"] == kind and all(o.get(k) == v for k, v in match.items()) and not o.get("deleted")
    ]


def _new_id() -> str:
    return str(STORE.next_id())


def _fb_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _post_record(page_id: str, post_id: str, message: str, created: datetime, **extra: Any) -> dict:
    return {
        "type": "post",
        "id": post_id,
        "page_id": page_id,
        "message": message,
        "link": None,
        "photos": [],
        "created_time": created,
        "reactions": 0,
        "shares": 0,
        "views": 0,
        "reach": 0,
        "clicks": 0,
        **extra,
    }


def _media_record(ig_id: str, page_id: str, media_id: str, caption: str, container_id: str | None) -> dict:
    return {
        "type": "ig_media",
        "id": media_id,
        "ig_user_id": ig_id,
        "page_id": page_id,
        "caption": caption,
        "media_type": "IMAGE",
        "timestamp": now(),
        "container_id": container_id,
        "likes": 0,
        "views": 0,
        "reach": 0,
        "saved": 0,
        "shares": 0,
    }


# --- answers in Graph's format ------------------------------------------------------------------
def _error(
    status: int,
    message: str,
    code: int,
    *,
    subcode: int | None = None,
    kind: str = "OAuthException",
    title: str | None = None,
    user_msg: str | None = None,
    transient: bool | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        body["error_subcode"] = subcode
    if transient is not None:
        body["is_transient"] = transient
    if title:
        body["error_user_title"] = title
    if user_msg:
        body["error_user_msg"] = user_msg
    body["fbtrace_id"] = base64.urlsafe_b64encode(hashlib.sha1(message.encode()).digest())[:11].decode()
    response = jsonify({"error": body})
    response.status_code = status
    if code == 190:
        response.headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{message}"'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _fail(status: int, message: str, code: int, **options: Any) -> GraphError:
    return GraphError(_error(status, message, code, **options))


def _unsupported(object_id: str) -> GraphError:
    verb = request.method.lower()
    return _fail(
        400,
        f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation. Please read the Graph API documentation "
        "at https://developers.facebook.com/docs/graph-api",
        100,
        subcode=33,
        kind="GraphMethodException",
    )


def _usage_headers(network: str, business_id: str | None, *, app_full: bool = False, minutes: int = 0):
    """Meta reports throttling in usage headers (percent of the budget), not in 429s."""
    app_usage = {"call_count": 100 if app_full else 2, "total_cputime": 1, "total_time": 1}
    headers = {"X-App-Usage": json.dumps(app_usage), "facebook-api-version": VERSION}
    if business_id:
        entry = {
            "type": "instagram" if network == "instagram" else "pages",
            "call_count": 100 if minutes else 3,
            "total_cputime": 1,
            "total_time": 1,
            "estimated_time_to_regain_access": minutes,
        }
        headers["X-Business-Use-Case-Usage"] = json.dumps({business_id: [entry]})
    return headers


_THROTTLE_MESSAGES = {
    4: (403, "(#4) Application request limit reached"),
    17: (403, "(#17) User request limit reached"),
    32: (403, "(#32) Page request limit reached"),
    613: (403, "(#613) Calls to this api have exceeded the rate limit."),
    80001: (400, "(#80001) There have been too many calls to this Page account. Wait a bit and try again."),
    80002: (
        400,
        "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.",
    ),
}


def _fault_response(fault: dict[str, Any], network: str, business_id: str | None, token: dict | None):
    kind = fault["kind"]
    if kind == "rate_limit":
        default = (80002 if network == "instagram" else 80001) if business_id else 4
        code = int(fault.get("code") or default)
        minutes = 0 if code in (4, 17) else int(fault.get("minutes", 5))
        status, message = _THROTTLE_MESSAGES.get(code, _THROTTLE_MESSAGES[4])
        headers = _usage_headers(network, business_id, app_full=code == 4, minutes=minutes)
        return _error(status, message, code, transient=True, headers=headers)
    if kind == "revoked":
        if token:
            _world()["grants"][token["grant"]]["revoked"] = True
        app = token["app"] if token else network
        message = f"Error validating access token: The user has not authorized application {app}."
        return _error(400, message, 190, subcode=458)
    if kind == "expired":
        if token:
            token["expires_at"] = now() - timedelta(seconds=1)
        return _expired_error(now())
    if kind == "quota":
        if network == "instagram":
            return _error(
                400,
                "Application request limit reached",
                9,
                subcode=2207042,
                title="Can't publish",
                user_msg=QUOTA_MESSAGE,
            )
        return _error(400, "(#341) Feed action request limit reached", 341)
    status = int(fault.get("status", 500))
    message = (
        "Service temporarily unavailable"
        if status == 503
        else "An unexpected error has occurred. Please retry your request later."
    )
    return _error(status, message, 2, transient=True)


def _expired_error(expired_at: datetime) -> Response:
    stamp = expired_at.strftime("%A, %d-%b-%y %H:%M:%S UTC")
    return _error(
        400,
        f"Error validating access token: Session has expired on {stamp}. The current time is "
        f"{now().strftime('%A, %d-%b-%y %H:%M:%S UTC')}.",
        190,
        subcode=463,
    )


# --- request parsing ----------------------------------------------------------------------------
def _params() -> dict[str, Any]:
    """Graph takes parameters in the query string, a form body or a JSON body alike."""
    params: dict[str, Any] = dict(request.args.items())
    params.update(request.form.items())
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        params.update(body)
    return params


def _json_param(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_NAME = re.compile(r"[A-Za-z0-9_]+")
_MODIFIER = re.compile(r"\.([A-Za-z_]+)\(([^)]*)\)")


def parse_fields(text: str, pos: int = 0) -> tuple[list[Field], int]:
    """Graph's field expansion: `a,b.limit(2).summary(true){c,d{e}},insights.metric(x,y)`."""
    fields: list[Field] = []
    while pos < len(text):
        if text[pos] in ", ":
            pos += 1
            continue
        if text[pos] == "}":
            return fields, pos + 1
        name = _NAME.match(text, pos)
        if not name:
            raise _fail(400, f'Syntax error "Expected name." at character {pos}: {text}', 2500)
        pos, modifiers, children = name.end(), {}, []
        while pos < len(text) and text[pos] in ".{":
            if text[pos] == "{":
                children, pos = parse_fields(text, pos + 1)
                continue
            modifier = _MODIFIER.match(text, pos)
            if not modifier:
                raise _fail(400, f'Syntax error "Expected modifier." at character {pos}: {text}', 2500)
            modifiers[modifier.group(1)] = modifier.group(2)
            pos = modifier.end()
        fields.append(Field(name.group(), modifiers, children))
    return fields, pos


def _fields(text: str | None) -> list[Field] | None:
    return parse_fields(text)[0] if text else None


# --- login dialog and tokens ----------------------------------------------------------------------
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


# --- the Graph dispatcher -----------------------------------------------------------------------
@bp.route(f"/graph/{VERSION}/<node>", methods=["GET", "POST", "DELETE"])
@bp.route(f"/graph/{VERSION}/<node>/<edge>", methods=["GET", "POST", "DELETE"])
def graph(node: str, edge: str | None = None):
    if node == "oauth" and edge == "access_token":
        return _token_endpoint()
    if node == "debug_token" and edge is None:
        return _debug_token()
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
    header = request.headers.get("Authorization", "")
    token = (
        bearer_token()
        or (header[6:].strip() if header.startswith("OAuth ") else "")
        or params.get("access_token", "")
    )
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


# --- permissions ----------------------------------------------------------------------------------
_READ_SCOPES = {
    "post": ("pages_read_engagement", 10),
    "comment": ("pages_read_engagement", 10),
    "conversation": ("pages_messaging", 230),
    "message": ("pages_messaging", 230),
    "ig_user": ("instagram_basic", 10),
    "ig_media": ("instagram_basic", 10),
    "ig_comment": ("instagram_basic", 10),
    "container": ("instagram_content_publish", 10),
}


def _require(call: Call, *scopes: str, code: int = 10, message: str | None = None) -> None:
    missing = [s for s in scopes if s not in call.grant["scopes"]]
    if not missing:
        return
    if message is None:
        message = (
            f"(#{code}) Requires {missing[0]} permission to manage the object"
            if code != 10
            else f"(#10) This endpoint requires the '{missing[0]}' permission."
        )
    raise _fail(403 if code in (10, 200, 230) else 400, message, code)


def _require_read(call: Call, kind: str) -> None:
    if kind in _READ_SCOPES:
        scope, code = _READ_SCOPES[kind]
        _require(call, scope, code=code)


def _require_page_publish(call: Call) -> None:
    _require(
        call,
        "pages_manage_posts",
        "pages_read_engagement",
        code=200,
        message="(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts "
        "as an admin with sufficient administrative permission",
    )


def _require_ig(call: Call, scope: str) -> None:
    _require(call, scope, code=10, message="(#10) Application does not have permission for this action")


# --- rendering nodes ------------------------------------------------------------------------------
_DEFAULTS = {
    "user": "id,name",
    "page": "id,name",
    "post": "created_time,message,id",
    "photo": "created_time,id",
    "comment": "created_time,from,message,id",
    "conversation": "id,link,updated_time",
    "message": "id,created_time",
    "ig_user": "id",
    "ig_media": "id",
    "ig_comment": "id,text,timestamp",
    "container": "id",
}
_EDGE_DEFAULTS = {("user", "accounts"): "access_token,category,category_list,name,id,tasks"}
_REFERENCES = {"instagram_business_account"}  # nested nodes that default to just their id


def _render(call: Call, obj: dict[str, Any], fields: list[Field] | None) -> dict[str, Any]:
    fields = fields or parse_fields(_DEFAULTS[obj["type"]])[0]
    plain = _plain(call, obj)
    out: dict[str, Any] = {}
    for name, modifiers, children in fields:
        if (obj["type"], name) in LISTS or (obj["type"], name) in BODIES:
            out[name] = _edge_body(call, obj, name, dict(modifiers), children, False)
        elif name in plain:
            value = plain[name]
            if value is None:
                continue
            if isinstance(value, dict) and (children or name in _REFERENCES):
                keep = {c.name for c in children} or {"id"}
                value = {k: v for k, v in value.items() if k in keep or k == "id"}
            out[name] = value
        else:
            raise _fail(
                400,
                f"(#100) Tried accessing nonexisting field ({name}) on node type ({obj['type'].title()})",
                100,
            )
    out["id"] = obj["id"]
    return out


def _plain(call: Call, obj: dict[str, Any]) -> dict[str, Any]:
    return _PLAIN[obj["type"]](call, obj)


def _plain_user(call: Call, obj: dict) -> dict:
    return {"id": obj["id"], "name": obj["name"]}


def _plain_page(call: Call, obj: dict) -> dict:
    out = {
        "id": obj["id"],
        "name": obj["name"],
        "username": obj["username"],
        "category": obj["category"],
        "category_list": [{"id": "2500", "name": obj["category"]}],
        "link": f"https://www.facebook.com/{obj['username']}",
        "followers_count": obj["followers_count"],
        "fan_count": obj["fan_count"],
        "tasks": PAGE_TASKS,
        "access_token": _page_token(call, obj) if call.token["type"] == "user" else None,
        "instagram_business_account": None,
    }
    if obj["ig_user_id"] and "instagram_basic" in call.grant["scopes"]:
        out["instagram_business_account"] = _plain_ig_user(call, _objects()[obj["ig_user_id"]])
    return out


def _page_token(call: Call, page: dict) -> str:
    """A page token per grant and page; it never expires when asked for with a long-lived user token."""
    tokens = call.grant["page_tokens"]
    if page["id"] not in tokens:
        expires = None if call.token.get("long_lived") else call.token["expires_at"]
        tokens[page["id"]] = _issue_token(call.grant, "page", expires, page_id=page["id"])
    return tokens[page["id"]]


def _page_author(page_id: str) -> dict[str, str]:
    return {"name": _objects()[page_id]["name"], "id": page_id}


def _plain_post(call: Call, obj: dict) -> dict:
    short = obj["id"].split("_", 1)[1]
    return {
        "id": obj["id"],
        "message": obj["message"] or None,
        "created_time": _fb_time(obj["created_time"]),
        "permalink_url": f"https://www.facebook.com/{obj['page_id']}/posts/{short}",
        "from": _page_author(obj["page_id"]),
        "is_published": True,
        "link": obj["link"],
        # Graph leaves `shares` out entirely while a post has none.
        "shares": {"count": obj["shares"]} if obj["shares"] else None,
    }


def _plain_photo(call: Call, obj: dict) -> dict:
    source = f"{request.host_url}meta/scontent/{obj['id']}.{obj['kind']}"
    return {
        "id": obj["id"],
        "created_time": _fb_time(obj["created_time"]),
        "images": [{"height": 1080, "width": 1080, "source": source}],
        "link": f"https://www.facebook.com/photo/?fbid={obj['id']}",
        "name": obj.get("caption") or None,
    }


def _plain_comment(call: Call, obj: dict) -> dict:
    parent = _objects().get(obj["parent_id"], {})
    return {
        "id": obj["id"],
        "message": obj["message"],
        "created_time": _fb_time(obj["created_time"]),
        "from": obj["from"],
        "like_count": obj.get("likes", 0),
        "parent": {"id": parent["id"], "message": parent.get("message")}
        if parent.get("type") == "comment"
        else None,
        "permalink_url": f"https://www.facebook.com/{obj['page_id']}/posts/{obj['post_id']}?comment_id={obj['id']}",
    }


def _plain_conversation(call: Call, obj: dict) -> dict:
    page = _objects()[obj["page_id"]]
    messages = _of_type("message", conversation_id=obj["id"])
    return {
        "id": obj["id"],
        "link": f"/{page['username']}/inbox/{obj['id']}",
        "updated_time": _fb_time(obj["updated_time"]),
        "message_count": len(messages),
        "unread_count": sum(1 for m in messages if m["from"]["id"] != page["id"] and not m.get("read")),
        "participants": {
            "data": [
                {"name": obj["name"], "email": f"{obj['psid']}@facebook.com", "id": obj["psid"]},
                {"name": page["name"], "email": f"{page['id']}@facebook.com", "id": page["id"]},
            ]
        },
    }


def _plain_message(call: Call, obj: dict) -> dict:
    return {
        "id": obj["id"],
        "created_time": _fb_time(obj["created_time"]),
        "from": obj["from"],
        "to": {"data": [obj["to"]]},
        "message": obj["message"],
    }


def _plain_ig_user(call: Call, obj: dict) -> dict:
    return {
        "id": obj["id"],
        "username": obj["username"],
        "name": obj["name"],
        "biography": f"{obj['name']} (sandbox)",
        "followers_count": obj["followers_count"],
        "follows_count": obj["follows_count"],
        "media_count": len(_of_type("ig_media", ig_user_id=obj["id"])),
        "profile_picture_url": f"https://scontent.cdninstagram.com/sandbox/{obj['id']}.jpg",
    }


def _plain_ig_media(call: Call, obj: dict) -> dict:
    owner = _objects()[obj["ig_user_id"]]
    shortcode = base64.urlsafe_b64encode(obj["id"].encode()).decode().rstrip("=")[-11:]
    return {
        "id": obj["id"],
        "caption": obj["caption"] or None,
        "media_type": obj["media_type"],
        "media_product_type": "FEED",
        "media_url": f"https://scontent.cdninstagram.com/sandbox/{obj['id']}.jpg",
        "permalink": f"https://www.instagram.com/p/{shortcode}/",
        "shortcode": shortcode,
        "timestamp": _fb_time(obj["timestamp"]),
        "username": owner["username"],
        "like_count": obj["likes"],
        "comments_count": len(_of_type("ig_comment", media_id=obj["id"])),
    }


def _plain_ig_comment(call: Call, obj: dict) -> dict:
    return {
        "id": obj["id"],
        "text": obj["text"],
        "timestamp": _fb_time(obj["timestamp"]),
        "username": obj["from"]["username"],
        "from": obj["from"],
        "like_count": 0,
        "hidden": False,
        "media": {"id": obj["media_id"]},
        "parent_id": obj["parent_id"],
    }


def _plain_container(call: Call, obj: dict) -> dict:
    status = _container_status(obj)
    obj["polls"] += 1
    texts = {
        "IN_PROGRESS": "In Progress: Media is still being processed.",
        "FINISHED": "Finished: Media has been uploaded and it is complete.",
        "PUBLISHED": "Published: Media has been successfully published.",
        "EXPIRED": "Expired: Media was not published within 24 hours.",
        "ERROR": "Error: Media download has failed. The media URI doesn't meet our requirements. (2207052)",
    }
    return {"id": obj["id"], "status_code": status, "status": texts[status]}


def _container_status(obj: dict) -> str:
    """IN_PROGRESS until first looked at, then FINISHED; ERROR if unreachable; EXPIRED after 24 h."""
    if obj.get("media_id"):
        return "PUBLISHED"
    if now() - obj["created_time"] > CONTAINER_TTL:
        return "EXPIRED"
    if obj["polls"] < 1:
        return "IN_PROGRESS"
    return "ERROR" if obj.get("download_failed") else "FINISHED"


_PLAIN = {
    "user": _plain_user,
    "page": _plain_page,
    "post": _plain_post,
    "photo": _plain_photo,
    "comment": _plain_comment,
    "conversation": _plain_conversation,
    "message": _plain_message,
    "ig_user": _plain_ig_user,
    "ig_media": _plain_ig_media,
    "ig_comment": _plain_ig_comment,
    "container": _plain_container,
}


# --- edges: lists with cursor pagination, and computed bodies -------------------------------------
def _edge_body(call: Call, obj: dict, edge: str, params: dict, fields: list[Field] | None, top: bool) -> dict:
    kind = obj["type"]
    if (kind, edge) in BODIES:
        return BODIES[(kind, edge)](call, obj, params)
    items = LISTS[(kind, edge)](call, obj, params)
    fields = (
        fields
        or parse_fields(_EDGE_DEFAULTS.get((kind, edge), _DEFAULTS[items[0]["type"]] if items else "id"))[0]
    )
    body = _paginate(call, items, params, fields, top)
    if str(params.get("summary", "")).lower() in ("true", "1", "total_count"):
        body["summary"] = {"order": "chronological", "total_count": len(items), "can_comment": True}
    return body


def _cursor(object_id: str) -> str:
    return base64.urlsafe_b64encode(object_id.encode()).decode()


def _paginate(call: Call, items: list[dict], params: dict, fields: list[Field], top: bool) -> dict:
    """Cursor pagination: data, paging.cursors.before/after, and paging.next while more remain."""
    limit = max(0, min(int(params["limit"]) if str(params.get("limit", "")).isdigit() else 25, 100))
    start = 0
    if params.get("after"):
        try:
            anchor = base64.urlsafe_b64decode(str(params["after"]).encode()).decode()
        except ValueError:
            anchor = ""
        ids = [i["id"] for i in items]
        start = ids.index(anchor) + 1 if anchor in ids else len(items)
    page = items[start : start + limit]
    body: dict[str, Any] = {"data": [_render(call, item, fields) for item in page]}
    if page:
        paging: dict[str, Any] = {
            "cursors": {"before": _cursor(page[0]["id"]), "after": _cursor(page[-1]["id"])}
        }
        if top and start + limit < len(items):
            query = {k: v for k, v in request.args.items() if k not in ("after", "before")}
            paging["next"] = f"{request.base_url}?{urlencode({**query, 'after': _cursor(page[-1]['id'])})}"
        if top and start:
            query = {k: v for k, v in request.args.items() if k not in ("after", "before")}
            paging["previous"] = (
                f"{request.base_url}?{urlencode({**query, 'before': _cursor(page[0]['id'])})}"
            )
        body["paging"] = paging
    return body


def _list_accounts(call: Call, user: dict, params: dict) -> list[dict]:
    if call.token["type"] != "user":
        raise _fail(400, "(#100) Tried accessing nonexisting field (accounts) on node type (Page)", 100)
    if "pages_show_list" not in call.grant["scopes"]:
        return []  # what users report: an empty list, not an error
    return [_objects()[p] for p in call.grant["pages"]]


def _list_posts(call: Call, page: dict, params: dict) -> list[dict]:
    _require(call, "pages_read_engagement")
    return list(reversed(_of_type("post", page_id=page["id"])))


def _list_comments(call: Call, obj: dict, params: dict) -> list[dict]:
    _require(call, "pages_read_engagement")
    if obj["type"] == "post" and params.get("filter") == "stream":
        items = _of_type("comment", post_id=obj["id"].split("_", 1)[1])
    else:
        items = _of_type("comment", parent_id=obj["id"])
    return list(reversed(items)) if params.get("order") == "reverse_chronological" else items


def _list_conversations(call: Call, page: dict, params: dict) -> list[dict]:
    _require(call, "pages_messaging", code=230)
    if params.get("platform", "messenger") != "messenger":
        return []
    items = _of_type("conversation", page_id=page["id"])
    if params.get("user_id"):
        items = [c for c in items if c["psid"] == params["user_id"]]
    return sorted(items, key=lambda c: (c["updated_time"], c["id"]), reverse=True)


def _list_messages(call: Call, conversation: dict, params: dict) -> list[dict]:
    _require(call, "pages_messaging", code=230)
    return list(reversed(_of_type("message", conversation_id=conversation["id"])))


def _list_ig_media(call: Call, ig_user: dict, params: dict) -> list[dict]:
    _require_ig(call, "instagram_basic")
    return list(reversed(_of_type("ig_media", ig_user_id=ig_user["id"])))


def _list_ig_comments(call: Call, obj: dict, params: dict) -> list[dict]:
    _require_ig(call, "instagram_manage_comments")
    if obj["type"] == "ig_media":
        return _of_type("ig_comment", media_id=obj["id"], parent_id=None)
    return _of_type("ig_comment", parent_id=obj["id"])


def _body_permissions(call: Call, user: dict, params: dict) -> dict:
    granted = [{"permission": s, "status": "granted"} for s in call.grant["scopes"]]
    declined = [{"permission": s, "status": "declined"} for s in call.grant["declined"]]
    return {"data": granted + declined}


def _body_reactions(call: Call, post: dict, params: dict) -> dict:
    _require(call, "pages_read_engagement")
    body: dict[str, Any] = {"data": []}  # the sandbox counts reactions but does not keep who reacted
    if str(params.get("summary", "")).lower() in ("true", "1", "total_count"):
        body["summary"] = {"total_count": post["reactions"], "viewer_reaction": "NONE"}
    return body


def _metric_names(params: dict) -> list[str]:
    value = params.get("metric", "")
    names = value if isinstance(value, list) else str(value).strip("[]").replace('"', "").split(",")
    return [n.strip() for n in names if n.strip()]


def _insight(obj: dict, name: str, period: str, value: int) -> dict:
    values = [{"value": value}] if period == "lifetime" else [{"value": value, "end_time": _fb_time(now())}]
    return {
        "name": name,
        "period": period,
        "values": values,
        "title": name.replace("_", " ").title(),
        "description": f"Sandbox value of {name}",
        "id": f"{obj['id']}/insights/{name}/{period}",
    }


def _body_insights(call: Call, obj: dict, params: dict) -> dict:
    """Insights; a deprecated metric (page_impressions, IG impressions...) fails as Graph fails it."""
    kind = obj["type"]
    if kind == "ig_media":
        _require_ig(call, "instagram_manage_insights")
        table = {m: m for m in IG_MEDIA_METRICS}
        period = "lifetime"
    else:
        _require(call, "read_insights", code=10, message="(#10) Requires read_insights permission")
        table = PAGE_METRICS if kind == "page" else POST_METRICS
        period = str(params.get("period", "day" if kind == "page" else "lifetime"))
    names = _metric_names(params)
    if not names or any(n not in table for n in names):
        raise _fail(400, INVALID_METRIC, 100)
    return {"data": [_insight(obj, n, period, _metric_value(obj, table[n])) for n in names]}


def _metric_value(obj: dict, key: str) -> int:
    if obj["type"] != "ig_media":
        return int(obj.get(key, 0))
    comments = len(_of_type("ig_comment", media_id=obj["id"]))
    if key == "comments":
        return comments
    if key == "total_interactions":
        return obj["likes"] + comments + obj["saved"] + obj["shares"]
    return int(obj[key])


def _body_publishing_limit(call: Call, ig_user: dict, params: dict) -> dict:
    _require_ig(call, "instagram_content_publish")
    return {
        "data": [
            {
                "quota_usage": _published_last_day(ig_user["id"]),
                "config": {"quota_total": IG_QUOTA, "quota_duration": 86400},
            }
        ]
    }


def _published_last_day(ig_id: str) -> int:
    since = now() - timedelta(hours=24)
    return sum(
        1 for m in _of_type("ig_media", ig_user_id=ig_id) if m["timestamp"] > since and m["container_id"]
    )


LISTS = {
    ("user", "accounts"): _list_accounts,
    ("page", "feed"): _list_posts,
    ("page", "posts"): _list_posts,
    ("page", "published_posts"): _list_posts,
    ("page", "conversations"): _list_conversations,
    ("post", "comments"): _list_comments,
    ("comment", "comments"): _list_comments,
    ("conversation", "messages"): _list_messages,
    ("ig_user", "media"): _list_ig_media,
    ("ig_media", "comments"): _list_ig_comments,
    ("ig_comment", "replies"): _list_ig_comments,
}
BODIES = {
    ("user", "permissions"): _body_permissions,
    ("post", "reactions"): _body_reactions,
    ("page", "insights"): _body_insights,
    ("post", "insights"): _body_insights,
    ("ig_media", "insights"): _body_insights,
    ("ig_user", "content_publishing_limit"): _body_publishing_limit,
}


# --- Facebook writes --------------------------------------------------------------------------------
def _attached_media(params: dict[str, Any]) -> list[str]:
    """attached_media as a JSON list, or PHP-style attached_media[0]={"media_fbid":...} form fields."""
    entries = _json_param(params.get("attached_media")) or []
    if not isinstance(entries, list):
        entries = [entries]
    for key in sorted(k for k in params if re.fullmatch(r"attached_media\[\d+\]", k)):
        entries.append(_json_param(params[key]))
    return [str(e.get("media_fbid", "")) if isinstance(e, dict) else str(e) for e in entries]


def _write_post(call: Call, page: dict, message: str, link: str | None, photo_ids: list[str]):
    """Validate, store and record one page post; the shared end of /feed and published /photos."""
    if not message and not link and not photo_ids:
        raise _fail(400, "(#100) Missing message or attachment", 100)
    if len(message) > FB_TEXT_LIMIT:
        raise _fail(
            400, f"(#100) The message is too long: posts can have at most {FB_TEXT_LIMIT} characters.", 100
        )
    for index, photo_id in enumerate(photo_ids):
        photo = _objects().get(photo_id)
        if not photo or photo["type"] != "photo" or photo["page_id"] != page["id"] or photo.get("post_id"):
            raise _fail(
                400, f"(#100) param attached_media[{index}] must be a valid unpublished photo id", 100
            )
    since = now() - DUPLICATE_WINDOW
    for post in _of_type("post", page_id=page["id"]):
        if message and post["message"] == message and post["link"] == link and post["created_time"] > since:
            raise _fail(
                400,
                "Duplicate status message",
                506,
                subcode=1366051,
                title="Duplicate Post",
                user_msg="This status update is identical to the last one you posted. Try posting something "
                "different, or delete your previous update.",
            )
    post_id = f"{page['id']}_{_new_id()}"
    _objects()[post_id] = _post_record(page["id"], post_id, message, now(), link=link, photos=photo_ids)
    for photo_id in photo_ids:
        _objects()[photo_id]["post_id"] = post_id
    STORE.record_published(
        network="facebook",
        account=page["id"],
        remote_id=post_id,
        kind="post",
        text=message,
        link=link,
        media=photo_ids,
    )
    return post_id


def _post_feed(call: Call, page: dict):
    _require_page_publish(call)
    params = call.params
    post_id = _write_post(
        call, page, str(params.get("message", "")), params.get("link") or None, _attached_media(params)
    )
    if faults.response_lost("facebook", account=page["id"]):
        return LOST
    return jsonify({"id": post_id})


_MAGIC = ((b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF8", "gif"))


def _image_kind(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def _post_photo(call: Call, page: dict):
    """POST /{page}/photos: an upload (multipart `source`), published now or kept for attached_media."""
    _require_page_publish(call)
    upload = request.files.get("source")
    if upload is None:
        raise _fail(400, "(#324) Requires upload file", 324)
    data = upload.read()
    kind = _image_kind(data)
    if kind is None:
        raise _fail(400, "(#324) Missing or invalid image file", 324)
    photo_id = _new_id()
    caption = str(call.params.get("caption") or call.params.get("message") or "")
    _objects()[photo_id] = {
        "type": "photo",
        "id": photo_id,
        "page_id": page["id"],
        "kind": kind,
        "size": len(data),
        "data": data,
        "caption": caption,
        "created_time": now(),
    }
    if str(call.params.get("published", "true")).lower() in ("false", "0"):
        return jsonify({"id": photo_id})
    post_id = _write_post(call, page, caption, None, [photo_id])
    if faults.response_lost("facebook", account=page["id"]):
        return LOST
    return jsonify({"id": photo_id, "post_id": post_id})


def _post_comment(call: Call, target: dict):
    """POST /{post-or-comment}/comments as the page."""
    _require(call, "pages_manage_engagement", code=200)
    message = str(call.params.get("message", ""))
    if not message:
        raise _fail(400, "(#100) Missing message or attachment", 100)
    post_short = target["id"].split("_", 1)[1] if target["type"] == "post" else target["post_id"]
    comment = _add_comment(
        target["page_id"], post_short, target["id"], _page_author(target["page_id"]), message
    )
    STORE.record_published(
        network="facebook",
        account=target["page_id"],
        remote_id=comment["id"],
        kind="reply",
        text=message,
        parent=target["id"],
    )
    if faults.response_lost("facebook", account=target["page_id"]):
        return LOST
    return jsonify({"id": comment["id"]})


def _add_comment(page_id: str, post_short: str, parent_id: str, author: dict, message: str) -> dict:
    comment_id = f"{post_short}_{_new_id()}"
    comment = {
        "type": "comment",
        "id": comment_id,
        "page_id": page_id,
        "post_id": post_short,
        "parent_id": parent_id,
        "from": author,
        "message": message,
        "created_time": now(),
    }
    _objects()[comment_id] = comment
    return comment


def _post_message(call: Call, page: dict):
    """POST /{page}/messages (Send API): only inside the 24-hour window the customer's last message opened."""
    _require(call, "pages_messaging", code=230)
    recipient = _json_param(call.params.get("recipient")) or {}
    message = _json_param(call.params.get("message")) or {}
    psid = str(recipient.get("id", "")) if isinstance(recipient, dict) else ""
    text = str(message.get("text", "")) if isinstance(message, dict) else ""
    conversation = next(iter(_of_type("conversation", page_id=page["id"], psid=psid)), None)
    if conversation is None:
        raise _fail(400, "(#100) No matching user found", 100, subcode=2018001)
    if not text:
        raise _fail(400, "(#100) param message must be non-empty", 100)
    if len(text) > 2000:
        raise _fail(400, "(#100) Length of param message[text] must be less than or equal to 2000", 100)
    window = MESSAGING_WINDOW
    if call.params.get("messaging_type") == "MESSAGE_TAG" and call.params.get("tag") == "HUMAN_AGENT":
        window = HUMAN_AGENT_WINDOW
    last = [m for m in _of_type("message", conversation_id=conversation["id"]) if m["from"]["id"] == psid]
    if not last or now() - last[-1]["created_time"] > window:
        raise _fail(
            400,
            "(#10) This message is sent outside of allowed window. Learn more about the new policy here: "
            "https://developers.facebook.com/docs/messenger-platform/policy-overview",
            10,
            subcode=2018278,
        )
    author = {"name": page["name"], "email": f"{page['id']}@facebook.com", "id": page["id"]}
    recipient_info = {"name": conversation["name"], "email": f"{psid}@facebook.com", "id": psid}
    sent = _add_message(conversation, author, recipient_info, text)
    STORE.record_published(
        network="facebook", account=page["id"], remote_id=sent["id"], kind="dm", text=text, recipient=psid
    )
    if faults.response_lost("facebook", account=page["id"]):
        return LOST
    return jsonify({"recipient_id": psid, "message_id": sent["id"]})


def _add_message(conversation: dict, author: dict, recipient: dict, text: str) -> dict:
    message_id = f"m_{_new_id()}"
    message = {
        "type": "message",
        "id": message_id,
        "page_id": conversation["page_id"],
        "conversation_id": conversation["id"],
        "from": author,
        "to": recipient,
        "message": text,
        "created_time": now(),
    }
    _objects()[message_id] = message
    conversation["updated_time"] = message["created_time"]
    return message


def _delete_post(call: Call, post: dict):
    _require_page_publish(call)
    post["deleted"] = True
    return jsonify({"success": True})


def _delete_permissions(call: Call, user: dict):
    """DELETE /me/permissions: the user removes the app; every token of the grant stops working."""
    call.grant["revoked"] = True
    return jsonify({"success": True})


# --- Instagram writes -------------------------------------------------------------------------------
def _post_container(call: Call, ig_user: dict):
    """POST /{ig}/media: a container (single image, carousel item or carousel) to publish later."""
    _require_ig(call, "instagram_content_publish")
    params = call.params
    caption = str(params.get("caption", ""))
    if len(caption) > IG_CAPTION_LIMIT:
        raise _fail(
            400,
            f"(#100) The caption is too long: at most {IG_CAPTION_LIMIT} characters.",
            100,
            title="Caption too long",
        )
    if len(re.findall(r"(?<!\w)#\w+", caption)) > IG_HASHTAG_LIMIT:
        raise _fail(
            400,
            f"(#100) The caption has more than {IG_HASHTAG_LIMIT} hashtags.",
            100,
            title="Too many hashtags",
        )
    media_type = str(params.get("media_type", "IMAGE")).upper()
    container = {
        "type": "container",
        "id": f"178{_new_id()}",
        "ig_user_id": ig_user["id"],
        "page_id": ig_user["page_id"],
        "caption": caption,
        "media_type": media_type,
        "carousel_item": str(params.get("is_carousel_item", "")).lower() == "true",
        "children": [],
        "alt_text": params.get("alt_text"),
        "created_time": now(),
        "polls": 0,
        "media_id": None,
    }
    if media_type == "CAROUSEL":
        container["children"] = _carousel_children(ig_user, str(params.get("children", "")))
    elif media_type == "IMAGE":
        _attach_image(container, str(params.get("image_url", "")))
    else:
        raise _fail(
            400, f"The media type {media_type} is not supported by the sandbox.", 100, subcode=2207023
        )
    _objects()[container["id"]] = container
    return jsonify({"id": container["id"]})


def _attach_image(container: dict, image_url: str) -> None:
    """Instagram fetches image_url itself; the sandbox can only fetch images it serves (page photos)."""
    if not image_url:
        raise _fail(400, "(#100) The parameter image_url is required.", 100)
    match = re.search(r"/meta/scontent/(\d+)\.\w+$", urlsplit(image_url).path)
    photo = _objects().get(match.group(1)) if match else None
    if photo is None:
        container["download_failed"] = True
        return
    if photo["kind"] != "jpg":
        raise _fail(
            400,
            "The image format is not supported. Supported formats are: JPEG",
            36001,
            subcode=2207005,
            title="Unsupported format",
            user_msg="The image format is not supported. Supported formats are: JPEG",
        )
    if photo["size"] > IG_IMAGE_BYTES:
        raise _fail(400, "The image size is too large.", 36000, subcode=2207004, title="Image size too large")
    container["image_url"] = image_url


def _carousel_children(ig_user: dict, children: str) -> list[str]:
    ids = [c for c in children.replace(" ", "").split(",") if c]
    if not 2 <= len(ids) <= 10:
        raise _fail(400, "(#100) The carousel must have between 2 and 10 children.", 100, subcode=2207028)
    for child_id in ids:
        child = _objects().get(child_id)
        if (
            not child
            or child["type"] != "container"
            or child["ig_user_id"] != ig_user["id"]
            or not child["carousel_item"]
        ):
            raise _fail(400, f"(#100) Invalid carousel child {child_id}.", 100, subcode=2207028)
    return ids


def _media_publish(call: Call, ig_user: dict):
    """POST /{ig}/media_publish: turn a FINISHED container into media, once; again gives the same media."""
    _require_ig(call, "instagram_content_publish")
    container = _objects().get(str(call.params.get("creation_id", "")))
    if not container or container["type"] != "container" or container["ig_user_id"] != ig_user["id"]:
        raise _fail(400, "The media with the given creation_id cannot be found.", 24, subcode=2207006)
    status = _container_status(container)
    if status == "PUBLISHED":
        return jsonify({"id": container["media_id"]})
    if status == "EXPIRED":
        raise _fail(
            400,
            "The media you are trying to access has expired. Please try to upload again.",
            -2,
            subcode=2207020,
        )
    if status == "ERROR":
        raise _fail(
            400,
            "Media download has failed. The media URI doesn't meet our requirements.",
            9004,
            subcode=2207052,
        )
    if status == "IN_PROGRESS":
        raise _fail(
            400,
            "Media ID is not available",
            9007,
            subcode=2207027,
            user_msg="The media is not ready for publishing, please wait for a moment",
        )
    if _published_last_day(ig_user["id"]) >= IG_QUOTA:
        raise _fail(
            400,
            "Application request limit reached",
            9,
            subcode=2207042,
            user_msg=QUOTA_MESSAGE,
        )
    media_id = f"179{_new_id()}"
    media = _media_record(ig_user["id"], ig_user["page_id"], media_id, container["caption"], container["id"])
    media["media_type"] = "CAROUSEL_ALBUM" if container["media_type"] == "CAROUSEL" else "IMAGE"
    _objects()[media_id] = media
    container["media_id"] = media_id
    STORE.record_published(
        network="instagram",
        account=ig_user["id"],
        remote_id=media_id,
        kind="post",
        text=container["caption"],
        container_id=container["id"],
    )
    if faults.response_lost("instagram", account=ig_user["id"]):
        return LOST
    return jsonify({"id": media_id})


def _post_ig_reply(call: Call, comment: dict):
    """POST /{ig-comment}/replies as the business account."""
    _require_ig(call, "instagram_manage_comments")
    text = str(call.params.get("message", ""))
    if not text:
        raise _fail(400, "(#100) The parameter message is required.", 100)
    ig_user = _objects()[comment["ig_user_id"]]
    reply = _add_ig_comment(
        comment["media_id"], {"id": ig_user["id"], "username": ig_user["username"]}, text, comment["id"]
    )
    STORE.record_published(
        network="instagram",
        account=ig_user["id"],
        remote_id=reply["id"],
        kind="reply",
        text=text,
        parent=comment["id"],
    )
    if faults.response_lost("instagram", account=ig_user["id"]):
        return LOST
    return jsonify({"id": reply["id"]})


def _add_ig_comment(media_id: str, author: dict, text: str, parent_id: str | None) -> dict:
    media = _objects()[media_id]
    comment = {
        "type": "ig_comment",
        "id": f"180{_new_id()}",
        "ig_user_id": media["ig_user_id"],
        "page_id": media["page_id"],
        "media_id": media_id,
        "parent_id": parent_id,
        "from": author,
        "text": text,
        "timestamp": now(),
    }
    _objects()[comment["id"]] = comment
    return comment


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
}


@bp.get("/scontent/<name>")
def scontent(name: str):
    """The CDN behind photo `images[].source` URLs: public, no token."""
    photo = _objects().get(name.split(".", 1)[0])
    if photo is None or photo["type"] != "photo":
        return Response("Not found", status=404)
    mime = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}[photo["kind"]]
    return Response(photo["data"], mimetype=mime)


# --- the audience -----------------------------------------------------------------------------------
_FIRST = ("Giulia", "Marco", "Sofia", "Luca", "Chiara", "Matteo", "Sara", "Davide")
_LAST = ("Rossi", "Ferrari", "Russo", "Romano", "Colombo")
FANS = tuple(f"{first} {last}" for first in _FIRST for last in _LAST)
_LINES = (
    "Love this! 😍",
    "When do you open on Sunday?",
    "Terrible service today.",
    "Grazie mille!",
    "Do you take bookings for 8 people?",
    "Is this available in Milan?",
)


def simulate(state: dict[str, Any], rng) -> None:
    """One step of audience for the half this key plays: page fans and Messenger, or Instagram."""
    if "objects" not in state:
        return
    if state.get("plays") == "instagram":
        _simulate_instagram(state["objects"], rng)
    else:
        _simulate_facebook(state["objects"], rng)


def _simulate_facebook(objects: dict[str, dict], rng) -> None:
    pages = [o for o in objects.values() if o["type"] == "page"]
    for page in pages:
        page["followers_count"] = max(0, page["followers_count"] + rng.choice((-1, 0, 1, 1, 2)))
        page["fan_count"] = max(0, page["fan_count"] + rng.choice((-1, 0, 1, 1)))
        page["media_views"] += rng.randint(0, 40)
        page["media_viewers"] += rng.randint(0, 25)
        posts = [
            o
            for o in objects.values()
            if o["type"] == "post" and o["page_id"] == page["id"] and not o.get("deleted")
        ]
        for post in posts:
            post["reactions"] += rng.randint(0, 3)
            post["views"] += rng.randint(0, 30)
            post["reach"] += rng.randint(0, 20)
            post["shares"] += 1 if rng.random() < 0.2 else 0
            page["engagements"] += rng.randint(0, 2)
        if posts and rng.random() < 0.6:
            post = rng.choice(posts[-3:])
            fan = rng.randrange(len(FANS))
            author = {"name": FANS[fan], "id": str(3000000000000 + fan)}
            _add_comment(page["id"], post["id"].split("_", 1)[1], post["id"], author, rng.choice(_LINES))
        if rng.random() < 0.3:
            _add_customer_message(objects, page, rng)


def _add_customer_message(objects: dict[str, dict], page: dict, rng) -> None:
    fan = rng.randrange(len(FANS))
    psid = str(7000000000000 + fan)
    conversation = next(
        (
            o
            for o in objects.values()
            if o["type"] == "conversation" and o["page_id"] == page["id"] and o["psid"] == psid
        ),
        None,
    )
    if conversation is None:
        conversation = {
            "type": "conversation",
            "id": f"t_{STORE.next_id()}",
            "page_id": page["id"],
            "psid": psid,
            "name": FANS[fan],
            "updated_time": now(),
        }
        objects[conversation["id"]] = conversation
    author = {"name": FANS[fan], "email": f"{psid}@facebook.com", "id": psid}
    to = {"name": page["name"], "email": f"{page['id']}@facebook.com", "id": page["id"]}
    _add_message(conversation, author, to, rng.choice(_LINES))


def _simulate_instagram(objects: dict[str, dict], rng) -> None:
    accounts = [o for o in objects.values() if o["type"] == "ig_user"]
    for account in accounts:
        account["followers_count"] = max(0, account["followers_count"] + rng.choice((-1, 0, 1, 2, 3)))
        media = [o for o in objects.values() if o["type"] == "ig_media" and o["ig_user_id"] == account["id"]]
        for item in media:
            item["likes"] += rng.randint(0, 4)
            item["views"] += rng.randint(0, 50)
            item["reach"] += rng.randint(0, 30)
            item["saved"] += 1 if rng.random() < 0.3 else 0
            item["shares"] += 1 if rng.random() < 0.2 else 0
        if media and rng.random() < 0.6:
            fan = rng.randrange(len(FANS))
            username = FANS[fan].lower().replace(" ", ".")
            author = {"id": str(17841450000000000 + fan), "username": username}
            _add_ig_comment(rng.choice(media[-3:])["id"], author, rng.choice(_LINES), None)
