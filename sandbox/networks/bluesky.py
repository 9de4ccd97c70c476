"""Bluesky (AT Protocol): an entryway, one PDS and a PLC directory; app-password sessions, records, blobs.

Paths under /bluesky: /entryway/xrpc/<nsid>, /pds/xrpc/<nsid>, /plc/<did>. Errors use the XRPC shape
{"error": "<Name>", "message": "..."}; rate limits answer 429 with ratelimit-* headers (reset: epoch seconds).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

import regex
from flask import Blueprint, Response, jsonify, request

from sandbox import faults
from sandbox.networks.common import bearer_token
from sandbox.state import STORE, now

NETWORKS = ("bluesky",)
bp = Blueprint("bluesky", __name__, url_prefix="/bluesky")

POST = "app.bsky.feed.post"
ACCESS_TTL = timedelta(hours=2)
REFRESH_TTL = timedelta(days=90)
GRAPHEME_LIMIT = 300
TEXT_BYTE_LIMIT = 3000
BLOB_LIMIT = 1_000_000
MAX_IMAGES = 4
LOGIN_POLICIES = ((30, 300), (300, 86400))  # (limit, window seconds) per handle
WRITE_POLICIES = ((5000, 3600), (35000, 86400))  # write points per DID
POINTS = {"create": 3, "update": 2, "delete": 1}
OWNERS = (
    ("brand.bsky.social", "Brand", "abcd-efgh-ijkl-mnop", 120),
    ("cafe.bsky.social", "Café", "wxyz-wxyz-wxyz-wxyz", 45),
)
FANS = (("giulia.bsky.social", "Giulia"), ("marco.bsky.social", "Marco"), ("sam.bsky.social", "Sam"))
SERVER_ERRORS = {
    500: "InternalServerError",
    501: "MethodNotImplemented",
    502: "UpstreamFailure",
    503: "NotEnoughResources",
    504: "UpstreamTimeout",
}

_GRAPHEME = regex.compile(r"\X")
_TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_RKEY = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")
_B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
_SIGNING_KEY = secrets.token_bytes(32)


def did_for(handle: str) -> str:
    """A stable did:plc for a seeded handle (24 base32 characters, like real PLC identifiers)."""
    digest = base64.b32encode(hashlib.sha256(handle.encode()).digest()).decode().lower()
    return f"did:plc:{digest[:24]}"


def seed(state: dict[str, Any]) -> None:
    """Two accounts with app passwords, three fans who talk to them, no sessions yet."""
    state.update(
        accounts={}, handles={}, access={}, refresh={}, limits={}, records={}, blobs={}, notifications=[]
    )
    for handle, name, app_password, followers in OWNERS:
        _add_account(state, handle, name, app_password=app_password, followers=followers)
    for handle, name in FANS:
        _add_account(state, handle, name, app_password=None, followers=30)


def _add_account(state, handle: str, name: str, *, app_password: str | None, followers: int) -> None:
    did = did_for(handle)
    state["handles"][handle] = did
    state["accounts"][did] = {
        "did": did,
        "handle": handle,
        "display_name": name,
        "app_password": app_password,
        "followers": followers,
        "follows": 12,
        "posts": 0,
    }


def _state() -> dict[str, Any]:
    return STORE.networks["bluesky"]


# --- responses ----------------------------------------------------------------------------------
def _error(status: int, name: str, message: str, headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": name, "message": message})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _invalid(message: str) -> Response:
    return _error(400, "InvalidRequest", message)


def _limit_headers(limit: int, window: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "ratelimit-limit": str(limit),
        "ratelimit-remaining": str(max(0, remaining)),
        "ratelimit-reset": str(int(reset)),
        "ratelimit-policy": f"{limit};w={window}",
    }


def _spend(key: str, policies, cost: int) -> tuple[bool, dict[str, str]]:
    """Take `cost` from every fixed window of `key`; (False, headers) without taking when one is spent."""
    at = now().timestamp()
    buckets = []
    for limit, window in policies:
        bucket = _state()["limits"].setdefault(f"{key}|{window}", {"start": at, "used": 0})
        if at - bucket["start"] >= window:
            bucket.update(start=at, used=0)
        buckets.append((limit, window, bucket))
    for limit, window, bucket in buckets:
        if bucket["used"] + cost > limit:
            return False, _limit_headers(limit, window, 0, bucket["start"] + window)
    for _limit, _window, bucket in buckets:
        bucket["used"] += cost
    limit, window, bucket = min(buckets, key=lambda b: b[0] - b[2]["used"])
    return True, _limit_headers(limit, window, limit - bucket["used"], bucket["start"] + window)


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


# --- sessions -----------------------------------------------------------------------------------
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


# --- records and blobs --------------------------------------------------------------------------
def _cid(prefix: str, data: bytes) -> str:
    return prefix + base64.b32encode(hashlib.sha256(data).digest()).decode().lower().rstrip("=")[:52]


def tid(micros: int, clock: int) -> str:
    """A TID record key: 53 bits of microseconds and 10 bits of clock id, base32-sortable."""
    value = (micros << 10) | (clock & 0x3FF)
    return "".join(_B32_SORTABLE[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _new_tid() -> str:
    return tid(int(now().timestamp() * 1_000_000), STORE.next_id())


def _timestamp() -> str:
    return now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


@bp.post("/pds/xrpc/com.atproto.repo.uploadBlob")
def upload_blob():
    session, error = _access(write=True)
    if error:
        return error
    if not request.content_type:
        return _invalid("Request encoding (Content-Type) required but not provided")
    data = request.get_data()
    if len(data) > BLOB_LIMIT:
        return _error(
            400,
            "BlobTooLarge",
            f"This file is too large. It is {len(data) / 1024:.2f}KB but the maximum size is "
            f"{BLOB_LIMIT / 1024:.2f}KB.",
        )
    cid = _cid("bafkrei", data)
    mime = request.content_type.split(";")[0].strip()
    _state()["blobs"][cid] = {"did": session["did"], "mimeType": mime, "size": len(data)}
    return jsonify({"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(data)}})


def _facet_problem(text: str, facets: Any) -> str | None:
    """Facet byte ranges must be inside the text, on character boundaries, over what they annotate."""
    if not isinstance(facets, list):
        return "Record/facets must be an array"
    data = text.encode("utf-8")
    for n, facet in enumerate(facets):
        index = (facet or {}).get("index") or {}
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(data):
            return f"Record/facets/{n}/index is outside the text"
        try:
            covered = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            return f"Record/facets/{n}/index does not fall on character boundaries"
        for feature in facet.get("features") or []:
            problem = _feature_problem(feature, covered)
            if problem:
                return f"Record/facets/{n}: {problem}"
    return None


def _feature_problem(feature: dict[str, Any], covered: str) -> str | None:
    kind = feature.get("$type", "")
    if kind == "app.bsky.richtext.facet#link":
        shown = covered.removesuffix("...").removesuffix("…")
        uri = str(feature.get("uri", ""))
        if not uri or not shown or shown not in uri:
            return f"the range covers {covered!r}, not the link {uri!r}"
    elif kind == "app.bsky.richtext.facet#mention":
        did = str(feature.get("did", ""))
        account = _state()["accounts"].get(did)
        expected = f"@{account['handle']}" if account else None
        if not did.startswith("did:") or not covered.startswith("@"):
            return f"the range covers {covered!r}, not a mention"
        if expected and covered.lower() != expected:
            return f"the range covers {covered!r}, not {expected!r}"
    elif kind == "app.bsky.richtext.facet#tag" and covered != f"#{feature.get('tag', '')}":
        return f"the range covers {covered!r}, not the tag"
    return None


def _blob_problem(did: str, blob: Any) -> tuple[str, str] | None:
    cid = ((blob or {}).get("ref") or {}).get("$link") if isinstance(blob, dict) else None
    stored = _state()["blobs"].get(cid or "")
    if stored is None or stored["did"] != did:
        return "InvalidRequest", f"Could not find blob: {cid}"
    if stored["size"] > BLOB_LIMIT:
        return "BlobTooLarge", "This file is too large."
    if not stored["mimeType"].startswith("image/"):
        return "InvalidRequest", f"Wrong type of file. It is {stored['mimeType']} but it must match image/*."
    return None


def _embed_problem(did: str, embed: Any) -> tuple[str, str] | None:
    kind = (embed or {}).get("$type") if isinstance(embed, dict) else None
    if kind == "app.bsky.embed.images":
        images = embed.get("images")
        if not isinstance(images, list) or not 1 <= len(images) <= MAX_IMAGES:
            return "InvalidRequest", f"Record/embed/images must have 1 to {MAX_IMAGES} elements"
        for image in images:
            if not isinstance(image.get("alt"), str):
                return "InvalidRequest", 'Record/embed/images must have the property "alt"'
            problem = _blob_problem(did, image.get("image"))
            if problem:
                return problem
        return None
    if kind == "app.bsky.embed.external":
        external = embed.get("external") or {}
        if not all(isinstance(external.get(k), str) for k in ("uri", "title", "description")):
            return "InvalidRequest", "Record/embed/external must have uri, title and description"
        return _blob_problem(did, external["thumb"]) if external.get("thumb") else None
    if kind == "app.bsky.embed.record":
        return None
    return "InvalidRequest", f"Record/embed has an unsupported type: {kind}"


def _post_problem(did: str, record: dict[str, Any]) -> tuple[str, str] | None:
    """What the PDS's lexicon validation says about an app.bsky.feed.post record, if anything."""
    text = record.get("text")
    if record.get("$type") != POST:
        return "InvalidRequest", f"Record/$type must be {POST}"
    if not isinstance(text, str):
        return "InvalidRequest", 'Record must have the property "text"'
    if len(_GRAPHEME.findall(text)) > GRAPHEME_LIMIT:
        return "InvalidRequest", f"Record/text must not be longer than {GRAPHEME_LIMIT} graphemes"
    if len(text.encode("utf-8")) > TEXT_BYTE_LIMIT:
        return "InvalidRequest", f"Record/text must not be longer than {TEXT_BYTE_LIMIT} characters"
    try:
        datetime.fromisoformat(str(record.get("createdAt", "")).replace("Z", "+00:00"))
    except ValueError:
        return "InvalidRequest", "Record/createdAt must be an valid atproto datetime"
    langs = record.get("langs", [])
    if not isinstance(langs, list) or len(langs) > 3:
        return "InvalidRequest", "Record/langs must not have more than 3 elements"
    problem = _facet_problem(text, record["facets"]) if "facets" in record else None
    if problem:
        return "InvalidRequest", problem
    reply = record.get("reply")
    if reply is not None and not all(
        isinstance((reply.get(part) or {}).get(k), str) for part in ("root", "parent") for k in ("uri", "cid")
    ):
        return "InvalidRequest", "Record/reply must have root and parent, each with uri and cid"
    return _embed_problem(did, record["embed"]) if "embed" in record else None


