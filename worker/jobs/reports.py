"""PDF + CSV reports: a periodic sweep adds each due period's row and queues every report waiting for a
worker; one job per report (deterministic job id), which claims the row in the database before working."""

from __future__ import annotations

import logging

import structlog
from redis import Redis, RedisError

from tenants.models import utcnow
from tenants.reports import runner
from worker.context import job_context
from worker.jobs.mail import enqueue_delivery_if_smtp
from worker.queues import enqueue_each, enqueue_once, get_queue, redis_connection

# Well under the lease (10 min): RQ stops a stuck job before another worker may take its report over.
JOB_TIMEOUT = 300
log = logging.getLogger("cadenza.reports")
events = structlog.get_logger("cadenza.reports")


def enqueue_report(connection: Redis, *, report_id: int, agency_id: int, client_id: int) -> None:
    """Queue the report's job unless it is already waiting or running."""
    enqueue_once(
        get_queue("reports", connection=connection),
        generate_report,
        report_id,
        job_id=f"report-{report_id}",
        job_timeout=JOB_TIMEOUT,
        result_ttl=600,
        failure_ttl=7 * 86400,
        meta={"agency_id": agency_id, "client_id": client_id, "report_id": report_id},
    )


def enqueue_due_reports(connection: Redis) -> int:
    """Periodic: add the due scheduled reports, then queue every report a worker should take."""
    ctx = job_context()
    now = utcnow()
    with ctx.session_factory() as session:
        created = runner.schedule_due_reports(session=session, now=now)
        session.commit()
        waiting = [
            (r.id, r.agency_id, r.client_id) for r in runner.runnable_reports(session=session, now=now)
        ]
        session.commit()
    if created:
        events.info("reports.scheduled", count=len(created))
    enqueue_each(
        waiting,
        lambda item: enqueue_report(connection, report_id=item[0], agency_id=item[1], client_id=item[2]),
        what="reports",
    )
    return len(waiting)


def generate_report(report_id: int) -> str:
    """Make one report (claimed in the database first: a duplicate job finds it taken and stops)."""
    ctx = job_context()
    with ctx.session_factory() as session:
        outcome = runner.run_report(session=session, settings=ctx.settings, report_id=report_id)
    events.info("reports.run", report_id=report_id, outcome=outcome.outcome)
    if outcome.message_ids:
        redis = redis_connection(ctx.settings.redis_url_or_embedded)
        for message_id in outcome.message_ids:
            try:
                enqueue_delivery_if_smtp(redis, ctx.settings, message_id)
            except RedisError:
                log.warning("report mail %s not enqueued: Redis unavailable", message_id)
    return outcome.outcome
