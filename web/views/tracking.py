"""A client's tracking settings (/c/<client_slug>/settings/tracking): short links on or off, the attribution
window and currency, the conversion keys (shown once) and how the client's site reports conversions."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.errors import DomainError, NotFound
from tenants.models import Client, utcnow
from tenants.permissions import Perm
from tenants.tracking import config, keys, stats
from tenants.tracking.rollup import local_day
from web.context import db, settings
from web.tenancy import client_view
from web.views.helpers import translate

bp = Blueprint("tracking", __name__, url_prefix="/c/<client_slug>/settings/tracking")
SUMMARY_DAYS = 30


def _scope(client: Client) -> dict:
    return {"session": db(), "agency_id": client.agency_id, "client_id": client.id}


def _page(client: Client, *, values: dict | None = None, created: str | None = None, status: int = 200):
    row = config.get_settings(**_scope(client))
    db().commit()  # the pixel id shown must be the one stored
    today = local_day(utcnow(), client.timezone)
    start = today - timedelta(days=SUMMARY_DAYS - 1)
    return render_template(
        "settings/tracking.html",
        client=client,
        row=row,
        values=values
        or {
            "link_tracking": client.link_tracking,
            "attribution_days": row.attribution_days,
            "currency": row.currency,
        },
        keys=keys.list_keys(**_scope(client)),
        is_live=keys.is_live,
        created=created,
        base_url=settings().base_url,
        totals=stats.client_totals(**_scope(client), start=start, end=today),
        unattributed=stats.totals_by_post(**_scope(client), start=start, end=today).get(None),
        summary_days=SUMMARY_DAYS,
        now=utcnow(),
    ), status


@bp.get("")
@client_view(Perm.CLIENT_EDIT)
def edit(client: Client):
    return _page(client)


@bp.post("")
@client_view(Perm.CLIENT_EDIT)
def save(client: Client):
    submitted = {
        "link_tracking": request.form.get("link_tracking") == "1",
        "attribution_days": request.form.get("attribution_days", ""),
        "currency": request.form.get("currency", ""),
    }
    try:
        config.update_settings(**_scope(client), **submitted, actor=current_user)
        db().commit()
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
        return _page(client, values=submitted, status=exc.status)
    flash(_("Tracking settings saved."), "success")
    return redirect(url_for("tracking.edit", client_slug=client.slug))


@bp.post("/keys")
@client_view(Perm.CLIENT_EDIT)
def create_key(client: Client):
    _key, plaintext = keys.create_key(**_scope(client), actor=current_user)
    db().commit()
    # Shown in this answer only (never in a redirect's flash, which would sit in the session cookie).
    return _page(client, created=plaintext, status=201)


@bp.post("/keys/<int:key_id>/revoke")
@client_view(Perm.CLIENT_EDIT)
def revoke_key(client: Client, key_id: int):
    try:
        keys.revoke_key(**_scope(client), key_id=key_id, actor=current_user)
        db().commit()
    except NotFound:
        db().rollback()
        abort(404)
    flash(_("The key was revoked."), "success")
    return redirect(url_for("tracking.edit", client_slug=client.slug))
