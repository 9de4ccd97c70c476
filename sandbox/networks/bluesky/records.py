"""Records: createRecord, getRecord, deleteRecord, and the lexicon checks of a post (text, facets, embeds)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import regex
from flask import jsonify, request

from sandbox import faults
from sandbox.networks.bluesky.blobs import _blob_problem
from sandbox.networks.bluesky.blueprint import bp
from sandbox.networks.bluesky.errors import _error, _invalid
from sandbox.networks.bluesky.identity import _access, _did_of, _fault_response
from sandbox.networks.bluesky.likes import LIKE, _count_like, _like_problem
from sandbox.networks.bluesky.limits import POINTS, WRITE_POLICIES, _spend
from sandbox.networks.bluesky.repo import _commit, _new_tid, _store_record
from sandbox.networks.bluesky.state import POST, _state
from sandbox.state import STORE

GRAPHEME_LIMIT = 300
TEXT_BYTE_LIMIT = 3000
MAX_IMAGES = 4
_GRAPHEME = regex.compile(r"\X")
_TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_RKEY = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")


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
    elif collection == LIKE:
        if not _TID.match(rkey):
            return _invalid(f"Invalid record key for {LIKE}: must be a TID")
        problem = _like_problem(record)
        if problem:
            return _invalid(f"Invalid {LIKE} record: {problem}")
    uri = f"at://{did}/{collection}/{rkey}"
    existing = _state()["records"].get(uri)
    if existing and not existing["deleted"]:
        return _invalid(f"Record already exists: {uri}")
    allowed, headers = _spend(f"write:{did}", WRITE_POLICIES, POINTS["create"])
    if not allowed:
        return _error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)
    stored = _store_record(_state(), did, collection, rkey, record)
    if collection == LIKE:
        _count_like(_state(), stored, +1)
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
    uri = f"at://{did}/{body.get('collection', '')}/{body.get('rkey', '')}"
    stored = _state()["records"].get(uri)
    if stored and not stored["deleted"]:
        stored["deleted"] = True
        if stored["collection"] == POST:
            _state()["accounts"][did]["posts"] -= 1
            STORE.record_deleted(network="bluesky", remote_id=uri)
        elif stored["collection"] == LIKE:
            _count_like(_state(), stored, -1)
    response = jsonify({"commit": _commit()})
    response.headers.update(headers)
    return response
