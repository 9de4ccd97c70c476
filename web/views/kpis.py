"""The client's KPIs page (/c/<client_slug>/kpis): progress against the agreed targets, and the targets."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tenants.errors import DomainError
from tenants.metrics import display, targets
from tenants.metrics.kpis import KPIS, PERIOD_DAYS, KpiValue, kpi_overview
from tenants.models import Client, utcnow
from tenants.permissions import Perm
from tenants.services.local_time import to_local
from web.context import db
from web.tenancy import client_view
from web.views.helpers import translate

bp = Blueprint("kpis", __name__, url_prefix="/c/<client_slug>")

KPI_LABELS = {
    "follower_growth": _l("Follower growth"),
    "followers": _l("Followers"),
    "impressions": _l("Impressions"),
    "engagements": _l("Engagements"),
    "engagement_rate": _l("Engagement rate"),
    "link_clicks": _l("Link clicks"),
    "ctr": _l("Click-through rate"),
    "conversions": _l("Conversions"),
    "posts_published": _l("Posts published"),
    "plan_adherence": _l("Published vs planned"),
    "mix_adherence": _l("Content mix vs plan"),
    "response_time": _l("First response time (median)"),
}
PERIOD_LABELS = {
    "week": _l("per week"),
    "month": _l("per month"),
    "quarter": _l("per quarter"),
}


def format_kpi(value: float | None, unit: str) -> str:
    """A KPI value for people: counts grouped, percentages with one decimal, durations in h and min."""
    if value is None:
        return _("not available")
    language = str(get_locale() or "en")[:2]
    if unit == "percent":
        return display.number(value, language, 1) + "%"
    if unit == "seconds":
        return display.duration(value, language)
    return display.number(value, language)


def _month_to_date(client: Client) -> tuple[date, date]:
    today = to_local(utcnow(), client.timezone).date()
    return today.replace(day=1), today


def _range(client: Client) -> tuple[date, date]:
    start, end = _month_to_date(client)
    try:
        start = date.fromisoformat(request.args.get("from") or start.isoformat())
        end = date.fromisoformat(request.args.get("to") or end.isoformat())
    except ValueError:
        flash(_("Write dates as YYYY-MM-DD."), "error")
        return _month_to_date(client)
    if start > end or (end - start).days > 730:
        flash(_("Choose a range of up to two years that starts before it ends."), "error")
        return _month_to_date(client)
    return start, end


@bp.get("/kpis")
@client_view(Perm.REPORTS_VIEW)
def show(client: Client):
    start, end = _range(client)
    values: list[KpiValue] = kpi_overview(
        session=db(), agency_id=client.agency_id, client_id=client.id, start=start, end=end
    )
    current = {
        t.kpi: t for t in targets.list_targets(session=db(), agency_id=client.agency_id, client_id=client.id)
    }
    return render_template(
        "kpis/show.html",
        client=client,
        values=values,
        current=current,
        start=start,
        end=end,
        previous=(start - timedelta(days=(end - start).days + 1), start - timedelta(days=1)),
        labels=KPI_LABELS,
        periods=PERIOD_LABELS,
        definitions=KPIS,
        period_keys=list(PERIOD_DAYS),
        format_kpi=format_kpi,
    )


@bp.post("/kpis")
@client_view(Perm.KPI_EDIT)
def save(client: Client):
    data = {
        key: {
            "target": request.form.get(f"target_{key}", ""),
            "period": request.form.get(f"period_{key}", "month"),
        }
        for key in KPIS
    }
    try:
        targets.replace_targets(
            session=db(),
            agency_id=client.agency_id,
            client_id=client.id,
            membership=g.membership,
            actor=current_user,
            data=data,
        )
        db().commit()
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
    else:
        flash(_("KPI targets saved."), "success")
    return redirect(url_for("kpis.show", client_slug=client.slug))
