"""The Redis connection and Cadenza's named RQ queues."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from redis import Redis, RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

log = logging.getLogger("cadenza.queues")
T = TypeVar("T")

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


_PENDING = {"queued", "started", "scheduled", "deferred"}


def enqueue_once(queue: Queue, func, *args, job_id: str, **options) -> Job:
    """Enqueue unless a job with this id is still waiting or running (then return that one)."""
    connection = queue.connection
    # The check and the enqueue happen under one short lock, so two callers cannot both enqueue.
    with connection.lock(f"cadenza:enqueue-lock:{job_id}", timeout=10, blocking_timeout=10):
        try:
            existing = Job.fetch(job_id, connection=connection)
        except NoSuchJobError:
            existing = None
        if existing is not None:
            if existing.get_status(refresh=True) in _PENDING:
                return existing
            # A finished or failed run of this id: its key expires in result_ttl / failure_ttl, and
            # RQ saves a new job into the same key without clearing that expiry, so a job queued
            # again within it vanished before a worker took it (a "sync now" a minute after a read).
            existing.delete()
        return queue.enqueue(func, *args, job_id=job_id, **options)


def enqueue_each(items: Iterable[T], enqueue: Callable[[T], object], *, what: str) -> None:
    """Queue every item a periodic sweep found due; with Redis down, stop (the next sweep tries again)."""
    for item in items:
        try:
            enqueue(item)
        except RedisError:
            log.warning("%s due but not enqueued: Redis unavailable", what)
            return
