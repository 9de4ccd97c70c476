"""The editorial calendar: a client's month, week and list, the agency-wide view, moving posts, slots."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from tenants.errors import N_, DomainError, Invalid, NotFound
from tenants.models import Client, Post
from tenants.models.posts import POST_STATUSES
from tenants.networks import NETWORKS
from tenants.permissions import Perm, is_client_role
from tenants.services import calendar, calendar_slots, clients, local_time, social_accounts
from tenants.services.posts import CLIENT_VISIBLE_STATUSES
from web.context import db
from web.tenancy import agency_view, client_view
from web.views.helpers import safe_next, translate
from web.views.post_labels import shown_post_status
from web.views.publish_panel import web_url

bp = Blueprint("calendar", __name__)
WEEKDAYS = range(7)


def status_label(status: str) -> str:
    """A post status in the user's language."""
    labels = {
        "draft": _("Draft"),
        "in_review": _("In review"),
        "awaiting_client": _("Awaiting client"),
        "approved": _("Approved"),
        "scheduled": _("Scheduled"),
        "published": _("Published"),
        "failed": _("Failed"),
        "not_published": _("Not published yet"),
        "taken_down": _("Deleted from the networks"),
    }
    return labels.get(status, status)


def weekday_label(weekday: int) -> str:
    """A weekday's name (0 = Monday) in the user's language."""
    return format_date(date(2024, 1, 1 + weekday), "EEEE")


def _page(template: str, client: Client | None, timezone: str, filters: calendar.Filters, **extra: Any):
    statuses = POST_STATUSES
    if is_client_role(g.membership.role):
        # A failed post shows as not published yet to client contacts: no filter to single it out either.
        statuses = tuple(s for s in CLIENT_VISIBLE_STATUSES if s != "failed")
        filters = replace(filters, status=filters.status if filters.status in statuses else None)
    view = request.args.get("view", "month")
    page = calendar.calendar_page(
        session=db(),
        membership=g.membership,
        view=view,
        day=calendar.parse_day(request.args.get("date"), timezone),
        filters=filters,
        timezone=timezone,
        client=client,
    )
    return render_template(
        template,
        client=client,
        page=page,
        filters=filters,
        networks=NETWORKS,
        statuses=statuses,
        status_label=status_label,
        shown_post_status=shown_post_status,
        web_url=web_url,
        weekday_label=weekday_label,
        query={k: v for k, v in request.args.items() if k in ("network", "pillar", "status", "client")},
        **extra,
    )


@bp.get("/c/<client_slug>/calendar")
@client_view()
def show(client: Client):
    filters = calendar.clean_filters(request.args)
    return _page("calendar/client.html", client, client.timezone, filters)


@bp.get("/calendar")
@agency_view(Perm.CLIENT_VIEW)
def agency():
    filters = calendar.clean_filters(request.args)
    timezone = calendar.page_timezone(session=db(), membership=g.membership, filters=filters)
    try:
        return _page("calendar/agency.html", None, timezone, filters, clients=_clients())
    except NotFound:
        abort(404)


def _clients() -> list[Client]:
    return clients.list_clients(session=db(), membership=g.membership, include_archived=True)


def _wants_page() -> bool:
    """The no-JavaScript forms ask for a page back; scripts get JSON."""
    return bool(request.form.get("fallback"))


def _back(client: Client, day: date | None = None) -> str:
    default = url_for("calendar.show", client_slug=client.slug, date=day.isoformat() if day else None)
    return safe_next(request.form.get("next"), default)


def _choice(exc: local_time.TimeChoiceNeeded, client: Client, day: date) -> dict[str, Any]:
    """The DST question in the user's language, with the two local times to pick from."""
    first, second = (local_time.to_local(o, client.timezone) for o in exc.options)
    asked, when = str(exc.params.get("local", ""))[-5:], format_date(day, "d MMMM")
    if exc.kind == "gap":
        message = _(
            "%(time)s does not exist on %(day)s (clocks go forward): %(first)s or %(second)s?",
            time=asked,
            day=when,
            first=first.strftime("%H:%M"),
            second=second.strftime("%H:%M"),
        )
        labels = (first.strftime("%H:%M"), second.strftime("%H:%M"))
    else:
        message = _(
            "%(time)s happens twice on %(day)s (clocks go back): first (%(first)s) or second (%(second)s)?",
            time=asked,
            day=when,
            first=first.strftime("%Z"),
            second=second.strftime("%Z"),
        )
        labels = (
            _("first, %(time)s %(zone)s", time=asked, zone=first.strftime("%Z")),
            _("second, %(time)s %(zone)s", time=asked, zone=second.strftime("%Z")),
        )
    options = [
        {"choice": choice, "label": label, "at": moment.isoformat()}
        for choice, label, moment in zip(local_time.CHOICES, labels, exc.options, strict=True)
    ]
    return {"code": exc.code, "kind": exc.kind, "message": message, "options": options}


