"""The worker process entry point: listens on Cadenza's queues with the configured Redis."""

from __future__ import annotations

import os

from rq import SimpleWorker, Worker
from rq.worker_pool import WorkerPool

from tenants.settings import Settings
from worker.log_setup import configure_logging
from worker.queues import QUEUE_NAMES, get_queue, redis_connection


def default_processes() -> int:
    """Two worker processes per core: a publish job mostly waits for the networks, not the CPU."""
    return 2 * (os.cpu_count() or 1)


def run_worker(
    settings: Settings,
    *,
    redis_url: str,
    queues: tuple[str, ...] = QUEUE_NAMES,
    burst: bool = False,
    with_scheduler: bool = True,
    processes: int = 1,
) -> bool:
    """Process jobs until stopped (or, with burst, until the queues are empty), in one or more processes."""
    configure_logging()
    _preload()
    connection = redis_connection(redis_url)
    worker_class = Worker if settings.worker_fork else SimpleWorker
    if processes > 1:
        # RQ's pool forks the (already warm) workers and starts a new one whenever one dies.
        pool = WorkerPool(
            list(queues), connection=connection, num_workers=processes, worker_class=worker_class
        )
        pool.start(burst=burst)
        return True
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
    import worker.jobs.metrics_sync  # noqa: F401
    import worker.jobs.publish  # noqa: F401
    import worker.jobs.remote_delete  # noqa: F401
    import worker.jobs.reports  # noqa: F401
    import worker.jobs.tokens  # noqa: F401
    from worker.context import job_context
    from worker.networks.registry import tls_context

    job_context()
    tls_context()  # loading the CA bundle is the slowest part of a network client: once, before forking
