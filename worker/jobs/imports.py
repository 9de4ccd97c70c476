"""Bulk CSV imports of posts, checked and saved by a job so a large file never blocks a web request."""

from __future__ import annotations

from redis import Redis
from rq.job import Job

from tenants.services import csv_import
from worker.context import job_context
from worker.queues import enqueue_once, get_queue


def run_csv_import(import_id: int) -> str:
    """Check and save one import; a crash marks it failed, so nothing stays 'running' forever."""
    ctx = job_context()
    with ctx.session_factory() as session:
        try:
            return csv_import.run_import(session=session, import_id=import_id)
        except Exception:
            csv_import.fail_import(session=session, import_id=import_id)
            raise


def enqueue_import(*, connection: Redis, import_id: int, agency_id: int, client_id: int) -> Job:
    """Queue the import's job once (the job id is derived from the import id)."""
    return enqueue_once(
        get_queue("default", connection=connection),
        run_csv_import,
        import_id,
        job_id=f"csv-import-{import_id}",
        job_timeout=600,
        result_ttl=3600,
        failure_ttl=7 * 86400,
        meta={"agency_id": agency_id, "client_id": client_id},
    )
