"""Every other XRPC method on the PDS or the entryway: 501 MethodNotImplemented."""

from __future__ import annotations

from sandbox.networks.bluesky.blueprint import bp
from sandbox.networks.bluesky.errors import _error


@bp.route("/pds/xrpc/<nsid>", methods=["GET", "POST"])
@bp.route("/entryway/xrpc/<nsid>", methods=["GET", "POST"])
def not_implemented(nsid: str):
    return _error(501, "MethodNotImplemented", f"Method Not Implemented: {nsid}")
