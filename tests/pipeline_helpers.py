"""The publishing pipeline in-process, as the scheduler and a worker run it: a dispatcher round, a drain."""

from __future__ import annotations

from rq import SimpleWorker

from worker.jobs.publish import dispatch_due
from worker.queues import get_queue, redis_connection


class BurstWorker(SimpleWorker):
    """A burst worker without RQ's command channel, which tests never use.

    With redis-py 8 the worker's teardown waits for the channel's listener thread, which polls every
    60 s: up to a minute added to each drain, more than a browser test that watches the clock can spend.
    """

    def subscribe(self) -> None:
        """No command channel (nothing sends this worker RQ commands)."""


def drain_publish_queue(settings) -> None:
    """Run every job waiting in the publish queue, then return."""
    connection = redis_connection(settings.redis_url)
    BurstWorker([get_queue("publish", connection=connection)], connection=connection).work(burst=True)


def run_pipeline(settings) -> int:
    """One dispatcher round, then a worker drains the publish queue; returns how many targets were due."""
    claimed = dispatch_due(redis_connection(settings.redis_url))
    drain_publish_queue(settings)
    return claimed
