"""The inbox pages: a client's inbox, the agency-wide one (filters, live updates), one item's thread."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from tenants.errors import DomainError
from tenants.inbox import actions, alerts, items, saved_replies, sync_state, triage
from tenants.inbox.items import InboxFilter
from tenants.inbox.people import inbox_team
from tenants.models import Client, InboxItem
from tenants.networks import NETWORKS
from tenants.permissions import Perm
from tenants.services.access import visible_client_ids, visible_clients_query
from web.context import db
from web.tenancy import agency_view, client_view
from web.views.composer_state import format_local, network_name

bp = Blueprint("inbox", __name__)


def filters_from_args() -> InboxFilter:
    """The filters in the query string: open items unless asked otherwise (unknown values answer 400)."""
    args = request.args
    return InboxFilter(
        status="" if args.get("status") == "all" else args.get("status", "open"),
        network=args.get("network", "") if args.get("network", "") in NETWORKS else "",
        kind=args.get("kind", ""),
        sentiment=args.get("sentiment", ""),
        assignee_id=args.get("assignee", type=int),
        unassigned=args.get("assignee") == "none",
        tag_id=args.get("tag", type=int),
        overdue=args.get("overdue") == "1",
        search=args.get("q", "")[:100],
    )


def labels() -> dict[str, dict[str, str]]:
    """Statuses, kinds and sentiments in the reader's language."""
    return {
        "status": {"open": _("Open"), "pending": _("Pending"), "closed": _("Closed")},
        "kind": {"comment": _("Comment"), "mention": _("Mention"), "dm": _("Direct message")},
        "sentiment": {"positive": _("Positive"), "neutral": _("Neutral"), "negative": _("Negative")},
        "action": {
            "reply": _("Reply"),
            "like": _("Like"),
            "hide": _("Hide"),
            "unhide": _("Show again"),
            "delete": _("Delete"),
        },
        "action_status": {
            "pending": _("Pending"),
            "sending": _("Sending"),
            "sent": _("Sent"),
            "failed": _("Not sent"),
            "unknown": _("Check on the network"),
        },
        "priority": {"0": _("Low"), "1": _("Normal"), "2": _("High"), "3": _("Urgent")},
    }


def _page_context(client_ids: list[int], clients_by_id: dict[int, Client], filters: InboxFilter) -> dict:
    session = db()
    page = items.list_items(
        session=session,
        agency_id=g.membership.agency_id,
        client_ids=client_ids,
        filters=filters,
        cursor=request.args.get("cursor") or None,
    )
    return {
        "page": page,
        "tags": triage.tags_by_item(session=session, item_ids=[i.id for i in page.items]),
        "clients_by_id": clients_by_id,
        "filters": filters,
        "labels": labels(),
        "networks": NETWORKS,
        "network_name": network_name,
        "is_overdue": items.is_overdue,
        "newest_id": items.latest_id(
            session=session, agency_id=g.membership.agency_id, client_ids=client_ids
        ),
        "older_url": url_for(
            request.endpoint,
            **(request.view_args or {}),
            **{**request.args.to_dict(), "cursor": page.next_cursor},
        )
        if page.next_cursor
        else None,
    }


def _format(client: Client | None):
    timezone = client.timezone if client else "UTC"
    return lambda moment: format_local(moment, timezone, "%d/%m %H:%M")


@bp.get("/c/<client_slug>/inbox")
@client_view(Perm.INBOX_VIEW)
def client_inbox(client: Client):
    try:
        filters = filters_from_args().validated()
        context = _page_context([client.id], {client.id: client}, filters)
    except DomainError:
        abort(400)
    session = db()
    return render_template(
        "inbox/list.html",
        client=client,
        team=inbox_team(session=session, agency_id=client.agency_id, client_id=client.id),
        client_tags=triage.list_tags(session=session, agency_id=client.agency_id, client_id=client.id),
        sync=sync_state.sync_overview(session=session, agency_id=client.agency_id, client_id=client.id),
        crisis=alerts.open_alert(session=session, agency_id=client.agency_id, client_id=client.id),
        live_url=request.path + "/live",
        format_time=_format(client),
        request_key=secrets.token_urlsafe(16),
        **context,
    )


