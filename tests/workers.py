"""Draining RQ queues inside a test, in this process."""

from __future__ import annotations

from redis import Redis
from rq import SimpleWorker

from worker.queues import get_queue


class BurstWorker(SimpleWorker):
    """A SimpleWorker without the command channel: a burst in a test takes no commands, and RQ's pubsub
    thread can wait 60 s for a subscription that a quick burst already ended (redis-py's get_message)."""

    def subscribe(self) -> None:
        self.pubsub_thread = None

    def unsubscribe(self) -> None:
        return None


def drain(*queue_names: str, connection: Redis) -> None:
    """Run every job waiting in these queues, then return."""
    BurstWorker([get_queue(name, connection=connection) for name in queue_names], connection=connection).work(
        burst=True
    )


def run_pipeline(settings) -> int:
    """One dispatcher round, then the publish queue drained; returns how many targets were due."""
    from worker.jobs.publish import dispatch_due
    from worker.queues import redis_connection

    connection = redis_connection(settings.redis_url)
    claimed = dispatch_due(connection)
    drain("publish", connection=connection)
    return claimed
