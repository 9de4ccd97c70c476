"""API endpoints for the inbox: list a client's items, read and triage one, reply to it (queued, once)."""

from __future__ import annotations

import secrets

from flask import Response, jsonify, request

from tenants.errors import N_, Invalid
from tenants.inbox import actions, items, triage
from tenants.inbox.items import InboxFilter
from tenants.models import Client, InboxAction, InboxItem
from web.api.auth import token_required
from web.api.views import _agency_client, _json_body, bp
from web.context import db, redis
from worker.jobs.inbox_actions import enqueue_requested_action

MAX_LIMIT = 200


def item_as_dict(item: InboxItem, tags: list[str] | None = None) -> dict:
    """An item as the API shows it (text as received: escape it wherever it is rendered)."""
    return {
        "id": item.id,
        "client_id": item.client_id,
        "account_id": item.account_id,
        "network": item.network,
        "kind": item.kind,
        "remote_id": item.remote_id,
        "thread_key": item.thread_key,
        "post_remote_id": item.post_remote_id,
        "author": {"id": item.author_id, "handle": item.author_handle, "name": item.author_name},
        "text": item.text,
        "created_at": item.created_at.isoformat(),
        "received_at": item.received_at.isoformat(),
        "status": item.status,
        "assignee_id": item.assignee_id,
        "sentiment": item.sentiment,
        "sentiment_score": round(item.sentiment_score, 3),
        "language": item.language,
        "is_question": item.is_question,
        "priority": item.priority,
        "first_response_due_at": _iso(item.first_response_due_at),
        "first_response_at": _iso(item.first_response_at),
        "resolution_due_at": _iso(item.resolution_due_at),
        "closed_at": _iso(item.closed_at),
        "overdue": items.is_overdue(item),
        "hidden": item.hidden,
        "liked": item.liked,
        "deleted": item.deleted_at is not None,
        "tags": tags or [],
    }


def action_as_dict(action: InboxAction) -> dict:
    """A queued action and how it went."""
    return {
        "id": action.id,
        "item_id": action.item_id,
        "action": action.action,
        "text": action.text,
        "status": action.status,
        "remote_id": action.remote_id,
        "error": action.error_message,
        "created_at": action.created_at.isoformat(),
        "done_at": _iso(action.done_at),
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _item(item_id: int) -> tuple[Client, InboxItem]:
    found = db().get(InboxItem, item_id)
    client = _agency_client(found.client_id if found else 0)
    return client, items.get_item(
        session=db(), agency_id=client.agency_id, client_id=client.id, item_id=item_id
    )


def _tags(item_ids: list[int]) -> dict[int, list[str]]:
    return {k: [t.name for t in v] for k, v in triage.tags_by_item(session=db(), item_ids=item_ids).items()}


@bp.get("/clients/<int:client_id>/inbox")
@token_required
def list_inbox(client_id: int) -> Response:
    client = _agency_client(client_id)
    args = request.args
    try:
        limit = min(max(int(args.get("limit", items.PAGE_SIZE)), 1), MAX_LIMIT)
    except ValueError as exc:
        raise Invalid(N_("limit must be a number."), field="limit") from exc
    filters = InboxFilter(
        status=args.get("status", ""),
        network=args.get("network", ""),
        kind=args.get("type", "") or args.get("kind", ""),
        sentiment=args.get("sentiment", ""),
        assignee_id=args.get("assignee_id", type=int),
        tag_id=args.get("tag_id", type=int),
        overdue=args.get("overdue") in ("1", "true"),
    )
    page = items.list_items(
        session=db(),
        agency_id=client.agency_id,
        client_ids=[client.id],
        filters=filters,
        cursor=args.get("cursor") or None,
        limit=limit,
    )
    tags = _tags([i.id for i in page.items])
    return jsonify(
        {"data": [item_as_dict(i, tags.get(i.id)) for i in page.items], "next_cursor": page.next_cursor}
    )


@bp.get("/inbox/<int:item_id>")
@token_required
def get_inbox_item(item_id: int) -> Response:
    client, item = _item(item_id)
    body = item_as_dict(item, _tags([item.id]).get(item.id))
    body["actions"] = [
        action_as_dict(a)
        for a in actions.actions_of(
            session=db(), agency_id=client.agency_id, client_id=client.id, item_id=item.id
        )
    ]
    return jsonify(body)


@bp.patch("/inbox/<int:item_id>")
@token_required
def update_inbox_item(item_id: int) -> Response:
    client, item = _item(item_id)
    data = _json_body()
    unknown = set(data) - {"status", "assignee_id", "add_tags", "remove_tags"}
    if unknown:
        raise Invalid(N_("Unknown fields: %(names)s."), names=", ".join(sorted(unknown)))
    session = db()
    if "status" in data:
        triage.set_status(session=session, item=item, status=str(data["status"]), user=None)
    notified = []
    if "assignee_id" in data:
        assignee = data["assignee_id"]
        if assignee is not None and not isinstance(assignee, int):
            raise Invalid(N_("assignee_id must be a user id or null."), field="assignee_id")
        notified = triage.assign(session=session, item=item, assignee_id=assignee, user=None)
    for name in _names(data.get("add_tags")):
        tag = triage.get_or_create_tag(
            session=session, agency_id=client.agency_id, client_id=client.id, name=name
        )
        triage.tag_item(session=session, item=item, tag=tag)
    current = {
        t.name: t.id
        for t in triage.list_tags(session=session, agency_id=client.agency_id, client_id=client.id)
    }
    for name in _names(data.get("remove_tags")):
        if name.strip().lower() in current:
            triage.untag_item(session=session, item=item, tag_id=current[name.strip().lower()])
    session.commit()
    if notified:
        from web.mailer import send_notification_mails

        send_notification_mails(notified)
    return jsonify(item_as_dict(item, _tags([item.id]).get(item.id)))


def _names(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(N_("Tags must be a list of names."))
    return value


@bp.post("/inbox/<int:item_id>/reply")
@token_required
def reply_to_item(item_id: int) -> tuple[Response, int]:
    client, item = _item(item_id)
    data = _json_body()
    # With a key a resent call finds the first reply; without one every call is a new reply.
    key = request.headers.get("Idempotency-Key") or data.get("idempotency_key") or secrets.token_urlsafe(16)
    saved = data.get("saved_reply_id")
    if saved is not None and not isinstance(saved, int):
        raise Invalid(N_("saved_reply_id must be an id."), field="saved_reply_id")
    action = actions.request_action(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        item_id=item.id,
        action="reply",
        user=None,
        request_key=str(key),
        text=str(data.get("text", "")),
        saved_reply_id=saved,
    )
    db().commit()
    if action.status == "pending":
        enqueue_requested_action(redis(), action)
    return jsonify(action_as_dict(action)), 202
