"""The worker process entry point: listens on Cadenza's queues with the configured Redis."""

from __future__ import annotations

from rq import SimpleWorker, Worker

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
    _preload()
    connection = redis_connection(redis_url)
    worker_class = Worker if settings.worker_fork else SimpleWorker
    worker = worker_class([get_queue(name, connection=connection) for name in queues], connection=connection)
    return worker.work(burst=burst, with_scheduler=with_scheduler)


def _preload() -> None:
    """Import the jobs and build their context once, before any job runs.

    A forking worker then hands every job a process that is already warm; the engine has no connection
    yet at this point, so none is shared across a fork.
    """
    import worker.jobs.imports  # noqa: F401
    import worker.jobs.mail  # noqa: F401
    import worker.jobs.maintenance  # noqa: F401
    import worker.jobs.publish  # noqa: F401
    import worker.jobs.remote_delete  # noqa: F401
    import worker.jobs.tokens  # noqa: F401
    from worker.context import job_context

    job_context()
