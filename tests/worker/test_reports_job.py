"""The scheduler's report sweep and the report job, through RQ: one job per due period (deterministic job
id), a worker makes the report once, its contacts' emails land in the outbox, and sweeping again does
nothing more."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tenants.models import OutboxMessage, Report
from tenants.reports import runner
from tests.report_samples import WEEK_END, WEEK_START, build_report_world
from tests.workers import drain
from worker.context import job_context
from worker.jobs import reports as report_jobs
from worker.queues import get_queue, redis_connection
from worker.scheduler import periodic_tasks

MONDAY_MORNING = datetime(2026, 11, 9, 6, tzinfo=UTC)


@pytest.fixture
def job_env(process_env, monkeypatch):
    """Jobs read their settings from the environment; the clock is Monday morning in Rome."""
    monkeypatch.setattr(report_jobs, "utcnow", lambda: MONDAY_MORNING)
    monkeypatch.setattr(runner, "utcnow", lambda: MONDAY_MORNING)
    job_context.cache_clear()
    yield process_env
    job_context.cache_clear()


def test_reports_are_swept_by_the_scheduler():
    assert "reports" in {task.name for task in periodic_tasks()}


def test_sweeping_twice_queues_one_job_and_the_worker_makes_the_report_once(session, job_env):
    world = build_report_world(session)
    world.client.report_cadence = "weekly"
    session.commit()
    connection = redis_connection(job_env.redis_url)
    assert report_jobs.enqueue_due_reports(connection) == 1
    assert report_jobs.enqueue_due_reports(connection) == 1  # still waiting: the same job, not a second
    [report_id] = session.scalars(select(Report.id)).all()
    queue = get_queue("reports", connection=connection)
    assert queue.job_ids == [f"report-{report_id}"]
    assert queue.fetch_job(f"report-{report_id}").meta["client_id"] == world.client.id
    drain("reports", connection=connection)
    session.expire_all()
    report = session.get(Report, report_id)
    assert (report.status, report.period_start, report.period_end) == ("done", WEEK_START, WEEK_END)
    assert report.recipients == 2
    assert sorted(session.scalars(select(OutboxMessage.to_address))) == [
        "approver@bella.example",
        "viewer@bella.example",
    ]
    # Done: the next sweeps add nothing and queue nothing; a stray duplicate job finds it taken.
    assert report_jobs.enqueue_due_reports(connection) == 0
    assert report_jobs.generate_report(report_id) == "skipped"
    assert len(session.scalars(select(Report)).all()) == 1
    assert len(session.scalars(select(OutboxMessage)).all()) == 2


def test_an_on_demand_report_whose_job_redis_lost_is_queued_again_by_the_sweep(session, job_env):
    world = build_report_world(session)
    report = Report(
        agency_id=world.client.agency_id,
        client_id=world.client.id,
        kind="on_demand",
        period_start=WEEK_START,
        period_end=WEEK_END,
        status="queued",
    )
    session.add(report)
    session.commit()
    connection = redis_connection(job_env.redis_url)
    assert report_jobs.enqueue_due_reports(connection) == 1
    drain("reports", connection=connection)
    session.expire_all()
    assert session.get(Report, report.id).status == "done"
    assert session.scalars(select(OutboxMessage)).all() == []
