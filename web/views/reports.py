"""A client's report archive (/c/<client_slug>/reports/archive): the PDF + CSV reports, their schedule,
"Generate now" with live progress, and downloads that answer only inside the tenant."""

from __future__ import annotations

import contextlib
from datetime import date

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from redis import RedisError

from tenants.errors import DomainError, NotFound
from tenants.models import Client, Report, utcnow
from tenants.permissions import Perm
from tenants.reports import archive
from tenants.reports.periods import next_report
from web.context import db, redis
from web.tenancy import client_view
from web.views.helpers import translate
from worker.jobs.reports import enqueue_report

bp = Blueprint("reports", __name__, url_prefix="/c/<client_slug>/reports/archive")


def status_labels() -> dict[str, str]:
    """A report's state in the user's language."""
    return {
        "queued": _("Waiting"),
        "running": _("Generating"),
        "done": _("Ready"),
        "failed": _("Failed"),
    }


def cadence_labels() -> dict[str, str]:
    """The schedule choices in the user's language."""
    return {"off": _("Off"), "weekly": _("Weekly"), "biweekly": _("Every two weeks")}


def _rows(client: Client, reports: list[Report]) -> str:
    return render_template(
        "reports/_rows.html",
        client=client,
        reports=reports,
        statuses=status_labels(),
        kinds={"scheduled": _("Scheduled"), "on_demand": _("On demand")},
    )


def _reports(client: Client) -> list[Report]:
    return archive.list_reports(session=db(), agency_id=client.agency_id, client_id=client.id)


@bp.get("")
@client_view(Perm.REPORTS_VIEW)
def index(client: Client):
    reports = _reports(client)
    start, end = archive.default_range(timezone=client.timezone)
    upcoming = next_report(client.report_cadence, now=utcnow(), timezone=client.timezone)
    return render_template(
        "reports/index.html",
        client=client,
        rows=_rows(client, reports),
        pending=any(not r.is_finished for r in reports),
        start=start.isoformat(),
        end=end.isoformat(),
        cadences=cadence_labels(),
        upcoming=upcoming,
    )


@bp.get("/live")
@client_view(Perm.REPORTS_VIEW)
def live(client: Client):
    reports = _reports(client)
    return jsonify(
        {
            "pending": any(not r.is_finished for r in reports),
            "reports": [archive.report_as_dict(r) for r in reports],
            "html": _rows(client, reports),
        }
    )


@bp.post("/generate")
@client_view(Perm.REPORTS_GENERATE)
def generate(client: Client):
    try:
        start = date.fromisoformat(request.form.get("start", ""))
        end = date.fromisoformat(request.form.get("end", ""))
    except ValueError:
        flash(_("Choose the first and the last day of the report."), "error")
        return redirect(url_for("reports.index", client_slug=client.slug))
    try:
        report = archive.request_report(
            session=db(),
            agency_id=client.agency_id,
            client_id=client.id,
            membership=g.membership,
            actor=current_user,
            start=start,
            end=end,
        )
        db().commit()
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
        return redirect(url_for("reports.index", client_slug=client.slug))
    # Without Redis the row stays queued: the scheduler's sweep hands it to a worker when Redis is back.
    with contextlib.suppress(RedisError):
        enqueue_report(redis(), report_id=report.id, agency_id=client.agency_id, client_id=client.id)
    flash(_("The report is being generated."), "success")
    return redirect(url_for("reports.index", client_slug=client.slug))


@bp.post("/schedule")
@client_view(Perm.CLIENT_EDIT)
def schedule(client: Client):
    try:
        archive.set_cadence(
            session=db(),
            agency_id=client.agency_id,
            client_id=client.id,
            membership=g.membership,
            actor=current_user,
            cadence=request.form.get("cadence", ""),
        )
        db().commit()
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
    else:
        flash(_("Report schedule saved."), "success")
    return redirect(url_for("reports.index", client_slug=client.slug))


@bp.get("/<int:report_id>/<any(pdf, csv):fmt>")
@client_view(Perm.REPORTS_VIEW)
def download(client: Client, report_id: int, fmt: str):
    try:
        found = archive.report_file(
            session=db(), agency_id=client.agency_id, client_id=client.id, report_id=report_id, fmt=fmt
        )
    except NotFound:
        abort(404)
    return send_report(found)


def send_report(found: archive.ReportFile) -> Response:
    """A report file as a download, never cached by shared caches nor sniffed into another type."""
    response = Response(found.data, mimetype=found.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
