"""The worker process entry point: listens on Cadenza's queues with the configured Redis."""

from __future__ import annotations

from rq import Worker

from tenants.settings import Settings
from worker.log_setup import configure_logging
from worker.queues import QUEUE_NAMES, get_queue, redis_connection


def run_worker(
    settings: Settings,
    *,
    redis_url: str,
    queues: tuple[str, ...] = QUEUE_NAMES,
    burst: bool = False,
    with_scheduler: bool = True,
) -> bool:
    """Process jobs until stopped (or, with burst, until the queues are empty)."""
    configure_logging()
    connection = redis_connection(redis_url)
    worker = Worker([get_queue(name, connection=connection) for name in queues], connection=connection)
    return worker.work(burst=burst, with_scheduler=with_scheduler)
