"""Rate limits: fixed windows per handle (logins) and per DID (write points), told in ratelimit-* headers."""

from __future__ import annotations

from sandbox.networks.bluesky.state import _state
from sandbox.state import now

LOGIN_POLICIES = ((30, 300), (300, 86400))  # (limit, window seconds) per handle
WRITE_POLICIES = ((5000, 3600), (35000, 86400))  # write points per DID
POINTS = {"create": 3, "update": 2, "delete": 1}


def _limit_headers(limit: int, window: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "ratelimit-limit": str(limit),
        "ratelimit-remaining": str(max(0, remaining)),
        "ratelimit-reset": str(int(reset)),
        "ratelimit-policy": f"{limit};w={window}",
    }


def _spend(key: str, policies, cost: int) -> tuple[bool, dict[str, str]]:
    """Take `cost` from every fixed window of `key`; (False, headers) without taking when one is spent."""
    at = now().timestamp()
    buckets = []
    for limit, window in policies:
        bucket = _state()["limits"].setdefault(f"{key}|{window}", {"start": at, "used": 0})
        if at - bucket["start"] >= window:
            bucket.update(start=at, used=0)
        buckets.append((limit, window, bucket))
    for limit, window, bucket in buckets:
        if bucket["used"] + cost > limit:
            return False, _limit_headers(limit, window, 0, bucket["start"] + window)
    for _limit, _window, bucket in buckets:
        bucket["used"] += cost
    limit, window, bucket = min(buckets, key=lambda b: b[0] - b[2]["used"])
    return True, _limit_headers(limit, window, limit - bucket["used"], bucket["start"] + window)
