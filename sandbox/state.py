"""In-memory state of the sandbox networks: thread-safe, resettable, deterministic from a seed."""

from __future__ import annotations

import itertools
import random
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def now() -> datetime:
    """The sandbox clock (UTC); tests may shift it with /_control/clock."""
    return datetime.now(UTC) + STORE.clock_offset


@dataclass
class Published:
    """One thing written to a network (post, reply, DM), as the control API reports it."""

    network: str
    account: str
    remote_id: str
    kind: str
    text: str
    created_at: str
    extra: dict[str, Any] = field(default_factory=dict)
    deleted_at: str | None = None


class Store:
    """All sandbox data. Network modules keep their own dicts under `networks[name]`."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset_hooks: dict[str, Any] = {}
        self.reset(seed=1)

    def reset(self, *, seed: int = 1) -> None:
        """Forget everything and re-seed every network."""
        from datetime import timedelta

        with self.lock:
            self.seed = seed
            self.rng = random.Random(seed)
            self.ids = itertools.count(1_000_000)
            self.clock_offset = timedelta(0)
            self.networks: dict[str, dict[str, Any]] = {}
            self.published: list[Published] = []
            self.faults: list[dict[str, Any]] = []
            self.requests: list[dict[str, Any]] = []
            self.webhooks: list[dict[str, Any]] = []  # deliveries (sandbox.webhooks), a new list per reset
            for name, hook in self.reset_hooks.items():
                self.networks[name] = {}
                hook(self.networks[name])

    def next_id(self) -> int:
        """A fresh numeric id, unique across networks."""
        with self.lock:
            return next(self.ids)

    def token(self, prefix: str) -> str:
        """A fresh opaque token."""
        return f"{prefix}{secrets.token_urlsafe(24)}"

    def record_published(
        self, *, network: str, account: str, remote_id: str, kind: str, text: str, **extra: Any
    ) -> None:
        """Remember a write so tests can assert exactly-once."""
        with self.lock:
            self.published.append(
                Published(
                    network=network,
                    account=account,
                    remote_id=remote_id,
                    kind=kind,
                    text=text,
                    created_at=now().isoformat(),
                    extra=extra,
                )
            )

    def record_deleted(self, *, network: str, remote_id: str) -> None:
        """Remember that a written post was deleted (it stays on record, marked, for exactly-once checks)."""
        with self.lock:
            for item in self.published:
                if item.network == network and item.remote_id == remote_id and item.deleted_at is None:
                    item.deleted_at = now().isoformat()


STORE = Store()
