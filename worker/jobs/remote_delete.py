"""Deleting a published post at its network: one job per target, tried again when the network says later.

The database says which deletions are due (tenants/services/remote_delete.py); a person's request enqueues
the job at once, and a periodic sweep enqueues the ones waiting out a retry time or lost with Redis.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import structlog
from redis import Redis, RedisError
from rq.job import Job
from sqlalchemy.orm import Session

from tenants.crypto import TokenCipher
from tenants.models import PostTarget, PublishAttempt, SocialAccount
from tenants.services import notifications, remote_delete, social_accounts
from tenants.settings import Settings
from worker import rate_limits
from worker.accounts import connector_for_account, credentials_for
from worker.context import job_context
from worker.jobs.mail import enqueue_delivery_if_smtp
from worker.jobs.tokens import ready_to_call
from worker.networks.errors import ConnectorError, ReconnectNeeded, Rejected, RetryLater, UnknownOutcome
from worker.queues import enqueue_each, enqueue_once, get_queue, redis_connection

JOB_TIMEOUT = 120
log = logging.getLogger("cadenza.remote_delete")
events = structlog.get_logger("cadenza.remote_delete")


def enqueue_remote_delete(connection: Redis, *, target_id: int, agency_id: int, client_id: int) -> Job:
    """Queue the target's deletion unless it is already waiting or running."""
    return enqueue_once(
        get_queue("publish", connection=connection),
        delete_remote_post,
        target_id,
        job_id=remote_delete.job_id_for(target_id),
        job_timeout=JOB_TIMEOUT,
        result_ttl=300,
        failure_ttl=86400,
        meta={"agency_id": agency_id, "client_id": client_id, "target_id": target_id},
    )


def enqueue_requested_delete(connection: Redis, target: PostTarget) -> None:
    """Queue a deletion a person just asked for; with Redis down, the periodic sweep queues it later."""
    try:
        enqueue_remote_delete(
            connection, target_id=target.id, agency_id=target.agency_id, client_id=target.client_id
        )
    except RedisError:
        log.warning("deletion of target %s requested but not enqueued: Redis unavailable", target.id)


def enqueue_due_deletes(connection: Redis) -> int:
    """Put stuck deletions back in line and queue every due one (periodic); returns how many are due."""
    ctx = job_context()
    with ctx.session_factory() as session:
        remote_delete.recover_stuck(
            session=session, after=timedelta(seconds=ctx.settings.publish_stuck_seconds)
        )
        due = remote_delete.due(session=session)
        session.commit()
    enqueue_each(
        due,
        lambda item: enqueue_remote_delete(
            connection, target_id=item.target_id, agency_id=item.agency_id, client_id=item.client_id
        ),
        what="deletions",
    )
    return len(due)


def delete_remote_post(target_id: int) -> str:
    """Delete one target's post at its network; returns the outcome."""
    from rq import get_current_job

    ctx = job_context()
    redis = redis_connection(ctx.settings.redis_url_or_embedded)
    job = get_current_job()
    job_id = job.id if job else None
    with (
        ctx.session_factory() as session,
        structlog.contextvars.bound_contextvars(target_id=target_id, job_id=job_id),
    ):
        started = remote_delete.start_delete(session=session, target_id=target_id, job_id=job_id)
        if started is None:
            events.info("remote_delete.skipped")
            return "skipped"  # not due, already done, or another job has it
        session.commit()  # the attempt is on record before the network is called
        target, attempt = started
        outcome, message_ids = _delete(session, ctx.settings, target, attempt, redis)
        session.commit()
        events.info(
            "remote_delete.outcome",
            client_id=target.client_id,
            network=target.network,
            outcome=outcome,
            attempt=attempt.number,
        )
    for message_id in message_ids:
        enqueue_delivery_if_smtp(redis, ctx.settings, message_id)
    return outcome


def _delete(
    session: Session, settings: Settings, target: PostTarget, attempt: PublishAttempt, redis: Redis
) -> tuple[str, list[int]]:
    account = session.get(SocialAccount, target.account_id)
    if account is None or not ready_to_call(session, account):
        reason = (account.status_reason if account else None) or "The account is not connected."
        remote_delete.record_delete_refused(
            session=session, target=target, attempt=attempt, error_class="reconnect", reason=reason
        )
        return "reconnect", []
    held = rate_limits.held_until(redis, account.id)
    if held is not None:
        # Another call already heard "not before" from the network for this account: wait, don't ask.
        remote_delete.record_delete_retry(
            session=session,
            target=target,
            attempt=attempt,
            reason="Rate limited by the network.",
            retry_at=held,
            enforce_window=False,
        )
        return "retry_later", []
    cipher = TokenCipher.from_settings(settings)
    connector = connector_for_account(settings=settings, session=session, cipher=cipher, account=account)
    try:
        connector.delete_post(credentials_for(cipher=cipher, account=account), target.remote_id)
    except RetryLater as exc:
        rate_limits.hold_account(redis, account.id, exc.retry_at)
        remote_delete.record_delete_retry(
            session=session, target=target, attempt=attempt, reason=exc.reason, retry_at=exc.retry_at
        )
        return "retry_later", []
    except ReconnectNeeded as exc:
        remote_delete.record_delete_refused(
            session=session, target=target, attempt=attempt, error_class="reconnect", reason=exc.reason
        )
        created = social_accounts.mark_needs_reconnect(session=session, account=account, reason=exc.reason)
        return "reconnect", notifications.email_notifications(
            session=session, settings=settings, items=created, base_url=settings.base_url
        )
    except Rejected as exc:
        remote_delete.record_delete_refused(
            session=session, target=target, attempt=attempt, error_class="rejected", reason=exc.reason
        )
        return "rejected", []
    except ConnectorError as exc:
        # An unknown outcome needs no reconciling here: asking again finds the post deleted or gone.
        unknown = isinstance(exc, UnknownOutcome)
        remote_delete.record_delete_retry(
            session=session, target=target, attempt=attempt, reason=exc.reason, retry_at=None, unknown=unknown
        )
        return "unknown" if unknown else "retry_later", []
    except NotImplementedError:
        # Only reachable if a network lost its "delete" capability after the request.
        remote_delete.record_delete_refused(
            session=session,
            target=target,
            attempt=attempt,
            error_class="rejected",
            reason="This network does not let apps delete posts.",
        )
        return "rejected", []
    remote_delete.record_deleted(session=session, target=target, attempt=attempt)
    return "deleted", []
