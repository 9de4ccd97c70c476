"""Mastodon favourites: POST /api/v1/statuses/:id/favourite on any status the account can see."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from sandbox import faults
from sandbox.networks.mastodon.api import _authenticated, _error, _state, _status_json, bp
from sandbox.state import STORE


def _favourited() -> set[tuple[str, str]]:
    """(account id, status id) pairs: Mastodon keeps one favourite per account and status."""
    return _state().setdefault("favourited", set())


def _sent_to(host: str, account_id: str, status_id: str) -> dict[str, Any] | None:
    """A fan's status as this account received it: in a mention or a direct conversation."""
    # Both lists are kept per "<account id>@<host>" (indexed at insertion).
    key = f"{account_id}@{host}"
    received = [
        n["json"]["status"] for n in _state()["notifications"].get(key, []) if n["json"].get("status")
    ]
    received += [c["json"]["last_status"] for c in _state()["conversations"].get(key, [])]
    return next((s for s in received if s["id"] == status_id), None)


@bp.post("/api/v1/statuses/<status_id>/favourite")
def favourite(host: str, status_id: str):
    record, error = _authenticated(host)
    if error:
        return error
    if not {"write", "write:favourites"} & set(record["scopes"]):
        return _error(403, "This action is outside the authorized scopes")
    local = _state()["statuses"].get(status_id)
    received = None if local else _sent_to(host, record["account_id"], status_id)
    if (local is None or local.get("deleted")) and received is None:
        return _error(404, "Record not found")
    key = (record["account_id"], status_id)
    if key not in _favourited():
        _favourited().add(key)
        if local:
            local["favourites"] += 1
        else:
            received["favourites_count"] = received.get("favourites_count", 0) + 1
            received["favourited"] = True
        STORE.record_published(
            network="mastodon", account=record["account_id"], remote_id=status_id, kind="like", text=""
        )
    if faults.response_lost("mastodon", account=record["account_id"]):
        return faults.lost_response()
    return jsonify({**(_status_json(host, local) if local else received), "favourited": True})
