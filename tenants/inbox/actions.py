"""What staff ask the network to do to an item (reply, like, hide, delete): recorded first, done once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from tenants.errors import N_, Invalid
from tenants.inbox.items import get_item
from tenants.inbox.response_times import stamp_durations
from tenants.inbox.saved_replies import render_saved_reply, use_saved_reply
from tenants.models import Client, InboxAction, InboxItem, User
from tenants.models.base import utcnow
from tenants.networks import facts, inbox_actions, text_length
from tenants.services import audit

ACTIONS = ("reply", "like", "hide", "unhide", "delete")
# What each action needs the network to offer (replies need nothing: every inbox network takes them).
_CAPABILITY = {"like": "inbox_like", "hide": "inbox_hide", "unhide": "inbox_hide", "delete": "inbox_delete"}
# Replies the network can tell apart from a second copy; elsewhere a lost answer waits for a person.
_SAFE_REPLY_RETRY = frozenset({"facebook", "instagram", "x", "mastodon", "bluesky"})
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class DueAction:
    """An action waiting for the worker."""

    action_id: int
    agency_id: int
    client_id: int


def available_actions(item: InboxItem) -> tuple[str, ...]:
    """The actions this item's network offers for it."""
    offered = inbox_actions(item.network, item.kind)
    names = ["reply"] if item.deleted_at is None else []
    for name in ("like", "hide", "delete"):
        if _CAPABILITY[name] in offered and item.deleted_at is None:
            names.append(name)
    return tuple(names)


def request_action(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    item_id: int,
    action: str,
    user: User | None,
    request_key: str,
    text: str = "",
    saved_reply_id: int | None = None,
) -> InboxAction:
    """Record the action for the worker; the same request key again returns the first action, not a second."""
    item = get_item(session=session, agency_id=agency_id, client_id=client_id, item_id=item_id)
    request_key = request_key.strip()[:64]
    if not request_key:
        raise Invalid(N_("The request has no key; reload the page and try again."), field="request_key")
    existing = session.scalar(
        select(InboxAction).where(InboxAction.item_id == item.id, InboxAction.request_key == request_key)
    )
    if existing is not None:
        return existing
    wanted = "hide" if action == "unhide" else action
    if action not in ACTIONS or wanted not in available_actions(item):
        raise Invalid(
            N_("%(network)s does not allow this here."), field="action", network=facts(item.network).name
        )
    if action == "reply":
        text = _reply_text(session, item, text, saved_reply_id)
    record = InboxAction(
        agency_id=agency_id,
        client_id=client_id,
        item_id=item.id,
        action=action,
        text=text if action == "reply" else "",
        request_key=request_key,
        user_id=user.id if user else None,
        saved_reply_id=saved_reply_id if action == "reply" else None,
    )
    session.add(record)
    session.flush()
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        actor=user,
        action=f"inbox.{action}",
        target_type="inbox_item",
        target_id=item.id,
    )
    return record


def _reply_text(session: Session, item: InboxItem, text: str, saved_reply_id: int | None) -> str:
    if saved_reply_id is not None:
        saved = use_saved_reply(
            session=session, agency_id=item.agency_id, client_id=item.client_id, saved_reply_id=saved_reply_id
        )
        if not text.strip():
            client = session.get(Client, item.client_id)
            text = render_saved_reply(saved.text, item=item, brand=client.name if client else "")
    text = text.strip()
    if not text:
        raise Invalid(N_("Write a reply first."), field="text")
    limit = facts(item.network).text_limit
    if text_length(item.network, text) > limit:
        raise Invalid(N_("The reply is longer than %(limit)s characters."), field="text", limit=limit)
    return text


