"""The calendar in and out: the iCal feed and its secret URL, CSV export, bulk CSV import with progress."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import gettext as _
from flask_login import current_user
from redis import RedisError

from tenants.errors import DomainError
from tenants.models import Client, CsvImport
from tenants.permissions import Perm
from tenants.services import calendar, calendar_feeds, csv_import, social_accounts
from web.context import db, redis, settings
from web.extensions import limiter
from web.tenancy import client_view
from web.views.helpers import translate
from worker.jobs.imports import enqueue_import

bp = Blueprint("calendar_io", __name__)


@bp.post("/c/<client_slug>/calendar/feed")
@client_view(Perm.CLIENT_EDIT)
def feed_token(client: Client):
    kwargs = {"session": db(), "client": client, "membership": g.membership, "actor": current_user}
    if request.form.get("action") == "revoke":
        calendar_feeds.revoke_feed_token(**kwargs)
        db().commit()
        flash(_("The calendar feed is off; its old address no longer works."), "success")
        return redirect(url_for("calendar.show", client_slug=client.slug), code=303)
    token = calendar_feeds.issue_feed_token(**kwargs)
    db().commit()
    url = settings().base_url + url_for("calendar_io.feed", token=token)
    return render_template("calendar/feed_token.html", client=client, url=url)


@bp.get("/ical/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str):
    client = calendar_feeds.client_for_feed(session=db(), token=token)
    if client is None:
        abort(404)
    body = calendar_feeds.feed_ics(session=db(), client=client)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{client.slug}.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/c/<client_slug>/calendar/export.csv")
@client_view()
def export(client: Client):
    month = calendar.period_for("list", calendar.parse_day(request.args.get("from"), client.timezone))
    start = calendar.parse_day(request.args.get("from") or month.focus_start.isoformat(), client.timezone)
    end = calendar.parse_day(request.args.get("to") or month.focus_last.isoformat(), client.timezone)
    if end < start or (end - start).days > 366:
        abort(400)
    text = calendar_feeds.export_csv(
        session=db(), client=client, membership=g.membership, start=start, end=end + timedelta(days=1)
    )
    # The BOM tells Excel the file is UTF-8 (accents stay readable).
    response = Response("\ufeff" + text, mimetype="text/csv")
    filename = f"{client.slug}-{start.isoformat()}-{end.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/c/<client_slug>/calendar/import/template.csv")
@client_view(Perm.POSTS_WRITE)
def import_template(client: Client):
    accounts = social_accounts.list_accounts(session=db(), agency_id=client.agency_id, client_id=client.id)
    response = Response("\ufeff" + csv_import.template_csv(client, accounts), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="cadenza-import.csv"'
    return response


@bp.route("/c/<client_slug>/calendar/import", methods=["GET", "POST"])
@client_view(Perm.POSTS_WRITE)
def import_page(client: Client):
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose a CSV file to upload."), "error")
        else:
            try:
                record = csv_import.start_import(
                    session=db(),
                    client=client,
                    membership=g.membership,
                    actor=current_user,
                    filename=upload.filename,
                    raw=upload.read(),
                )
                db().commit()
            except DomainError as exc:
                db().rollback()
                flash(translate(exc), "error")
            else:
                _enqueue(client, record)
                return redirect(
                    url_for(".import_status", client_slug=client.slug, import_id=record.id), code=303
                )
    accounts = social_accounts.list_accounts(session=db(), agency_id=client.agency_id, client_id=client.id)
    recent = csv_import.recent_imports(session=db(), client=client)
    return render_template(
        "calendar/import.html", client=client, accounts=accounts, recent=recent, max_rows=csv_import.MAX_ROWS
    )


def _enqueue(client: Client, record: CsvImport) -> None:
    try:
        enqueue_import(
            connection=redis(), import_id=record.id, agency_id=client.agency_id, client_id=client.id
        )
    except RedisError:
        csv_import.mark_not_queued(session=db(), record=record)
        db().commit()
        flash(
            _(
                "The background queue is not reachable right now, so the import could not start. "
                "Nothing was saved; try again in a few minutes."
            ),
            "error",
        )


def _report(record: CsvImport) -> list[dict]:
    return [
        {**item, "text": gettext(item["message"], **item.get("params", {}))} if "message" in item else item
        for item in record.report or []
    ]


def _load(client: Client, import_id: int) -> CsvImport:
    try:
        return csv_import.get_import(session=db(), client=client, import_id=import_id)
    except DomainError:
        abort(404)


@bp.get("/c/<client_slug>/calendar/import/<int:import_id>")
@client_view(Perm.POSTS_WRITE)
def import_status(client: Client, import_id: int):
    record = _load(client, import_id)
    return render_template(
        "calendar/import_status.html", client=client, record=record, report=_report(record)
    )


@bp.get("/c/<client_slug>/calendar/import/<int:import_id>.json")
@client_view(Perm.POSTS_WRITE)
def import_status_json(client: Client, import_id: int):
    record = _load(client, import_id)
    finished = record.status in csv_import.FINISHED
    return jsonify(
        {
            "id": record.id,
            "status": record.status,
            "finished": finished,
            "total_rows": record.total_rows,
            "processed_rows": record.processed_rows,
            "created_posts": record.created_posts,
            "problems": [i for i in _report(record) if "message" in i] if finished else [],
        }
    )
