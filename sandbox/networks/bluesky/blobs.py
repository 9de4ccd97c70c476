"""Blobs: uploadBlob (size limit, content type) and the check a record makes of the blobs it embeds."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from sandbox.networks.bluesky.blueprint import bp
from sandbox.networks.bluesky.errors import _error, _invalid
from sandbox.networks.bluesky.identity import _access
from sandbox.networks.bluesky.repo import _cid
from sandbox.networks.bluesky.state import _state

BLOB_LIMIT = 1_000_000


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
