"""The report archive of a client: its schedule, on-demand requests, the list, and the files.

For the Streamlit app (reports_ui), which imports tenants only:

    from tenants.reports.archive import file_name, list_reports, report_file
    reports = list_reports(session=session, agency_id=a, client_id=c)        # newest first, no bytes
    pdf = report_file(session=session, agency_id=a, client_id=c, report_id=r.id, fmt="pdf")  # on click

Both take the tenant explicitly; another client's report (or one not finished) raises NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from tenants.errors import N_, Invalid, NotFound
from tenants.models import Client, Membership, Report, User, utcnow
from tenants.permissions import Perm
from tenants.reports.periods import CADENCES, MAX_RANGE_DAYS
from tenants.services import audit
from tenants.services.access import get_visible_client, require
from tenants.services.local_time import to_local

FORMATS = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}
# A report asked for while an identical one is still on its way is that one, not a second job.
PENDING = ("queued", "running")


@dataclass(frozen=True)
class ReportFile:
    """One file of a finished report, ready to send."""

    filename: str
    mimetype: str
    data: bytes


def set_cadence(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
    cadence: str,
    actor_label: str | None = None,
    now: datetime | None = None,
) -> Client:
    """Turn the client's scheduled reports off, weekly or biweekly (from the next send time on)."""
    require(membership, Perm.CLIENT_EDIT)
    client = _client(session, membership, agency_id, client_id)
    if cadence not in CADENCES:
        raise Invalid(N_("Choose off, weekly or biweekly."), field="cadence")
    if client.report_cadence != cadence:
        audit.record(
            session=session,
            agency_id=agency_id,
            client_id=client.id,
            action="client.report_cadence",
            actor=actor,
            actor_label=actor_label,
            target_type="client",
            target_id=client.id,
            details={"before": client.report_cadence, "after": cadence},
        )
        client.report_cadence = cadence
        client.report_cadence_since = now or utcnow()
        session.flush()
    return client


def request_report(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
    start: date,
    end: date,
    now: datetime | None = None,
) -> Report:
    """Queue an on-demand report of the local days [start, end] (the caller enqueues its job)."""
    require(membership, Perm.REPORTS_GENERATE)
    client = _client(session, membership, agency_id, client_id)
    today = to_local(now or utcnow(), client.timezone).date()
    if end < start:
        raise Invalid(N_("The range ends before it starts."), field="end")
    if end > today:
        raise Invalid(N_("A report covers days that have begun: end today at the latest."), field="end")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise Invalid(N_("A report covers at most %(days)s days."), field="start", days=MAX_RANGE_DAYS)
    pending = session.scalars(
        select(Report).where(
            Report.agency_id == agency_id,
            Report.client_id == client.id,
            Report.kind == "on_demand",
            Report.period_start == start,
            Report.period_end == end,
            Report.status.in_(PENDING),
        )
    ).first()
    if pending is not None:
        return pending
    report = Report(
        agency_id=agency_id,
        client_id=client.id,
        kind="on_demand",
        period_start=start,
        period_end=end,
        status="queued",
        created_by_id=actor.id if actor else None,
    )
    session.add(report)
    session.flush()
    return report


def default_range(*, timezone: str, now: datetime | None = None) -> tuple[date, date]:
    """What "Generate now" offers: the last seven finished local days."""
    yesterday = to_local(now or utcnow(), timezone).date() - timedelta(days=1)
    return yesterday - timedelta(days=6), yesterday


def list_reports(*, session: Session, agency_id: int, client_id: int, limit: int = 50) -> list[Report]:
    """The client's reports, newest first (without their files)."""
    query = (
        select(Report)
        .where(Report.agency_id == agency_id, Report.client_id == client_id)
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def report_file(*, session: Session, agency_id: int, client_id: int, report_id: int, fmt: str) -> ReportFile:
    """The PDF or CSV of a finished report of this client; NotFound otherwise."""
    if fmt not in FORMATS:
        raise NotFound(N_("Report not found."))
    report = session.scalars(
        select(Report)
        .options(undefer(Report.pdf) if fmt == "pdf" else undefer(Report.csv))
        .where(
            Report.id == report_id,
            Report.agency_id == agency_id,
            Report.client_id == client_id,
            Report.status == "done",
        )
    ).first()
    content = None if report is None else (report.pdf if fmt == "pdf" else report.csv)
    if content is None:
        raise NotFound(N_("Report not found."))
    client = session.get(Client, client_id)
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    return ReportFile(filename=file_name(report, client, fmt), mimetype=FORMATS[fmt], data=data)


def file_name(report: Report, client: Client | None, fmt: str) -> str:
    """A download name with nothing a header could trip on: the client's slug and the period."""
    slug = client.slug if client else f"client-{report.client_id}"
    return f"report-{slug}-{report.period_start.isoformat()}-{report.period_end.isoformat()}.{fmt}"


def report_as_dict(report: Report) -> dict:
    """A report as the API and the live page show it."""
    return {
        "id": report.id,
        "client_id": report.client_id,
        "kind": report.kind,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "status": report.status,
        "progress": report.progress,
        "pdf_bytes": report.pdf_bytes,
        "csv_bytes": report.csv_bytes,
        "created_at": report.created_at.isoformat(),
        "finished_at": report.finished_at.isoformat() if report.finished_at else None,
        "emailed_at": report.emailed_at.isoformat() if report.emailed_at else None,
    }


def _client(session: Session, membership: Membership, agency_id: int, client_id: int) -> Client:
    client = get_visible_client(session=session, membership=membership, client_id=client_id)
    if client.agency_id != agency_id:
        raise NotFound(N_("Client not found."))
    return client
