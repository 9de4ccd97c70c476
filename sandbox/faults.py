"""Injected misbehaviour: latency, errors, throttling, revoked or expired tokens, lost responses.

A fault is a dict set through POST /_control/faults:
  {"network": "x", "kind": "rate_limit", "account": "<remote id>" (optional), "times": 1,
   "write_only": false, "probability": 1.0, "latency_ms": 0, "jitter_ms": 0, "status": 500}
kinds: latency, error, rate_limit, revoked, expired, response_lost, quota
(X's rate_limit also takes "reset_seconds": a brief throttle that leaves its 15-minute window unspent.)
Webhook deliveries take duplicate, out_of_order ("hold_seconds") and bad_signature (sandbox.webhooks).
Each network module turns a triggered fault into a response in that network's own format.
"""

from __future__ import annotations

from typing import Any

from sandbox.state import STORE


def add_fault(fault: dict[str, Any]) -> dict[str, Any]:
    """Register a fault; `times` counts how often it fires (-1: until cleared)."""
    fault = {"times": 1, "probability": 1.0, "write_only": False, "account": None, **fault}
    with STORE.lock:
        fault["id"] = STORE.next_id()
        STORE.faults.append(fault)
    return fault


def take_fault(
    network: str, *, account: str | None, write: bool, kinds: tuple[str, ...] | None = None
) -> dict[str, Any] | None:
    """The first matching fault that fires now (consuming one of its `times`), or None."""
    with STORE.lock:
        for fault in STORE.faults:
            if fault["network"] != network or fault["times"] == 0:
                continue
            if kinds is not None and fault["kind"] not in kinds:
                continue
            if fault["account"] not in (None, account):
                continue
            if fault["write_only"] and not write:
                continue
            if STORE.rng.random() >= fault["probability"]:
                continue
            if fault["times"] > 0:
                fault["times"] -= 1
            return fault
    return None


def clear_faults() -> None:
    """Remove every fault."""
    with STORE.lock:
        STORE.faults.clear()


LOST_RESPONSE_SECONDS = 3.0


def before_call(network: str, *, account: str | None, write: bool) -> dict[str, Any] | None:
    """Apply latency faults now; return a fault the network module must answer in its own format.

    Returned kinds: error, rate_limit, revoked, expired, quota. `response_lost` is not returned here:
    call `response_lost()` after committing a write.
    """
    latency = take_fault(network, account=account, write=write, kinds=("latency",))
    if latency:
        import random
        import time

        jitter = latency.get("jitter_ms", 0)
        time.sleep(max(latency.get("latency_ms", 0) + random.uniform(-jitter, jitter), 0) / 1000)  # noqa: S311
    return take_fault(
        network, account=account, write=write, kinds=("error", "rate_limit", "revoked", "expired", "quota")
    )


def response_lost(network: str, *, account: str | None) -> bool:
    """True when this (already committed) write must lose its response."""
    return take_fault(network, account=account, write=True, kinds=("response_lost",)) is not None


def lost_response():
    """What a client sees when the write happened but the answer never came: a long wait, then 504."""
    import time

    from flask import Response

    time.sleep(LOST_RESPONSE_SECONDS)
    return Response("upstream timed out", status=504)