def _store_record(state, did: str, collection: str, rkey: str, value: dict[str, Any]) -> dict[str, Any]:
    """Commit a record to the repo and update the counts it affects."""
    uri = f"at://{did}/{collection}/{rkey}"
    stored = {
        "uri": uri,
        "cid": _cid("bafyrei", json.dumps(value, sort_keys=True).encode() + uri.encode()),
        "did": did,
        "collection": collection,
        "rkey": rkey,
        "value": value,
        "indexed_at": _timestamp(),
        "likes": 0,
        "reposts": 0,
        "replies": 0,
        "quotes": 0,
        "deleted": False,
    }
    state["records"][uri] = stored
    if collection == POST:
        state["accounts"][did]["posts"] += 1
        parent = state["records"].get(((value.get("reply") or {}).get("parent") or {}).get("uri", ""))
        if parent:
            parent["replies"] += 1
        quoted = state["records"].get((((value.get("embed") or {}).get("record")) or {}).get("uri", ""))
        if quoted:
            quoted["quotes"] += 1
    return stored


def _commit() -> dict[str, str]:
    return {"cid": _cid("bafyrei", str(STORE.next_id()).encode()), "rev": _new_tid()}


@bp.post("/pds/xrpc/com.atproto.repo.createRecord")
def create_record():
    session, error = _access(write=True)
    if error:
        return error
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("record"), dict):
        return _invalid('Input must have the property "record"')
    did = session["did"]
    if _did_of(body.get("repo")) != did:
        return _error(401, "AuthenticationRequired", "Authentication Required")
    collection, record = str(body.get("collection", "")), body["record"]
    rkey = body.get("rkey") or _new_tid()
    if not _RKEY.match(rkey) or rkey in (".", ".."):
        return _invalid(f"Invalid record key: {rkey}")
    if collection == POST:
        if not _TID.match(rkey):
            return _invalid(f"Invalid record key for {POST}: must be a TID")
        problem = _post_problem(did, record)
        if problem:
            return _error(400, problem[0], f"Invalid {POST} record: {problem[1]}")
    uri = f"at://{did}/{collection}/{rkey}"
    existing = _state()["records"].get(uri)
    if existing and not existing["deleted"]:
        return _invalid(f"Record already exists: {uri}")
    allowed, headers = _spend(f"write:{did}", WRITE_POLICIES, POINTS["create"])
    if not allowed:
        return _error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)
    stored = _store_record(_state(), did, collection, rkey, record)
    if collection == POST:
        STORE.record_published(
            network="bluesky",
            account=did,
            remote_id=uri,
            kind="reply" if record.get("reply") else "post",
            text=record.get("text", ""),
            rkey=rkey,
        )
    if faults.response_lost("bluesky", account=did):
        return faults.lost_response()
    response = jsonify({"uri": uri, "cid": stored["cid"], "commit": _commit(), "validationStatus": "valid"})
    response.headers.update(headers)
    return response


