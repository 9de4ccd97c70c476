"""Images: initialize an upload, PUT the bytes, poll the status until AVAILABLE."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, jsonify, request

from sandbox.networks.linkedin.access import _authenticated, _forbidden, _may_act_as
from sandbox.networks.linkedin.blueprint import bp
from sandbox.networks.linkedin.errors import _error
from sandbox.networks.linkedin.state import _millis, _state
from sandbox.state import STORE, now


@bp.post("/api/rest/images")
def initialize_upload():
    owner = str(((request.get_json(silent=True) or {}).get("initializeUploadRequest") or {}).get("owner", ""))
    record, error = _authenticated(owner or None)
    if error:
        return error
    if request.args.get("action") != "initializeUpload":
        return _error(400, "Unsupported action", code="ILLEGAL_ARGUMENT")
    why = _may_act_as(record, owner, write=True)
    if why:
        return _forbidden(why, "images.ACTION-initializeUpload", field="initializeUploadRequest/owner")
    urn = f"urn:li:image:D4E10AQ{STORE.token('')[:14]}"
    key = STORE.token("")
    _state()["images"][urn] = {"owner": owner, "status": "WAITING_UPLOAD", "polls": 0}
    _state()["uploads"][key] = urn
    upload_url = request.host_url.rstrip("/") + f"/linkedin/www/dms-uploads/{key}"
    return jsonify(
        {
            "value": {
                "uploadUrlExpiresAt": _millis(now() + timedelta(days=1)),
                "uploadUrl": upload_url,
                "image": urn,
            }
        }
    )


@bp.put("/www/dms-uploads/<key>")
def upload_image(key: str):
    urn = _state()["uploads"].get(key)
    image = _state()["images"].get(urn or "")
    _record, error = _authenticated(image["owner"] if image else None)
    if error:
        return error
    if image is None:
        return _error(404, "Upload URL not found or expired", code="NOT_FOUND")
    data = request.get_data()
    known = data[:3] == b"\xff\xd8\xff" or data[:8] == b"\x89PNG\r\n\x1a\n" or data[:4] == b"GIF8"
    image |= {"status": "PROCESSING" if known else "PROCESSING_FAILED", "size": len(data)}
    return Response(status=201)


@bp.get("/api/rest/images/<urn>")
def image_status(urn: str):
    image = _state()["images"].get(urn)
    _record, error = _authenticated(image["owner"] if image else None)
    if error:
        return error
    if image is None:
        return _error(404, f"Not Found: {urn}", code="NOT_FOUND")
    if image["status"] == "PROCESSING":
        # Processing takes a moment: the first look after the upload still sees PROCESSING.
        image["polls"] += 1
        if image["polls"] >= 2:
            image["status"] = "AVAILABLE"
    body = {"id": urn, "owner": image["owner"], "status": image["status"]}
    if image["status"] == "AVAILABLE":
        body["downloadUrl"] = f"https://media.licdn.example/{urn.rsplit(':', 1)[-1]}"
    return jsonify(body)
