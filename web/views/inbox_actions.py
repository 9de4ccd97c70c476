"""Inbox buttons: reply, like/hide/delete, status, assign, note, tag, bulk, sync now, acknowledge a crisis.

Each is a POST form calling one service; then commit, queue what goes to the network, flash and redirect.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from redis import RedisError
from werkzeug.wrappers import Response

from tenants.errors import DomainError, Forbidden, NotFound
from tenants.inbox import actions, alerts, sync_state, triage
from tenants.models import Client
from tenants.permissions import Perm
from web.context import db, redis
from web.mailer import send_notification_mails
from web.tenancy import client_view
from web.views.helpers import safe_next, translate
from web.views.inbox import load_item
from worker.jobs.inbox_actions import enqueue_requested_action
from worker.jobs.inbox_sync import enqueue_sync

bp = Blueprint("inbox_actions", __name__, url_prefix="/c/<client_slug>/inbox")


def _back(client: Client, item_id: int | None = None) -> Response:
    if item_id is None:
        default = url_for("inbox.client_inbox", client_slug=client.slug)
    else:
        default = url_for("inbox.thread", client_slug=client.slug, item_id=item_id)
    return redirect(safe_next(request.form.get("next"), default))


def _run(client: Client, item_id: int | None, step: Callable[[], object], done: str) -> Response:
    """Run one service call: 404 for access errors, a flash for the others; commit on success."""
    try:
        result = step()
        db().commit()
    except (Forbidden, NotFound) as exc:
        db().rollback()
        abort(exc.status)
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
        return _back(client, item_id)
    if isinstance(result, list) and result:
        send_notification_mails(result)
    flash(done, "success")
    return _back(client, item_id)


def _request_action(client: Client, item_id: int, action: str) -> Response:
    item = load_item(client, item_id)
    recorded: list = []

    def step() -> None:
        recorded.append(
            actions.request_action(
                session=db(),
                agency_id=client.agency_id,
                client_id=client.id,
                item_id=item.id,
                action=action,
                user=current_user,
                request_key=request.form.get("request_key", ""),
                text=request.form.get("text", ""),
                saved_reply_id=request.form.get("saved_reply_id", type=int),
            )
        )

    response = _run(
        client, item.id, step, _("Sent to the network; it shows as pending until the network confirms.")
    )
    if recorded and recorded[0].status == "pending":
        enqueue_requested_action(redis(), recorded[0])
    return response


@bp.post("/<int:item_id>/reply")
@client_view(Perm.INBOX_REPLY)
def reply(client: Client, item_id: int):
    return _request_action(client, item_id, "reply")


@bp.post("/<int:item_id>/act")
@client_view(Perm.INBOX_REPLY)
def act(client: Client, item_id: int):
    action = request.form.get("action", "")
    if action == "reply" or action not in actions.ACTIONS:
        abort(400)
    return _request_action(client, item_id, action)


@bp.post("/<int:item_id>/status")
@client_view(Perm.INBOX_REPLY)
def set_status(client: Client, item_id: int):
    item = load_item(client, item_id)
    status = request.form.get("status", "")
    return _run(
        client,
        item.id,
        lambda: triage.set_status(session=db(), item=item, status=status, user=current_user),
        _("Status changed."),
    )


@bp.post("/<int:item_id>/assign")
@client_view(Perm.INBOX_REPLY)
def assign(client: Client, item_id: int):
    item = load_item(client, item_id)
    assignee = request.form.get("assignee_id", type=int)
    return _run(
        client,
        item.id,
        lambda: triage.assign(session=db(), item=item, assignee_id=assignee, user=current_user),
        _("Assignment saved."),
    )


@bp.post("/<int:item_id>/note")
@client_view(Perm.INBOX_REPLY)
def note(client: Client, item_id: int):
    item = load_item(client, item_id)
    text = request.form.get("text", "")
    return _run(
        client,
        item.id,
        lambda: triage.add_note(session=db(), item=item, text=text, user=current_user)[1],
        _("Note added."),
    )


@bp.post("/<int:item_id>/tag")
@client_view(Perm.INBOX_REPLY)
def tag(client: Client, item_id: int):
    item = load_item(client, item_id)

    def step() -> None:
        found = triage.get_or_create_tag(
            session=db(), agency_id=client.agency_id, client_id=client.id, name=request.form.get("tag", "")
        )
        triage.tag_item(session=db(), item=item, tag=found)

    return _run(client, item.id, step, _("Tag added."))


@bp.post("/<int:item_id>/untag")
@client_view(Perm.INBOX_REPLY)
def untag(client: Client, item_id: int):
    item = load_item(client, item_id)
    tag_id = request.form.get("tag_id", type=int) or 0
    return _run(
        client, item.id, lambda: triage.untag_item(session=db(), item=item, tag_id=tag_id), _("Tag removed.")
    )


@bp.post("/bulk")
@client_view(Perm.INBOX_REPLY)
def bulk(client: Client):
    item_ids = [int(v) for v in request.form.getlist("item_ids") if v.isdigit()]
    if not item_ids:
        flash(_("Choose some items first."), "error")
        return _back(client)
    assignee = request.form.get("assignee_id", "")

    def step() -> int:
        return triage.bulk_update(
            session=db(),
            agency_id=client.agency_id,
            client_id=client.id,
            item_ids=item_ids,
            user=current_user,
            status=request.form.get("status") or None,
            assignee_id=int(assignee) if assignee.isdigit() else None,
            unassign=assignee == "none",
            tag_name=request.form.get("tag") or None,
        )

    return _run(client, None, step, _("The chosen items are updated."))


@bp.post("/sync")
@client_view(Perm.INBOX_REPLY)
def sync_now(client: Client):
    due = sync_state.sync_now(session=db(), agency_id=client.agency_id, client_id=client.id)
    db().commit()
    try:
        for item in due:
            enqueue_sync(
                redis(),
                account_id=item.account_id,
                kind=item.kind,
                agency_id=item.agency_id,
                client_id=item.client_id,
            )
    except RedisError:
        pass  # the periodic sweep queues them: they are due in the database
    flash(_("Cadenza is reading the client's accounts now."), "success")
    return _back(client)


@bp.post("/crisis/<int:alert_id>/acknowledge")
@client_view(Perm.INBOX_REPLY)
def acknowledge_crisis(client: Client, alert_id: int):
    return _run(
        client,
        None,
        lambda: alerts.acknowledge(
            session=db(),
            agency_id=client.agency_id,
            client_id=client.id,
            alert_id=alert_id,
            user=current_user,
        ),
        _("Crisis alert acknowledged."),
    )