@bp.get("/pds/xrpc/com.atproto.repo.getRecord")
def get_record():
    did = _did_of(request.args.get("repo"))
    if did is None:
        return _invalid(f"Could not find repo: {request.args.get('repo')}")
    fault = faults.before_call("bluesky", account=did, write=False)
    if fault:
        return _fault_response(fault, did)
    uri = f"at://{did}/{request.args.get('collection', '')}/{request.args.get('rkey', '')}"
    stored = _state()["records"].get(uri)
    if stored is None or stored["deleted"]:
        return _error(400, "RecordNotFound", f"Could not locate record: {uri}")
    return jsonify({"uri": uri, "cid": stored["cid"], "value": stored["value"]})


@bp.post("/pds/xrpc/com.atproto.repo.deleteRecord")
def delete_record():
    session, error = _access(write=True)
    if error:
        return error
    body = request.get_json(silent=True) or {}
    did = session["did"]
    if _did_of(body.get("repo")) != did:
        return _error(401, "AuthenticationRequired", "Authentication Required")
    allowed, headers = _spend(f"write:{did}", WRITE_POLICIES, POINTS["delete"])
    if not allowed:
        return _error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)
    # Deleting is idempotent in atproto: a missing record is already in the wanted state.
    stored = _state()["records"].get(f"at://{did}/{body.get('collection', '')}/{body.get('rkey', '')}")
    if stored and not stored["deleted"]:
        stored["deleted"] = True
        if stored["collection"] == POST:
            _state()["accounts"][did]["posts"] -= 1
    response = jsonify({"commit": _commit()})
    response.headers.update(headers)
    return response


