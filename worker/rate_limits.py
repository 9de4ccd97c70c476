"""Rate limits shared by all workers: once a network says "not before T" for an account, nobody asks again."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from redis import Redis, RedisError

PREFIX = "cadenza:hold:account:"


def hold_account(connection: Redis, account_id: int, until: datetime) -> None:
    """Remember the network's retry time for this account (expires by itself at that time)."""
    milliseconds = int((until - datetime.now(UTC)).total_seconds() * 1000)
    if milliseconds <= 0:
        return
    # Without Redis each worker learns the limit from the network itself: slower, still correct.
    with contextlib.suppress(RedisError):
        connection.set(f"{PREFIX}{account_id}", until.isoformat(), px=milliseconds)


def held_until(connection: Redis, account_id: int) -> datetime | None:
    """The time before which this account must not be called, if a worker learned one."""
    try:
        value = connection.get(f"{PREFIX}{account_id}")
    except RedisError:
        return None
    if not value:
        return None
    until = datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)
    return until if until > datetime.now(UTC) else None


def held_until_many(connection: Redis, account_ids: list[int]) -> dict[int, datetime]:
    """held_until for several accounts in one round trip (accounts without a hold are left out)."""
    if not account_ids:
        return {}
    try:
        values = connection.mget([f"{PREFIX}{account_id}" for account_id in account_ids])
    except RedisError:
        return {}
    now = datetime.now(UTC)
    holds = {}
    for account_id, value in zip(account_ids, values, strict=True):
        if value:
            until = datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)
            if until > now:
                holds[account_id] = until
    return holds
