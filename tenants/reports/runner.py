"""Making reports exactly once: the schedule's sweep, the claim, the steps with progress, the email.

- A scheduled report is a row unique per (client, period), inserted before any work: two schedulers
  sweeping at once make one row, the second insert meets the unique constraint.
- A run claims the row in one UPDATE (queued, or running with an expired lease) and bumps `attempts`;
  every later write is fenced by that attempt number, so a run that lost its lease (its worker stalled,
  another took over) cannot overwrite the newer run or send the email a second time.
- "done", the files and the contacts' emails are one commit: a crash before it leaves a row that the
  next sweep hands to a retry, which renders again from the data (rendering has no side effects).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenants.models import Client, Report, utcnow
from tenants.reports.csv_export import render_csv
from tenants.reports.data import gather, local_logo
from tenants.reports.mailing import email_contacts
from tenants.reports.pdf import render_pdf
from tenants.reports.periods import latest_due_period, schedule_key
from tenants.settings import Settings

log = logging.getLogger("cadenza.reports")
MAX_ATTEMPTS = 3
LEASE = timedelta(minutes=10)


class Superseded(Exception):
    """This run's claim was taken over by a newer attempt: stop without writing."""


@dataclass(frozen=True)
class RunOutcome:
    """How one run ended, and the outbox messages it composed (for SMTP delivery after the commit)."""

    outcome: str  # done, skipped, retry, failed
    message_ids: list[int] = field(default_factory=list)


def schedule_period(
    *,
    session: Session,
    client: Client,
    cadence: str,
    start: date,
    end: date,
    created_at: datetime | None = None,
) -> Report | None:
    """Insert the client's scheduled report for a period unless it exists; None when it already did."""
    key = schedule_key(cadence, start, end)
    exists = session.scalar(
        select(Report.id).where(Report.client_id == client.id, Report.schedule_key == key)
    )
    if exists is not None:
        return None
    report = Report(
        agency_id=client.agency_id,
        client_id=client.id,
        kind="scheduled",
        period_start=start,
        period_end=end,
        schedule_key=key,
        status="queued",
        created_at=created_at or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        return None  # another scheduler inserted it a moment ago
    return report


def schedule_due_reports(*, session: Session, now: datetime) -> list[Report]:
    """Add the row of every live client's latest due period that has none yet (the caller commits)."""
    clients = session.scalars(
        select(Client).where(
            Client.report_cadence.in_(("weekly", "biweekly")),
            Client.deleted_at.is_(None),
            Client.archived_at.is_(None),
        )
    )
    created = []
    for client in clients:
        period = latest_due_period(
            client.report_cadence, now=now, timezone=client.timezone, since=client.report_cadence_since
        )
        if period is None:
            continue
        report = schedule_period(
            session=session, client=client, cadence=client.report_cadence, start=period[0], end=period[1]
        )
        if report is not None:
            created.append(report)
    return created


def runnable_reports(*, session: Session, now: datetime) -> list[Report]:
    """Reports a worker should take: queued ones, and running ones whose worker's lease ran out.

    A run that crashed MAX_ATTEMPTS times is marked failed here instead (the caller commits).
    """
    rows = session.scalars(
        select(Report)
        .where(or_(Report.status == "queued", and_(Report.status == "running", Report.lease_until < now)))
        .order_by(Report.id)
    ).all()
    runnable = []
    for report in rows:
        if report.status == "running" and report.attempts >= MAX_ATTEMPTS:
            report.status, report.lease_until = "failed", None
            report.error = report.error or "stopped during generation too many times"
            continue
        runnable.append(report)
    return runnable


def claim(*, session: Session, report_id: int, now: datetime, lease: timedelta = LEASE) -> int | None:
    """Take the report for this run (commits); returns the run's attempt number, None if not ours to run."""
    claimable = or_(Report.status == "queued", and_(Report.status == "running", Report.lease_until < now))
    result = session.execute(
        update(Report)
        .where(Report.id == report_id, Report.attempts < MAX_ATTEMPTS, claimable)
        .values(status="running", attempts=Report.attempts + 1, lease_until=now + lease, progress=5)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        return None
    session.commit()
    report = session.get(Report, report_id)
    session.refresh(report)
    if report.started_at is None:
        report.started_at = now
        session.commit()
    return report.attempts


def _fenced(report_id: int, attempt: int):
    return update(Report).where(
        Report.id == report_id, Report.attempts == attempt, Report.status == "running"
    )


def set_progress(
    *, session: Session, report_id: int, attempt: int, progress: int, now: datetime, lease: timedelta = LEASE
) -> None:
    """Record how far this run is (and extend its lease); Superseded when the run is no longer ours."""
    result = session.execute(
        _fenced(report_id, attempt)
        .values(progress=progress, lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise Superseded(report_id)
    session.commit()


def run_report(
    *,
    session: Session,
    settings: Settings,
    report_id: int,
    now: datetime | None = None,
    lease: timedelta = LEASE,
) -> RunOutcome:
    """Claim, gather, render, store and (for scheduled reports) email the client's contacts, once."""
    now = now or utcnow()
    attempt = claim(session=session, report_id=report_id, now=now, lease=lease)
    if attempt is None:
        return RunOutcome("skipped")
    report = session.get(Report, report_id)
    try:
        client = session.get(Client, report.client_id)
        data = gather(
            session=session,
            agency_id=report.agency_id,
            client_id=report.client_id,
            start=report.period_start,
            end=report.period_end,
            now=now,
            logo=local_logo(session=session, settings=settings, client=client),
        )
        set_progress(session=session, report_id=report_id, attempt=attempt, progress=40, now=now, lease=lease)
        pdf = render_pdf(data)
        set_progress(session=session, report_id=report_id, attempt=attempt, progress=80, now=now, lease=lease)
        csv_text = render_csv(data)
        set_progress(session=session, report_id=report_id, attempt=attempt, progress=95, now=now, lease=lease)
        return _finish(session, settings, report, client, attempt, data, pdf, csv_text, now)
    except Superseded:
        session.rollback()
        log.info("report %s: a newer attempt took over", report_id)
        return RunOutcome("skipped")
    except Exception as exc:
        session.rollback()
        log.exception("report %s failed (attempt %s)", report_id, attempt)
        final = attempt >= MAX_ATTEMPTS
        session.execute(
            _fenced(report_id, attempt)
            .values(
                status="failed" if final else "queued",
                progress=0,
                lease_until=None,
                error=f"{exc.__class__.__name__}: {exc}"[:500],
                finished_at=now if final else None,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return RunOutcome("failed" if final else "retry")


def _finish(session, settings, report, client, attempt, data, pdf: bytes, csv_text: str, now) -> RunOutcome:
    """Store the files and mark done; the contacts' emails go in the same commit (scheduled only)."""
    csv_bytes = len(csv_text.encode("utf-8"))
    result = session.execute(
        _fenced(report.id, attempt)
        .values(
            status="done",
            progress=100,
            pdf=pdf,
            csv=csv_text,
            pdf_bytes=len(pdf),
            csv_bytes=csv_bytes,
            finished_at=now,
            lease_until=None,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        return RunOutcome("skipped")
    message_ids: list[int] = []
    if report.kind == "scheduled":
        message_ids = email_contacts(
            session=session, settings=settings, report=report, client=client, data=data
        )
        session.execute(
            update(Report)
            .where(Report.id == report.id)
            .values(emailed_at=now, recipients=len(message_ids))
            .execution_options(synchronize_session=False)
        )
    session.commit()
    session.expire(report)
    return RunOutcome("done", message_ids)