def _failed(exc: DomainError, client: Client, post_id: int, day: date | None):
    """A refused move as JSON for the script, or as a page (or a flash) for the plain form."""
    if isinstance(exc, local_time.TimeChoiceNeeded) and day is not None:
        question = _choice(exc, client, day)
        if _wants_page():
            return render_template(
                "calendar/dst_choice.html", client=client, question=question, post_id=post_id, day=day
            ), 409
        return jsonify({"error": question}), 409
    if _wants_page():
        if isinstance(exc, NotFound):
            abort(404)
        flash(translate(exc), "error")
        return redirect(_back(client, day), code=303)
    body = {"code": exc.code, "message": translate(exc), "field": exc.field}
    return jsonify({"error": body}), exc.status


def _moved(client: Client, post: Post, message: str):
    local = local_time.to_local(post.scheduled_at, client.timezone)
    if _wants_page():
        flash(message, "success")
        return redirect(_back(client, local.date()), code=303)
    return jsonify(
        {
            "ok": True,
            "message": message,
            "post": {
                "id": post.id,
                "scheduled_at": post.scheduled_at.isoformat(),
                "date": local.date().isoformat(),
                "local": local.strftime("%Y-%m-%d %H:%M %Z"),
            },
        }
    )


@bp.post("/c/<client_slug>/posts/<int:post_id>/move")
@client_view(Perm.POSTS_WRITE)
def move(client: Client, post_id: int):
    try:
        day = date.fromisoformat(request.form.get("date", ""))
    except ValueError:
        return _failed(Invalid(N_("Pick a date."), field="date"), client, post_id, None)
    try:
        post = calendar_slots.move_post(
            session=db(),
            client=client,
            membership=g.membership,
            actor=current_user,
            post_id=post_id,
            day=day,
            dst_choice=request.form.get("dst_choice") or None,
        )
        db().commit()
    except DomainError as exc:
        db().rollback()
        return _failed(exc, client, post_id, day)
    local = local_time.to_local(post.scheduled_at, client.timezone)
    return _moved(client, post, _("Moved to %(when)s.", when=local.strftime("%d/%m/%Y %H:%M %Z")))


@bp.post("/c/<client_slug>/posts/<int:post_id>/next-slot")
@client_view(Perm.POSTS_WRITE)
def next_slot(client: Client, post_id: int):
    try:
        post = calendar_slots.assign_next_slot(
            session=db(), client=client, membership=g.membership, actor=current_user, post_id=post_id
        )
        db().commit()
    except DomainError as exc:
        db().rollback()
        return _failed(exc, client, post_id, None)
    local = local_time.to_local(post.scheduled_at, client.timezone)
    return _moved(
        client, post, _("Planned in the next free slot: %(when)s.", when=local.strftime("%d/%m/%Y %H:%M"))
    )


def _accounts(client: Client):
    return social_accounts.list_accounts(session=db(), agency_id=client.agency_id, client_id=client.id)


@bp.get("/c/<client_slug>/slots")
@client_view()
def slots(client: Client):
    current = calendar.list_slots(session=db(), client=client)
    table = {
        account.id: {
            day: ", ".join(
                calendar_slots.format_minute(s.minute)
                for s in current.get(account.id, [])
                if s.weekday == day
            )
            for day in WEEKDAYS
        }
        for account in _accounts(client)
    }
    return render_template(
        "calendar/slots.html",
        client=client,
        accounts=_accounts(client),
        table=table,
        weekdays=WEEKDAYS,
        weekday_label=weekday_label,
    )


@bp.post("/c/<client_slug>/slots")
@client_view(Perm.POSTS_WRITE)
def save_slots(client: Client):
    try:
        for account in _accounts(client):
            pairs = [
                (day, text)
                for day in WEEKDAYS
                for text in request.form.get(f"slots-{account.id}-{day}", "").replace(";", ",").split(",")
                if text.strip()
            ]
            calendar.set_slots(
                session=db(),
                client=client,
                membership=g.membership,
                actor=current_user,
                account_id=account.id,
                slots=pairs,
            )
        db().commit()
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
    else:
        flash(_("Time slots saved."), "success")
    return redirect(url_for("calendar.slots", client_slug=client.slug), code=303)
