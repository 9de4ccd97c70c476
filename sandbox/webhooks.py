"""Webhook deliveries: recorded in the store, POSTed by one background thread, with injected faults.

A network module builds the raw body and says how to sign it; `send` records the delivery and queues it.
The courier thread POSTs deliveries in order, one at a time, never holding STORE.lock during the call,
and writes the answer (status or error) back on the record. Faults are decided when a delivery is queued,
from the fault list (network and account as for API faults):
  bad_signature  signed with a wrong secret
  duplicate      delivered twice (the second record says `duplicate_of`)
  out_of_order   held back and sent after the next delivery (or after `hold_seconds`, default 10)
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from sandbox.faults import take_fault
from sandbox.state import STORE, now

TIMEOUT_SECONDS = 3.0
HOLD_SECONDS = 10.0
USER_AGENT = "facebookexternalua"

Signer = Callable[[bytes, str], dict[str, str]]

_queue: queue.Queue = queue.Queue()
_ids = itertools.count(1)  # never reset: a record queued before a reset can never be mistaken for a new one
_sent = itertools.count(1)
_courier: threading.Thread | None = None
_courier_lock = threading.Lock()


def send(
    *, network: str, account: str, url: str, body: bytes, secret: str, sign: Signer, about: dict[str, Any]
) -> dict[str, Any]:
    """Record one delivery of `body` to `url` signed with `secret`, and queue it (call under STORE.lock)."""
    fired = {
        kind: fault
        for kind in ("bad_signature", "out_of_order", "duplicate")
        if (fault := take_fault(network, account=account, write=True, kinds=(kind,)))
    }
    if "bad_signature" in fired:
        secret = f"not-{secret}"
    record = _record(network=network, account=account, url=url, body=body, headers=sign(body, secret))
    record |= {"faults": sorted(fired), **about}
    late = fired.get("out_of_order")
    _queue_record(record, hold=float(late.get("hold_seconds", HOLD_SECONDS)) if late else None)
    if "duplicate" in fired:
        _queue_record({**_copy(record), "duplicate_of": record["id"]}, hold=None)
    return record


def redeliver(delivery_id: int) -> dict[str, Any] | None:
    """Send a recorded delivery again, byte for byte (same body, same signature); None if unknown."""
    with STORE.lock:
        original = next((d for d in STORE.webhooks if d["id"] == delivery_id), None)
        if original is None:
            return None
        record = {**_copy(original), "redelivery_of": delivery_id}
        _queue_record(record, hold=None)
        return record


def listing(*, network: str | None = None, account: str | None = None) -> list[dict[str, Any]]:
    """Every delivery since the last reset, in the order they were queued."""
    with STORE.lock:
        return [
            dict(d)
            for d in STORE.webhooks
            if network in (None, d["network"]) and account in (None, d["account"])
        ]


def _record(*, network: str, account: str, url: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "id": next(_ids),
        "network": network,
        "account": account,
        "url": url,
        "body": body.decode(),
        "headers": headers,
        "signature": headers.get("X-Hub-Signature-256"),
        "state": "queued",
        "status": None,
        "error": None,
        "queued_at": now().isoformat(),
        "at": None,
        "order": None,
    }


def _copy(record: dict[str, Any]) -> dict[str, Any]:
    keep = ("network", "account", "url", "headers", "object", "field", "app_id")
    fresh = _record(
        network=record["network"],
        account=record["account"],
        url=record["url"],
        body=record["body"].encode(),
        headers=record["headers"],
    )
    return fresh | {k: record[k] for k in keep if k in record} | {"faults": []}


def _queue_record(record: dict[str, Any], *, hold: float | None) -> None:
    with STORE.lock:
        STORE.webhooks.append(record)
        epoch = STORE.webhooks
    _ensure_courier()
    _queue.put((record, epoch, hold))


def _ensure_courier() -> None:
    global _courier
    with _courier_lock:
        if _courier is None or not _courier.is_alive():
            _courier = threading.Thread(target=_run, name="sandbox-webhooks", daemon=True)
            _courier.start()


def _run() -> None:
    """Deliver queued records one by one; a held record goes out after the next one or when its hold ends."""
    held: list[tuple[dict[str, Any], list, float]] = []
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as http:
        while True:
            wait = max(0.0, min(deadline for *_, deadline in held) - time.monotonic()) if held else None
            try:
                record, epoch, hold = _queue.get(timeout=wait)
            except queue.Empty:
                due = [h for h in held if h[2] <= time.monotonic()]
                held = [h for h in held if h[2] > time.monotonic()]
                for late, late_epoch, _ in due:
                    _post(http, late, late_epoch)
                continue
            if hold is not None:
                with STORE.lock:
                    record["state"] = "held"
                held.append((record, epoch, time.monotonic() + hold))
                continue
            _post(http, record, epoch)
            for late, late_epoch, _ in held:
                _post(http, late, late_epoch)
            held = []


def _post(http: httpx.Client, record: dict[str, Any], epoch: list) -> None:
    with STORE.lock:
        if epoch is not STORE.webhooks:  # the sandbox was reset since: this delivery no longer exists
            return
        url, body = record["url"], record["body"].encode()
        headers = {**record["headers"], "Content-Type": "application/json", "User-Agent": USER_AGENT}
    status, error = None, None
    try:
        status = http.post(url, content=body, headers=headers).status_code
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    with STORE.lock:
        record |= {
            "state": "failed" if error or status >= 300 else "delivered",
            "status": status,
            "error": error,
            "at": now().isoformat(),
            "order": next(_sent),
        }