# --- app.bsky views (the PDS proxies these to the AppView) -----------------------------------------
def _author(did: str) -> dict[str, Any]:
    account = _state()["accounts"][did]
    return {"did": did, "handle": account["handle"], "displayName": account["display_name"], "labels": []}


def _post_view(stored: dict[str, Any]) -> dict[str, Any]:
    return {
        "uri": stored["uri"],
        "cid": stored["cid"],
        "author": _author(stored["did"]),
        "record": stored["value"],
        "replyCount": stored["replies"],
        "repostCount": stored["reposts"],
        "likeCount": stored["likes"],
        "quoteCount": stored["quotes"],
        "indexedAt": stored["indexed_at"],
        "labels": [],
    }


@bp.get("/pds/xrpc/app.bsky.feed.getPosts")
def get_posts():
    _session, error = _access(write=False)
    if error:
        return error
    uris = request.args.getlist("uris")
    if len(uris) > 25:
        return _invalid("Error: uris must not have more than 25 elements")
    records = _state()["records"]
    # Deleted or unknown posts are simply left out, as the AppView does.
    posts = [_post_view(records[u]) for u in uris if u in records and not records[u]["deleted"]]
    return jsonify({"posts": posts})


@bp.get("/pds/xrpc/app.bsky.actor.getProfile")
def get_profile():
    _session, error = _access(write=False)
    if error:
        return error
    did = _did_of(request.args.get("actor"))
    if did is None:
        return _invalid("Profile not found")
    account = _state()["accounts"][did]
    return jsonify(
        {
            **_author(did),
            "description": f"{account['display_name']} on Bluesky (sandbox)",
            "followersCount": account["followers"],
            "followsCount": account["follows"],
            "postsCount": account["posts"],
        }
    )


@bp.get("/pds/xrpc/app.bsky.notification.listNotifications")
def list_notifications():
    session, error = _access(write=False)
    if error:
        return error
    try:
        limit = int(request.args.get("limit", 50))
        before = int(request.args["cursor"]) if request.args.get("cursor") else None
    except ValueError:
        return _invalid("Malformed cursor or limit")
    if not 1 <= limit <= 100:
        return _invalid("Error: limit must be between 1 and 100")
    reasons = request.args.getlist("reasons")
    items = sorted(
        (
            n
            for n in _state()["notifications"]
            if n["recipient"] == session["did"]
            and (not reasons or n["json"]["reason"] in reasons)
            and (before is None or n["seq"] < before)
        ),
        key=lambda n: n["seq"],
        reverse=True,
    )[:limit]
    body: dict[str, Any] = {"notifications": [n["json"] for n in items], "priority": False}
    if items:
        body["cursor"] = str(items[-1]["seq"])
    return jsonify(body)