@bp.get("/inbox")
@agency_view(Perm.INBOX_VIEW)
def agency_inbox():
    session = db()
    clients = list(session.scalars(visible_clients_query(membership=g.membership, include_archived=False)))
    clients_by_id = {c.id: c for c in clients}
    wanted = request.args.get("client", type=int)
    client_ids = [wanted] if wanted in clients_by_id else list(clients_by_id)
    try:
        filters = filters_from_args().validated()
        context = _page_context(client_ids, clients_by_id, filters)
    except DomainError:
        abort(400)
    return render_template(
        "inbox/list.html",
        client=None,
        clients=clients,
        chosen_client=wanted,
        team=[],
        client_tags=[],
        sync=[],
        crisis=None,
        live_url=request.path + "/live",
        format_time=_format(None),
        request_key="",
        **context,
    )


def _live(client_ids: list[int], clients_by_id: dict[int, Client], client: Client | None):
    after = request.args.get("after", 0, type=int)
    try:
        filters = filters_from_args().validated()
    except DomainError:
        abort(400)
    session = db()
    fresh = items.newer_than(
        session=session,
        agency_id=g.membership.agency_id,
        client_ids=client_ids,
        after_id=after,
        filters=filters,
    )
    html = render_template(
        "inbox/_rows.html",
        rows=fresh,
        client=client,
        clients_by_id=clients_by_id,
        tags=triage.tags_by_item(session=session, item_ids=[i.id for i in fresh]),
        labels=labels(),
        network_name=network_name,
        is_overdue=items.is_overdue,
        format_time=_format(client),
    )
    return jsonify({"count": len(fresh), "newest_id": max([after, *(i.id for i in fresh)]), "html": html})


@bp.get("/c/<client_slug>/inbox/live")
@client_view(Perm.INBOX_VIEW)
def client_live(client: Client):
    return _live([client.id], {client.id: client}, client)


@bp.get("/inbox/live")
@agency_view(Perm.INBOX_VIEW)
def agency_live():
    session = db()
    ids = visible_client_ids(session=session, membership=g.membership)
    wanted = request.args.get("client", type=int)
    ids = [wanted] if wanted in ids else ids
    clients_by_id = {c.id: c for c in session.scalars(visible_clients_query(membership=g.membership))}
    return _live(ids, clients_by_id, None)


def load_item(client: Client, item_id: int) -> InboxItem:
    """The client's item or 404."""
    try:
        return items.get_item(session=db(), agency_id=client.agency_id, client_id=client.id, item_id=item_id)
    except DomainError:
        abort(404)


@bp.get("/c/<client_slug>/inbox/<int:item_id>")
@client_view(Perm.INBOX_VIEW)
def thread(client: Client, item_id: int):
    session = db()
    item = load_item(client, item_id)
    scope = {"agency_id": client.agency_id, "client_id": client.id}
    item_actions = actions.actions_of(session=session, item_id=item.id, **scope)
    return render_template(
        "inbox/thread.html",
        client=client,
        item=item,
        thread=items.thread_of(session=session, item=item),
        history=items.author_history(session=session, item=item),
        post=items.post_of(session=session, item=item),
        notes=triage.notes_of(session=session, item=item),
        item_tags=triage.tags_by_item(session=session, item_ids=[item.id]).get(item.id, []),
        client_tags=triage.list_tags(session=session, **scope),
        item_actions=item_actions,
        pending=any(a.status in ("pending", "sending") for a in item_actions),
        available=actions.available_actions(item),
        saved=saved_replies.list_saved_replies(session=session, **scope),
        filled={
            s.id: saved_replies.render_saved_reply(s.text, item=item, brand=client.name)
            for s in saved_replies.list_saved_replies(session=session, **scope)
        },
        team=inbox_team(session=session, **scope),
        labels=labels(),
        network_name=network_name,
        is_overdue=items.is_overdue,
        format_time=lambda moment: format_local(moment, client.timezone, "%d/%m/%Y %H:%M"),
        request_key=secrets.token_urlsafe(16),
    )


@bp.get("/c/<client_slug>/inbox/<int:item_id>/actions")
@client_view(Perm.INBOX_VIEW)
def thread_actions(client: Client, item_id: int):
    """The item's actions as JSON, polled while a reply waits for the network."""
    item = load_item(client, item_id)
    rows = actions.actions_of(session=db(), agency_id=client.agency_id, client_id=client.id, item_id=item.id)
    names = labels()
    return jsonify(
        {
            "status": item.status,
            "done": all(a.status not in ("pending", "sending") for a in rows),
            "actions": [
                {
                    "id": a.id,
                    "status": a.status,
                    "label": names["action_status"].get(a.status, a.status),
                    "error": a.error_message or "",
                }
                for a in rows
            ],
        }
    )
