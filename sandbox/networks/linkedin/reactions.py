"""Reactions (the versioned API's likes): get one by (actor, entity), create one on a post or comment."""

from __future__ import annotations

import re
from typing import Any

from flask import jsonify, request

from sandbox import faults
from sandbox.networks.linkedin.access import _authenticated, _forbidden, _may_act_as
from sandbox.networks.linkedin.blueprint import bp
from sandbox.networks.linkedin.errors import _error, _input_error
from sandbox.networks.linkedin.state import _millis, _state
from sandbox.state import STORE

REACTION_TYPES = ("LIKE", "PRAISE", "EMPATHY", "INTEREST", "APPRECIATION", "ENTERTAINMENT")
# Werkzeug has already decoded the Rest.li key; actor URNs hold no commas, so the first one splits.
_KEY = re.compile(r"\(actor:([^,]+),entity:(.+)\)")


def _reaction_json(actor: str, entity: str, reaction: dict[str, Any]) -> dict[str, Any]:
    stamp = {"actor": actor, "time": reaction["created"]}
    return {
        "id": f"urn:li:reaction:({actor},{entity})",
        "reactionType": reaction["type"],
        "root": entity,
        "created": stamp,
        "lastModified": stamp,
    }


def _reactable(entity: str) -> bool:
    post = _state()["posts"].get(entity)
    if post is not None:
        return not post["deleted"]
    return any(c["urn"] == entity for c in _state()["comments"])


@bp.get("/api/rest/reactions/<path:key>")
def get_reaction(key: str):
    match = _KEY.fullmatch(key)
    if match is None:
        return _error(400, f"Invalid reaction key {key}", code="ILLEGAL_ARGUMENT")
    actor, entity = match.groups()
    record, error = _authenticated(actor)
    if error:
        return error
    why = _may_act_as(record, actor, write=False)
    if why:
        return _forbidden(why, "partnerApiReactions.GET")
    reaction = _state()["reactions"].get((actor, entity))
    if reaction is None:
        return _error(404, f"Not Found: {key}", code="NOT_FOUND")
    return jsonify(_reaction_json(actor, entity, reaction))


@bp.post("/api/rest/reactions")
def create_reaction():
    """One reaction per actor and entity: a second one is a conflict, not a second like."""
    actor = request.args.get("actor", "")
    record, error = _authenticated(actor or None)
    if error:
        return error
    why = _may_act_as(record, actor, write=True)
    if why:
        return _forbidden(why, "partnerApiReactions.CREATE", field="actor")
    body = request.get_json(silent=True) or {}
    entity, kind = str(body.get("root", "")), body.get("reactionType")
    if kind not in REACTION_TYPES:
        return _input_error("/reactionType :: must be one of " + ", ".join(REACTION_TYPES), "MISSING_FIELD")
    if not _reactable(entity):
        return _error(404, f"Not Found: {entity}", code="NOT_FOUND")
    if (actor, entity) in _state()["reactions"]:
        return _error(409, f"Reaction by {actor} on {entity} already exists", code="CONFLICT")
    reaction = {"type": kind, "created": _millis()}
    _state()["reactions"][(actor, entity)] = reaction
    if entity in _state()["posts"]:
        _state()["posts"][entity]["likes"] += 1
    STORE.record_published(network="linkedin", account=actor, remote_id=entity, kind="like", text="")
    if faults.response_lost("linkedin", account=actor):
        return faults.lost_response()
    response = jsonify(_reaction_json(actor, entity, reaction))
    response.status_code = 201
    response.headers["x-restli-id"] = response.json["id"]
    return response
