"""Doing what staff asked on an inbox item (reply, like, hide, delete) at its network: one job per action.

The action row is committed before the network is called; the job claims it with a guarded update, so two
workers never send the same reply, and a lost answer is retried only where the network can spot a copy.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import structlog
from redis import Redis, RedisError
from sqlalchemy.orm import Session

from tenants.crypto import TokenCipher
from tenants.inbox import actions
from tenants.models import Client, InboxAction, InboxItem, SocialAccount, User
from tenants.services import notifications, social_accounts
from tenants.settings import Settings
from worker import rate_limits
from worker.accounts import connector_for_account, credentials_for
from worker.context import job_context
from worker.jobs.mail import enqueue_delivery_if_smtp
from worker.jobs.tokens import ready_to_call
from worker.networks.base import Connector
from worker.networks.errors import ConnectorError, ReconnectNeeded, Rejected, RetryLater, UnknownOutcome
from worker.networks.types import AccountCredentials
from worker.queues import enqueue_each, enqueue_once, get_queue, redis_connection

JOB_TIMEOUT = 120
log = logging.getLogger("cadenza.inbox_actions")
events = structlog.get_logger("cadenza.inbox_actions")


def job_id_for(action_id: int) -> str:
    """The deterministic job id of one action."""
    return f"inbox-action-{action_id}"


def enqueue_action(connection: Redis, *, action_id: int, agency_id: int, client_id: int) -> None:
    """Queue the action unless it is already waiting or running."""
    enqueue_once(
        get_queue("inbox", connection=connection),
        perform_inbox_action,
        action_id,
        job_id=job_id_for(action_id),
        job_timeout=JOB_TIMEOUT,
        result_ttl=300,
        failure_ttl=86400,
        meta={"agency_id": agency_id, "client_id": client_id, "action_id": action_id},
    )


def enqueue_requested_action(connection: Redis, action: InboxAction) -> None:
    """Queue an action a person just asked for; with Redis down, the periodic sweep queues it later."""
    try:
        enqueue_action(
            connection, action_id=action.id, agency_id=action.agency_id, client_id=action.client_id
        )
    except RedisError:
        log.warning("inbox action %s recorded but not enqueued: Redis unavailable", action.id)


def enqueue_due_actions(connection: Redis) -> int:
    """Recover actions of dead workers and queue every due one (periodic); returns how many are due."""
    ctx = job_context()
    with ctx.session_factory() as session:
        actions.recover_stuck(session=session, after=timedelta(seconds=JOB_TIMEOUT * 2))
        due = actions.due_actions(session=session)
        session.commit()
    enqueue_each(
        due,
        lambda item: enqueue_action(
            connection, action_id=item.action_id, agency_id=item.agency_id, client_id=item.client_id
        ),
        what="inbox actions",
    )
    return len(due)


def perform_inbox_action(action_id: int) -> str:
    """Do one action at the network; returns the outcome."""
    ctx = job_context()
    redis = redis_connection(ctx.settings.redis_url_or_embedded)
    with ctx.session_factory() as session, structlog.contextvars.bound_contextvars(action_id=action_id):
        action = actions.start_action(session=session, action_id=action_id)
        if action is None:
            return "skipped"  # not due, already done, or another worker has it
        session.commit()  # "sending" is on record before the network is called
        outcome, message_ids = _perform(session, ctx.settings, redis, action)
        session.commit()
        events.info("inbox_action.outcome", client_id=action.client_id, action=action.action, outcome=outcome)
    for message_id in message_ids:
        enqueue_delivery_if_smtp(redis, ctx.settings, message_id)
    return outcome


def _perform(
    session: Session, settings: Settings, redis: Redis, action: InboxAction
) -> tuple[str, list[int]]:
    item = session.get(InboxItem, action.item_id)
    account = session.get(SocialAccount, item.account_id) if item else None
    if item is None or account is None or not ready_to_call(session, account):
        reason = (account.status_reason if account else None) or "The account is not connected."
        actions.record_failed(session=session, action=action, error_class="reconnect", reason=reason)
        return "reconnect", _tell_author(session, settings, action, item, reason)
    held = rate_limits.holds_for(redis, {account.id: account.network}).get(account.id)
    if held is not None:
        actions.record_retry(
            session=session, action=action, reason="Rate limited by the network.", retry_at=held
        )
        action.attempts -= 1  # waiting out a known limit is not a failed try
        return "held", []
    cipher = TokenCipher.from_settings(settings)
    connector = connector_for_account(settings=settings, session=session, cipher=cipher, account=account)
    try:
        remote_id = _call(connector, credentials_for(cipher=cipher, account=account), action, item)
    except RetryLater as exc:
        if exc.app_wide:
            rate_limits.hold_app(redis, account.network, exc.retry_at)
        else:
            rate_limits.hold_account(redis, account.id, exc.retry_at)
        actions.record_retry(session=session, action=action, reason=exc.reason, retry_at=exc.retry_at)
        return "retry_later", []
    except ReconnectNeeded as exc:
        actions.record_failed(session=session, action=action, error_class="reconnect", reason=exc.reason)
        created = social_accounts.mark_needs_reconnect(session=session, account=account, reason=exc.reason)
        ids = notifications.email_notifications(
            session=session, settings=settings, items=created, base_url=settings.base_url
        )
        return "reconnect", ids + _tell_author(session, settings, action, item, exc.reason)
    except Rejected as exc:
        actions.record_failed(session=session, action=action, error_class="rejected", reason=exc.reason)
        return "rejected", _tell_author(session, settings, action, item, exc.reason)
    except UnknownOutcome as exc:
        actions.record_unknown(session=session, action=action, reason=exc.reason)
        return "unknown", []
    except ConnectorError as exc:
        actions.record_retry(session=session, action=action, reason=exc.reason, retry_at=None)
        return "retry_later", []
    except NotImplementedError:
        actions.record_failed(
            session=session, action=action, error_class="rejected", reason="The network does not allow this."
        )
        return "rejected", []
    actions.record_done(session=session, action=action, remote_id=remote_id)
    return "sent", []


def _call(
    connector: Connector, creds: AccountCredentials, action: InboxAction, item: InboxItem
) -> str | None:
    if action.action == "reply":
        published = connector.reply(
            creds,
            item_remote_id=item.remote_id,
            kind=item.kind,
            text=action.text,
            idempotency_key=f"cadenza-inbox-{action.id}",
        )
        return published.remote_id
    if action.action == "like":
        connector.like_item(creds, item_remote_id=item.remote_id, kind=item.kind)
    elif action.action in ("hide", "unhide"):
        connector.hide_item(
            creds, item_remote_id=item.remote_id, kind=item.kind, hidden=action.action == "hide"
        )
    elif action.action == "delete":
        connector.delete_item(creds, item_remote_id=item.remote_id, kind=item.kind)
    return None


def _tell_author(
    session: Session, settings: Settings, action: InboxAction, item: InboxItem | None, reason: str
) -> list[int]:
    """A reply that will not be sent is told to the person who wrote it (in-app and email)."""
    if action.action != "reply" or action.user_id is None or item is None:
        return []
    user = session.get(User, action.user_id)
    client = session.get(Client, action.client_id)
    if user is None or client is None:
        return []
    created = notifications.notify(
        session=session,
        agency_id=action.agency_id,
        client_id=action.client_id,
        users=[user],
        kind="inbox.reply_failed",
        params={
            "author": item.author_name or item.author_handle,
            "client": client.name,
            "network": item.network,
            "reason": reason,
        },
        link=f"/c/{client.slug}/inbox/{item.id}",
    )
    return notifications.email_notifications(
        session=session, settings=settings, items=created, base_url=settings.base_url
    )
