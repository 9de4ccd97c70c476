"""The control API for tests and demos: reset, faults, clock, published read-back, webhook deliveries.

The audience's part of it (tick, say, bulk) is in sandbox.audience.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from flask import Blueprint, jsonify, request

from sandbox import webhooks
from sandbox.faults import add_fault, clear_faults
from sandbox.state import STORE

bp = Blueprint("control", __name__, url_prefix="/_control")


@bp.get("/health")
def health():
    return jsonify({"status": "ok", "networks": sorted(STORE.networks)})


@bp.post("/reset")
def reset():
    body = request.get_json(silent=True) or {}
    STORE.reset(seed=int(body.get("seed", 1)))
    return jsonify({"status": "reset", "seed": STORE.seed})


@bp.post("/faults")
def create_fault():
    body = request.get_json(force=True)
    if not isinstance(body, dict) or "network" not in body or "kind" not in body:
        return jsonify({"error": "need network and kind"}), 400
    return jsonify(add_fault(body)), 201


@bp.get("/faults")
def list_faults():
    return jsonify({"faults": STORE.faults})


@bp.delete("/faults")
def delete_faults():
    clear_faults()
    return "", 204


@bp.get("/published")
def published():
    """What is live at the networks; `?deleted=1` also lists what was written and deleted since."""
    network = request.args.get("network")
    account = request.args.get("account")
    with_deleted = request.args.get("deleted") in ("1", "true")
    items = [
        asdict(p)
        for p in STORE.published
        if (network is None or p.network == network)
        and (account is None or p.account == account)
        and (with_deleted or p.deleted_at is None)
    ]
    return jsonify({"published": items, "count": len(items)})


@bp.get("/webhooks")
def list_webhooks():
    """Webhook deliveries since the last reset (`?network=&account=`), and how many are still to go."""
    items = webhooks.listing(network=request.args.get("network"), account=request.args.get("account"))
    pending = sum(1 for d in items if d["state"] in ("queued", "held"))
    return jsonify({"deliveries": items, "count": len(items), "pending": pending})


@bp.post("/webhooks/redeliver")
def redeliver_webhook():
    """Send a recorded delivery again, byte for byte (replay protection tests)."""
    body = request.get_json(silent=True) or {}
    try:
        record = webhooks.redeliver(int(body.get("id")))
    except (TypeError, ValueError):
        return jsonify({"error": "need the id of a delivery"}), 400
    if record is None:
        return jsonify({"error": f"no delivery {body.get('id')}"}), 404
    return jsonify(record), 202


@bp.post("/clock")
def shift_clock():
    """Move the sandbox clock forward (token expiry, quotas) by `seconds`."""
    body = request.get_json(force=True)
    STORE.clock_offset += timedelta(seconds=float(body.get("seconds", 0)))
    return jsonify({"offset_seconds": STORE.clock_offset.total_seconds()})


@bp.get("/state/<network>")
def network_state(network: str):
    """A debugging view of one network's data (tokens included: this is a sandbox)."""
    data = STORE.networks.get(network)
    if data is None:
        return jsonify({"error": "unknown network"}), 404
    return jsonify(_jsonable(data))


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
