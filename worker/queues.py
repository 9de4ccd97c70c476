"""The Redis connection and Cadenza's named RQ queues."""

from __future__ import annotations

from redis import Redis
from rq import Queue

# Highest priority first: a worker listening on all of them drains them in this order.
QUEUE_NAMES = ("publish", "inbox", "default", "metrics", "reports")


def redis_connection(url: str) -> Redis:
    """A Redis client for RQ (bytes responses, as RQ expects)."""
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def get_queue(name: str, *, connection: Redis) -> Queue:
    """One of Cadenza's named queues."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}; known: {', '.join(QUEUE_NAMES)}")
    return Queue(name, connection=connection)
