"""Replies and other actions on inbox items, through the real job, connectors and sandbox: one reply per
request whatever is clicked twice, lost or crashed; refusals are kept and told to their author."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.inbox import actions
from tenants.models import InboxAction, InboxItem, Notification, User, utcnow
from tests.worker.test_inbox_sync import publish_linkedin_post
from tests.workers import drain
from worker.jobs.inbox_actions import enqueue_due_actions, perform_inbox_action
from worker.jobs.inbox_sync import enqueue_due_syncs
from worker.queues import redis_connection


def _sync(settings) -> None:
    connection = redis_connection(settings.redis_url)
    enqueue_due_syncs(connection)
    drain("inbox", connection=connection)


def _item(session, network: str, kind: str | None = None) -> InboxItem:
    session.expire_all()
    query = select(InboxItem).where(InboxItem.network == network).order_by(InboxItem.id)
    if kind:
        query = query.where(InboxItem.kind == kind)
    item = session.scalars(query).first()
    assert item is not None, f"no {network} item synced"
    return item


def _staff(session, client) -> User:
    """The demo agency's owner."""
    return session.scalars(select(User).order_by(User.id)).first()


def _reply(session, item: InboxItem, text: str, *, key: str, user: User | None = None) -> InboxAction:
    """A reply asked for as the thread's form asks for it (one request key per form)."""
    return actions.request_action(
        session=session,
        agency_id=item.agency_id,
        client_id=item.client_id,
        item_id=item.id,
        action="reply",
        user=user,
        request_key=key,
        text=text,
    )


def _replies(sandbox, network: str, text: str) -> list[dict]:
    return [p for p in sandbox.published(network) if p["text"] == text]


@pytest.mark.parametrize("network", ["facebook", "instagram", "x", "mastodon", "bluesky", "linkedin"])
def test_a_reply_reaches_the_network_once_even_when_asked_twice(network, demo, sandbox, session, worker_env):
    client, accounts = demo
    if network == "linkedin":
        publish_linkedin_post(worker_env, session, accounts["linkedin"])
    sandbox.tick(steps=30)
    _sync(worker_env)
    item = _item(session, network)
    text = f"Grazie del messaggio! ({network})"
    first = _reply(session, item, text, key="form-1", user=_staff(session, client))
    again = _reply(session, item, text, key="form-1", user=_staff(session, client))
    session.commit()
    assert again.id == first.id
    outcome = perform_inbox_action(first.id)
    session.expire_all()
    assert outcome == "sent", (item.kind, item.remote_id, session.get(InboxAction, first.id).error_message)
    assert perform_inbox_action(first.id) == "skipped"
    session.expire_all()
    done = session.get(InboxAction, first.id)
    assert done.status == "sent" and done.remote_id
    assert len(_replies(sandbox, network, text)) == 1
    item = session.get(InboxItem, item.id)
    assert item.first_response_at is not None and item.status == "pending"


@pytest.mark.parametrize(
    ("network", "kind"),
    [
        ("facebook", "comment"),
        ("facebook", "dm"),
        ("instagram", "comment"),
        ("x", "mention"),
        ("x", "dm"),
        ("mastodon", "mention"),
        ("mastodon", "dm"),
        ("bluesky", "mention"),
    ],
)
def test_a_lost_answer_is_retried_without_a_second_reply(network, kind, demo, sandbox, session, worker_env):
    client, _accounts = demo
    sandbox.tick(steps=30)
    _sync(worker_env)
    item = _item(session, network, kind)
    text = f"Ci scusiamo per l'attesa ({network} {kind})"
    action = _reply(session, item, text, key="lost", user=None)
    session.commit()
    sandbox.fault(network, "response_lost", times=1, write_only=True)
    assert perform_inbox_action(action.id) in ("unknown", "retry_later")
    session.expire_all()
    action = session.get(InboxAction, action.id)
    assert action.status == "pending"
    action.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert perform_inbox_action(action.id) == "sent"
    assert len(_replies(sandbox, network, text)) == 1


def test_linkedin_lost_answer_waits_for_a_person(demo, sandbox, session, worker_env):
    client, accounts = demo
    publish_linkedin_post(worker_env, session, accounts["linkedin"])
    sandbox.tick(steps=30)
    _sync(worker_env)
    item = _item(session, "linkedin")
    action = _reply(session, item, "Thanks!", key="lost", user=None)
    session.commit()
    sandbox.fault("linkedin", "response_lost", times=1, write_only=True)
    assert perform_inbox_action(action.id) == "unknown"
    session.expire_all()
    assert session.get(InboxAction, action.id).status == "unknown"
    assert enqueue_due_actions(redis_connection(worker_env.redis_url)) == 0


def test_a_worker_that_died_while_sending_does_not_cause_a_second_reply(demo, sandbox, session, worker_env):
    client, _accounts = demo
    sandbox.tick(steps=30)
    _sync(worker_env)
    item = _item(session, "mastodon")
    action = _reply(session, item, "Eccoci!", key="crash", user=None)
    session.commit()
    # The reply went out, then the worker died before recording it: the row still says "sending".
    assert perform_inbox_action(action.id) == "sent"
    session.expire_all()
    action = session.get(InboxAction, action.id)
    action.status, action.started_at, action.remote_id = "sending", utcnow() - timedelta(hours=1), None
    session.commit()
    connection = redis_connection(worker_env.redis_url)
    # The sweep finds it stuck and puts it back in line, to be retried after a pause.
    assert enqueue_due_actions(connection) == 0
    session.expire_all()
    action = session.get(InboxAction, action.id)
    assert action.status == "pending" and action.next_attempt_at > utcnow()
    action.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert enqueue_due_actions(connection) == 1
    drain("inbox", connection=connection)
    session.expire_all()
    assert session.get(InboxAction, action.id).status == "sent"
    assert len(_replies(sandbox, "mastodon", "Eccoci!")) == 1


def test_a_rejected_reply_is_kept_failed_and_told_to_its_author(demo, sandbox, session, worker_env):
    client, _accounts = demo
    sandbox.tick(steps=30)
    _sync(worker_env)
    item = _item(session, "x")
    author = _staff(session, client)
    action = _reply(session, item, "Ciao", key="refused", user=author)
    session.commit()
    sandbox.fault("x", "error", status=400, times=1)
    assert perform_inbox_action(action.id) == "rejected"
    session.expire_all()
    failed = session.get(InboxAction, action.id)
    assert failed.status == "failed" and failed.error_message
    assert session.scalars(
        select(Notification).where(
            Notification.user_id == author.id, Notification.kind == "inbox.reply_failed"
        )
    ).first()