def start_action(*, session: Session, action_id: int, now: datetime | None = None) -> InboxAction | None:
    """Claim a pending action for one worker (a guarded update); None when it is not due or already taken."""
    now = now or utcnow()
    claimed = session.execute(
        update(InboxAction)
        .where(
            InboxAction.id == action_id,
            InboxAction.status == "pending",
            or_(InboxAction.next_attempt_at.is_(None), InboxAction.next_attempt_at <= now),
        )
        .values(status="sending", started_at=now, attempts=InboxAction.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return None
    action = session.get(InboxAction, action_id)
    session.refresh(action)
    return action


def record_done(
    *, session: Session, action: InboxAction, remote_id: str | None, now: datetime | None = None
) -> None:
    """The network confirmed: mark the action sent and the item answered, liked, hidden or deleted."""
    now = now or utcnow()
    action.status = "sent"
    action.remote_id = remote_id
    action.done_at = now
    action.error_class = action.error_message = None
    item = session.get(InboxItem, action.item_id)
    if item is None:
        return
    if action.action == "reply":
        item.first_response_at = item.first_response_at or now
        if item.status == "open":
            item.status = "pending"
    elif action.action == "like":
        item.liked = True
    elif action.action in ("hide", "unhide"):
        item.hidden = action.action == "hide"
    elif action.action == "delete":
        item.deleted_at = now
        item.status, item.closed_at = "closed", item.closed_at or now
    item.updated_at = now
    if action.action in ("reply", "delete"):
        stamp_durations(session=session, item=item)


def record_retry(
    *,
    session: Session,
    action: InboxAction,
    reason: str,
    retry_at: datetime | None,
    now: datetime | None = None,
) -> None:
    """Not done yet: back in line for `retry_at` (else a growing backoff); gives up after MAX_ATTEMPTS."""
    now = now or utcnow()
    if action.attempts >= MAX_ATTEMPTS:
        record_failed(session=session, action=action, error_class="retry_later", reason=reason)
        return
    action.status = "pending"
    action.error_class, action.error_message = "retry_later", reason[:1000]
    action.next_attempt_at = retry_at or now + timedelta(seconds=min(30 * 2**action.attempts, 3600))


def record_failed(*, session: Session, action: InboxAction, error_class: str, reason: str) -> None:
    """The network refused (or a person must reconnect): the action will not be tried again."""
    action.status = "failed"
    action.error_class, action.error_message = error_class, reason[:1000]
    action.done_at = utcnow()


def record_unknown(
    *, session: Session, action: InboxAction, reason: str, now: datetime | None = None
) -> None:
    """The answer was lost: retry where the network can tell a copy apart, else ask a person to check."""
    item = session.get(InboxItem, action.item_id)
    if action.action != "reply" or (item is not None and item.network in _SAFE_REPLY_RETRY):
        record_retry(session=session, action=action, reason=reason, retry_at=None, now=now)
        return
    action.status = "unknown"
    action.error_class, action.error_message = "unknown", reason[:1000]


def recover_stuck(*, session: Session, after: timedelta, now: datetime | None = None) -> int:
    """Actions left 'sending' by a worker that died: treated as a lost answer."""
    now = now or utcnow()
    stuck = session.scalars(
        select(InboxAction).where(InboxAction.status == "sending", InboxAction.started_at < now - after)
    ).all()
    for action in stuck:
        record_unknown(session=session, action=action, reason="The worker stopped during the call.", now=now)
    return len(stuck)


def due_actions(*, session: Session, now: datetime | None = None, limit: int = 1000) -> list[DueAction]:
    """Pending actions whose time has come (the periodic sweep re-queues them after a Redis outage)."""
    now = now or utcnow()
    rows = session.execute(
        select(InboxAction.id, InboxAction.agency_id, InboxAction.client_id)
        .where(
            InboxAction.status == "pending",
            or_(InboxAction.next_attempt_at.is_(None), InboxAction.next_attempt_at <= now),
        )
        .order_by(InboxAction.id)
        .limit(limit)
    ).all()
    return [DueAction(*row) for row in rows]


def actions_of(*, session: Session, agency_id: int, client_id: int, item_id: int) -> list[InboxAction]:
    """An item's actions, oldest first (the thread shows replies and their state)."""
    return list(
        session.scalars(
            select(InboxAction)
            .where(
                InboxAction.agency_id == agency_id,
                InboxAction.client_id == client_id,
                InboxAction.item_id == item_id,
            )
            .order_by(InboxAction.id)
        )
    )
