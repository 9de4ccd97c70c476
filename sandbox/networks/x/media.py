"""Media upload v2: initialize, append, finalize, processing status and alt text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import jsonify, request

from sandbox.networks.x.blueprint import bp
from sandbox.networks.x.endpoints import endpoint
from sandbox.networks.x.errors import _invalid
from sandbox.networks.x.state import _state
from sandbox.state import STORE, now

MAX_IMAGE_BYTES = 5 * 1024 * 1024
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF")


def _media_for(token: dict[str, Any], media_id: str) -> dict[str, Any] | None:
    media = _state()["media"].get(media_id)
    return media if media and media["user_id"] == token["user_id"] else None


@bp.post("/api/2/media/upload/initialize")
@endpoint("media")
def media_initialize(token: dict[str, Any]):
    body = request.get_json(silent=True) or request.form
    media_type = body.get("media_type", "")
    total = int(body.get("total_bytes") or 0)
    if not media_type.startswith("image/"):
        return _invalid(
            "The sandbox plays images only: media_type must be image/*.", "media_type", media_type
        )
    if not 0 < total <= MAX_IMAGE_BYTES:
        return _invalid(
            f"total_bytes must be between 1 and {MAX_IMAGE_BYTES} for images.", "total_bytes", total
        )
    media_id = str(STORE.next_id())
    _state()["media"][media_id] = {
        "id": media_id,
        "media_key": f"3_{media_id}",
        "user_id": token["user_id"],
        "media_type": media_type,
        "total_bytes": total,
        "segments": {},
        "state": "initialized",
        "alt_text": "",
    }
    return jsonify({"data": {"id": media_id, "media_key": f"3_{media_id}", "expires_after_secs": 86400}})


@bp.post("/api/2/media/upload/<media_id>/append")
@endpoint("media")
def media_append(token: dict[str, Any], media_id: str):
    media = _media_for(token, media_id)
    if media is None or media["state"] != "initialized":
        return _invalid("Invalid media_id or the upload was already finalized.", "media_id", media_id)
    chunk = request.files.get("media")
    index = request.form.get("segment_index", "")
    if chunk is None or not index.isdigit():
        return _invalid("media and segment_index are required.", "segment_index", index)
    media["segments"][int(index)] = chunk.read()
    expires = int((now() + timedelta(days=1)).timestamp())
    return jsonify({"data": {"expires_at": expires}})


@bp.post("/api/2/media/upload/<media_id>/finalize")
@endpoint("media")
def media_finalize(token: dict[str, Any], media_id: str):
    media = _media_for(token, media_id)
    if media is None or media["state"] != "initialized":
        return _invalid("Invalid media_id or the upload was already finalized.", "media_id", media_id)
    data = b"".join(media["segments"][i] for i in sorted(media["segments"]))
    if len(data) != media["total_bytes"]:
        message = f"File size mismatch: expected {media['total_bytes']} bytes, received {len(data)}."
        return _invalid(message, "media_id", media_id)
    media |= {"state": "pending", "polls": 0, "valid": data.startswith(_IMAGE_MAGIC), "size": len(data)}
    return jsonify({"data": _media_json(media)})


def _media_json(media: dict[str, Any]) -> dict[str, Any]:
    body = {
        "id": media["id"],
        "media_key": media["media_key"],
        "size": media["size"],
        "expires_after_secs": 86400,
    }
    info: dict[str, Any] = {"state": media["state"]}
    if media["state"] in ("pending", "in_progress"):
        info["check_after_secs"] = 1
        info["progress_percent"] = 0 if media["state"] == "pending" else 50
    elif media["state"] == "succeeded":
        info["progress_percent"] = 100
    else:
        info["error"] = {"code": 1, "name": "InvalidMedia", "message": "Unsupported file format"}
    body["processing_info"] = info
    return body


@bp.get("/api/2/media/upload")
@endpoint("media")
def media_status(token: dict[str, Any]):
    if request.args.get("command", "STATUS") != "STATUS":
        return _invalid("Only command=STATUS is answered with GET.", "command", request.args.get("command"))
    media_id = request.args.get("media_id", "")
    media = _media_for(token, media_id)
    if media is None or media["state"] == "initialized":
        return _invalid("Invalid media_id.", "media_id", media_id)
    # Processing advances one step per status check: pending -> in_progress -> succeeded (or failed).
    media["polls"] += 1
    if media["state"] == "pending":
        media["state"] = "in_progress"
    elif media["state"] == "in_progress":
        media["state"] = "succeeded" if media["valid"] else "failed"
    return jsonify({"data": _media_json(media)})


@bp.post("/api/2/media/metadata")
@endpoint("media")
def media_metadata(token: dict[str, Any]):
    body = request.get_json(silent=True) or {}
    media = _media_for(token, str(body.get("id", "")))
    if media is None:
        return _invalid("Invalid media id.", "id", body.get("id"))
    alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text", "")
    if len(alt) > 1000:
        return _invalid("alt_text.text must be at most 1000 characters.", "metadata.alt_text.text", len(alt))
    media["alt_text"] = alt
    return jsonify({"data": {"id": media["id"], "associated_metadata": {"alt_text": {"text": alt}}}})
