"""API endpoints for a client's report archive: the list, and each finished report's PDF and CSV."""

from __future__ import annotations

from flask import Response, g, jsonify, url_for
from sqlalchemy import select

from tenants.errors import N_, NotFound
from tenants.models import Report
from tenants.reports import archive
from web.api.auth import token_required
from web.api.views import _agency_client, bp
from web.context import db
from web.views.reports import send_report


def _as_dict(report: Report) -> dict:
    files = {}
    if report.status == "done":
        files = {fmt: url_for(f"api.report_{fmt}", report_id=report.id) for fmt in ("pdf", "csv")}
    return {**archive.report_as_dict(report), "files": files}


@bp.get("/clients/<int:client_id>/reports")
@token_required
def list_reports(client_id: int) -> Response:
    client = _agency_client(client_id)
    reports = archive.list_reports(session=db(), agency_id=client.agency_id, client_id=client.id, limit=200)
    return jsonify({"data": [_as_dict(r) for r in reports]})


@bp.get("/reports/<int:report_id>/pdf", endpoint="report_pdf", defaults={"fmt": "pdf"})
@bp.get("/reports/<int:report_id>/csv", endpoint="report_csv", defaults={"fmt": "csv"})
@token_required
def report_file(report_id: int, fmt: str) -> Response:
    # Looked up inside the token's agency: another agency's report reads exactly like a missing one.
    client_id = db().scalar(
        select(Report.client_id).where(Report.id == report_id, Report.agency_id == g.api_agency.id)
    )
    if client_id is None:
        raise NotFound(N_("Report not found."))
    client = _agency_client(client_id)
    return send_report(
        archive.report_file(
            session=db(), agency_id=client.agency_id, client_id=client.id, report_id=report_id, fmt=fmt
        )
    )
