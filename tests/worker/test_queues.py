"""Periodic sweeps queue what is due one by one and stop quietly when Redis is gone."""

from __future__ import annotations

from redis import RedisError

from worker.queues import enqueue_each


def test_a_sweep_stops_at_the_first_redis_failure_and_tries_nothing_more(caplog):
    queued = []

    def enqueue(item: int) -> None:
        if item == 3:
            raise RedisError("connection refused")
        queued.append(item)

    enqueue_each(range(1, 6), enqueue, what="metrics reads")
    assert queued == [1, 2]
    assert "metrics reads due but not enqueued: Redis unavailable" in caplog.text
