"""The periodic work, declared in one list and run by `cadenza scheduler` (also inside `cadenza up`)."""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis import Redis, RedisError

from tenants.settings import Settings
from worker.queues import redis_connection

log = logging.getLogger("cadenza.scheduler")


@dataclass(frozen=True)
class Periodic:
    """A task that enqueues jobs every `every` seconds (deterministic job ids make overlaps harmless)."""

    name: str
    every: float
    run: Callable[[Redis], object]


def periodic_tasks(settings: Settings | None = None) -> list[Periodic]:
    """Everything that runs on a timer."""
    stuck = settings.publish_stuck_seconds if settings else 180
    from worker.jobs.inbox_actions import enqueue_due_actions
    from worker.jobs.inbox_sync import enqueue_due_syncs
    from worker.jobs.mail import enqueue_undelivered
    from worker.jobs.maintenance import purge_expired_connections
    from worker.jobs.metrics_sync import enqueue_due_metric_syncs, purge_readings, roll_up_missed_days
    from worker.jobs.publish import dispatch_due, recover_stuck
    from worker.jobs.remote_delete import enqueue_due_deletes
    from worker.jobs.reports import enqueue_due_reports
    from worker.jobs.tokens import enqueue_due_refreshes

    return [
        Periodic("dispatch-due-posts", 0.25, dispatch_due),
        Periodic("recover-stuck-targets", min(60, max(stuck / 3, 1)), recover_stuck),
        Periodic("remote-deletes", 10, enqueue_due_deletes),
        Periodic("inbox-syncs", 5, enqueue_due_syncs),
        Periodic("inbox-actions", 10, enqueue_due_actions),
        Periodic("metrics-syncs", 10, enqueue_due_metric_syncs),
        Periodic("metrics-missed-days", 600, roll_up_missed_days),
        Periodic("metrics-purge-readings", 3600, purge_readings),
        Periodic("token-refresh", 300, enqueue_due_refreshes),
        Periodic("purge-pending-connections", 600, purge_expired_connections),
        # Due periods are found from the database (local Monday mornings); on-demand reports whose job
        # Redis lost are queued again from their rows.
        Periodic("reports", 60, enqueue_due_reports),
        # A message whose delivery job was lost (a report's email to a contact, an invitation) is sent.
        Periodic("mail-undelivered", 300, enqueue_undelivered),
    ]


def run_scheduler(settings: Settings, *, redis_url: str, once: bool = False) -> None:
    """Run the periodic tasks until stopped; a Redis lease keeps one scheduler active at a time."""
    connection = redis_connection(redis_url)
    tasks = periodic_tasks(settings)
    last_run = {task.name: 0.0 for task in tasks}
    stopping = False

    def _stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    if not once:
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    while not stopping:
        try:
            leased = connection.set("cadenza:scheduler:lease", "1", nx=True, ex=30) or once
        except RedisError:
            # Redis is restarting: the database still knows what is due, so wait for Redis, don't exit.
            log.warning("Redis unavailable; the scheduler waits for it")
            time.sleep(1)
            continue
        if leased:
            now = time.monotonic()
            for task in tasks:
                if once or now - last_run[task.name] >= task.every:
                    try:
                        task.run(connection)
                    except Exception:  # one failing task must not stop the others
                        log.exception("periodic task %s failed", task.name)
                    last_run[task.name] = now
            with contextlib.suppress(RedisError):
                connection.delete("cadenza:scheduler:lease")
        if once:
            return
        time.sleep(0.2)
