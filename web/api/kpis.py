"""API endpoints for a client's KPIs over a date range and the targets agreed with the client."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, jsonify, request

from tenants.errors import N_, Invalid
from tenants.metrics import targets
from tenants.metrics.kpis import KPIS, KpiValue, kpi_overview
from tenants.metrics.series import client_days
from tenants.models import Client, KpiTarget, utcnow
from tenants.services.local_time import to_local
from web.api.auth import token_required
from web.api.views import _agency_client, _json_body, _label, _membership, bp
from web.context import db

DEFAULT_DAYS = 30
MAX_DAYS = 731


def kpi_as_dict(kpi: KpiValue) -> dict:
    """A KPI as the API shows it; value None means no connected network measures it."""
    return {
        "key": kpi.key,
        "unit": kpi.unit,
        "available": kpi.available,
        "value": kpi.value,
        "previous": kpi.previous,
        "change": kpi.change,
        "target": kpi.target,
        "target_period": kpi.target_period,
        "progress": kpi.progress,
        "on_track": kpi.on_track,
        "higher_is_better": kpi.higher_is_better,
    }


def targets_as_dict(rows: list[KpiTarget]) -> dict:
    """{kpi: {"target", "period"}} plus the KPIs a target can be set for."""
    return {
        "targets": {t.kpi: {"target": t.target, "period": t.period} for t in rows},
        "kpis": [
            {"key": d.key, "unit": d.unit, "higher_is_better": d.higher_is_better} for d in KPIS.values()
        ],
    }


def date_range(client: Client) -> tuple[date, date]:
    """`from` and `to` (local dates, inclusive) from the query; by default the 30 days to today."""
    today = to_local(utcnow(), client.timezone).date()
    end = _date_arg("to") or today
    start = _date_arg("from") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise Invalid(N_("'from' must not be after 'to'."), field="from")
    if (end - start).days >= MAX_DAYS:
        raise Invalid(N_("Ask for at most %(n)s days at a time."), field="from", n=MAX_DAYS)
    return start, end


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise Invalid(N_("Write dates as YYYY-MM-DD."), field=name) from exc


@bp.get("/clients/<int:client_id>/kpis")
@token_required
def get_kpis(client_id: int) -> Response:
    client = _agency_client(client_id)
    start, end = date_range(client)
    length = (end - start).days + 1
    values = kpi_overview(session=db(), agency_id=client.agency_id, client_id=client.id, start=start, end=end)
    days = client_days(session=db(), agency_id=client.agency_id, client_id=client.id, start=start, end=end)
    return jsonify(
        {
            "client_id": client.id,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "previous": {
                "from": (start - timedelta(days=length)).isoformat(),
                "to": (start - timedelta(days=1)).isoformat(),
            },
            "kpis": [kpi_as_dict(v) for v in values],
            "days": [{**d, "day": d["day"].isoformat()} for d in days],
        }
    )


@bp.get("/clients/<int:client_id>/kpi-targets")
@token_required
def get_kpi_targets(client_id: int) -> Response:
    client = _agency_client(client_id)
    return jsonify(
        targets_as_dict(targets.list_targets(session=db(), agency_id=client.agency_id, client_id=client.id))
    )


@bp.put("/clients/<int:client_id>/kpi-targets")
@token_required
def put_kpi_targets(client_id: int) -> Response:
    client = _agency_client(client_id)
    body = _json_body()
    rows = targets.replace_targets(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        membership=_membership(),
        actor=None,
        actor_label=_label(),
        data=body.get("targets", body),
    )
    db().commit()
    return jsonify(targets_as_dict(rows))
