"""Rate limits shared by all workers: once a network says "not before T" for an account, nobody asks again."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from redis import Redis, RedisError

PREFIX = "cadenza:hold:account:"
APP_PREFIX = "cadenza:hold:app:"


def hold_account(connection: Redis, account_id: int, until: datetime) -> None:
    """Remember the network's retry time for this account (expires by itself at that time)."""
    _hold(connection, f"{PREFIX}{account_id}", until)


def held_until(connection: Redis, account_id: int) -> datetime | None:
    """The time before which this account must not be called, if a worker learned one."""
    try:
        value = connection.get(f"{PREFIX}{account_id}")
    except RedisError:
        return None
    return _until(value, datetime.now(UTC))


def hold_app(connection: Redis, network: str, until: datetime) -> None:
    """The network's limit on Cadenza's app itself: every account of that network waits until then."""
    _hold(connection, f"{APP_PREFIX}{network}", until)


def _hold(connection: Redis, key: str, until: datetime) -> None:
    milliseconds = int((until - datetime.now(UTC)).total_seconds() * 1000)
    if milliseconds <= 0:
        return
    # Without Redis each worker learns the limit from the network itself: slower, still correct.
    with contextlib.suppress(RedisError):
        connection.set(key, until.isoformat(), px=milliseconds)


def holds_for(connection: Redis, networks: dict[int, str]) -> dict[int, datetime]:
    """For accounts (id -> network), the time each must wait for, its own or its network app's, in one
    round trip (accounts free to call now are left out)."""
    if not networks:
        return {}
    apps = sorted(set(networks.values()))
    keys = [f"{PREFIX}{account_id}" for account_id in networks] + [f"{APP_PREFIX}{n}" for n in apps]
    try:
        values = connection.mget(keys)
    except RedisError:
        return {}
    now = datetime.now(UTC)
    found = [_until(value, now) for value in values]
    app_holds = dict(zip(apps, found[len(networks) :], strict=True))
    holds = {}
    for (account_id, network), own in zip(networks.items(), found, strict=False):
        until = max(filter(None, (own, app_holds[network])), default=None)
        if until is not None:
            holds[account_id] = until
    return holds


def _until(value: bytes | str | None, now: datetime) -> datetime | None:
    if not value:
        return None
    until = datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)
    return until if until > now else None
