"""What a grant allows: scope checks for each call, and the /me/permissions edge."""

from __future__ import annotations

from flask import jsonify

from sandbox.networks.meta.errors import _fail
from sandbox.networks.meta.parsing import Call

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


def _body_permissions(call: Call, user: dict, params: dict) -> dict:
    granted = [{"permission": s, "status": "granted"} for s in call.grant["scopes"]]
    declined = [{"permission": s, "status": "declined"} for s in call.grant["declined"]]
    return {"data": granted + declined}


def _delete_permissions(call: Call, user: dict):
    """DELETE /me/permissions: the user removes the app; every token of the grant stops working."""
    call.grant["revoked"] = True
    return jsonify({"success": True})