@bp.route("/pds/xrpc/<nsid>", methods=["GET", "POST"])
@bp.route("/entryway/xrpc/<nsid>", methods=["GET", "POST"])
def not_implemented(nsid: str):
    return _error(501, "MethodNotImplemented", f"Method Not Implemented: {nsid}")


# --- audience -----------------------------------------------------------------------------------
_LINES = (
    "Che bello! 😍",
    "A che ora aprite domenica?",
    "Servizio pessimo oggi.",
    "Grazie mille! 🇮🇹",
    "È disponibile anche a Milano?",
)


def simulate(state: dict[str, Any], rng) -> None:
    """One step of audience: followers move, posts get likes and reposts, fans reply, mention and quote."""
    posts = [r for r in state.get("records", {}).values() if r["collection"] == POST and not r["deleted"]]
    for handle, *_rest in OWNERS:
        did = state["handles"][handle]
        account = state["accounts"][did]
        delta = rng.choice((-1, 0, 1, 1, 2))
        account["followers"] = max(0, account["followers"] + delta)
        fan = state["handles"][rng.choice(FANS)[0]]
        if delta > 0 and rng.random() < 0.3:
            _notify(state, did, _fan_record(state, fan, "app.bsky.graph.follow", {"subject": did}), "follow")
        own = [p for p in posts if p["did"] == did]
        for post in own:
            post["likes"] += rng.randint(0, 3)
            post["reposts"] += rng.randint(0, 1)
        if own and rng.random() < 0.3:
            _fan_reaction(state, fan, rng.choice(own), rng.choice(("like", "repost")))
        roll = rng.random()
        if own and roll < 0.35:
            _fan_reply(state, fan, rng.choice(own), rng)
        elif roll < 0.55:
            _fan_mention(state, fan, account, rng)
        elif own and roll < 0.65:
            _fan_quote(state, fan, rng.choice(own), rng)


def _fan_record(state, fan: str, collection: str, value: dict[str, Any]) -> dict[str, Any]:
    value = {"$type": collection, "createdAt": _timestamp(), **value}
    return _store_record(state, fan, collection, _new_tid(), value)


def _notify(state, recipient: str, stored: dict[str, Any], reason: str, subject: str | None = None) -> None:
    payload = {
        "uri": stored["uri"],
        "cid": stored["cid"],
        "author": {
            "did": stored["did"],
            "handle": state["accounts"][stored["did"]]["handle"],
            "displayName": state["accounts"][stored["did"]]["display_name"],
        },
        "reason": reason,
        "record": stored["value"],
        "isRead": False,
        "indexedAt": stored["indexed_at"],
        "labels": [],
    }
    if subject:
        payload["reasonSubject"] = subject
    state["notifications"].append({"recipient": recipient, "seq": STORE.next_id(), "json": payload})


def _fan_reply(state, fan: str, parent: dict[str, Any], rng) -> None:
    root = (parent["value"].get("reply") or {}).get("root") or {"uri": parent["uri"], "cid": parent["cid"]}
    value = {
        "text": rng.choice(_LINES),
        "reply": {"root": root, "parent": {"uri": parent["uri"], "cid": parent["cid"]}},
    }
    stored = _fan_record(state, fan, POST, value)
    _notify(state, parent["did"], stored, "reply", subject=parent["uri"])


def _fan_mention(state, fan: str, account: dict[str, Any], rng) -> None:
    mention = f"@{account['handle']}"
    facet = {
        "index": {"byteStart": 0, "byteEnd": len(mention.encode())},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": account["did"]}],
    }
    value = {"text": f"{mention} {rng.choice(_LINES)}", "facets": [facet]}
    _notify(state, account["did"], _fan_record(state, fan, POST, value), "mention")


def _fan_quote(state, fan: str, quoted: dict[str, Any], rng) -> None:
    value = {
        "text": rng.choice(_LINES),
        "embed": {"$type": "app.bsky.embed.record", "record": {"uri": quoted["uri"], "cid": quoted["cid"]}},
    }
    stored = _fan_record(state, fan, POST, value)
    _notify(state, quoted["did"], stored, "quote", subject=quoted["uri"])


def _fan_reaction(state, fan: str, subject: dict[str, Any], reason: str) -> None:
    collection = "app.bsky.feed.like" if reason == "like" else "app.bsky.feed.repost"
    value = {"subject": {"uri": subject["uri"], "cid": subject["cid"]}}
    _notify(state, subject["did"], _fan_record(state, fan, collection, value), reason, subject=subject["uri"])
