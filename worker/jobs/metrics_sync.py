"""Reading each account's followers and its posts' counters, then rolling the client's day up: one RQ job
per account, queued by a periodic sweep from the database's due times (deterministic job ids)."""

from __future__ import annotations

import logging
from datetime import timedelta

import structlog
from redis import Redis
from sqlalchemy.orm import Session

from tenants.crypto import TokenCipher
from tenants.inbox.sync_state import record_failure
from tenants.metrics import sync_state
from tenants.metrics.readings import (
    Reading,
    older_posts_due,
    purge_old_readings,
    store_readings,
    tracked_post_ids,
)
from tenants.metrics.rollup import missing_yesterdays, rollup_day
from tenants.models import Client, SocialAccount, utcnow
from tenants.services import notifications, social_accounts
from tenants.services.local_time import to_local
from tenants.settings import Settings
from worker import rate_limits
from worker.accounts import connector_for_account, credentials_for
from worker.context import job_context
from worker.jobs.mail import enqueue_delivery_if_smtp
from worker.jobs.tokens import ready_to_call
from worker.networks.errors import ConnectorError, ReconnectNeeded, RetryLater
from worker.queues import enqueue_each, enqueue_once, get_queue, redis_connection

JOB_TIMEOUT = 300
log = logging.getLogger("cadenza.metrics_sync")
events = structlog.get_logger("cadenza.metrics_sync")


def enqueue_metric_sync(connection: Redis, *, account_id: int, agency_id: int, client_id: int) -> None:
    """Queue one account's metrics read unless it is already waiting or running."""
    enqueue_once(
        get_queue("metrics", connection=connection),
        sync_account_metrics,
        account_id,
        job_id=f"metrics-sync-{account_id}",
        job_timeout=JOB_TIMEOUT,
        result_ttl=60,
        failure_ttl=86400,
        meta={"agency_id": agency_id, "client_id": client_id, "account_id": account_id},
    )


def enqueue_due_metric_syncs(connection: Redis) -> int:
    """Queue every due metrics read (periodic); returns how many were due."""
    ctx = job_context()
    with ctx.session_factory() as session:
        sync_state.ensure_states(session=session)
        due = sync_state.due_metric_syncs(session=session)
        session.commit()
    enqueue_each(
        due,
        lambda item: enqueue_metric_sync(
            connection, account_id=item.account_id, agency_id=item.agency_id, client_id=item.client_id
        ),
        what="metrics reads",
    )
    return len(due)


def sync_account_metrics(account_id: int) -> dict[str, int | str]:
    """Read the account's metrics, keep them raw, and roll its client's local today up."""
    ctx = job_context()
    redis = redis_connection(ctx.settings.redis_url_or_embedded)
    with ctx.session_factory() as session:
        account = session.get(SocialAccount, account_id)
        if account is None:
            return {"outcome": "gone"}
        outcome, stored, message_ids = _sync(session, ctx.settings, redis, account)
        session.commit()
        events.info("metrics_sync.done", client_id=account.client_id, outcome=outcome, readings=stored)
    for message_id in message_ids:
        enqueue_delivery_if_smtp(redis, ctx.settings, message_id)
    return {"outcome": outcome, "readings": stored}


def _sync(
    session: Session, settings: Settings, redis: Redis, account: SocialAccount
) -> tuple[str, int, list[int]]:
    if not ready_to_call(session, account):
        return "reconnect", 0, []
    state = sync_state.state_for(session=session, account=account)
    held = rate_limits.holds_for(redis, {account.id: account.network}).get(account.id)
    if held is not None:
        state.next_sync_at = held  # another call already heard "not before" from the network
        return "held", 0, []
    cipher = TokenCipher.from_settings(settings)
    connector = connector_for_account(settings=settings, session=session, cipher=cipher, account=account)
    now = utcnow()
    include_older = older_posts_due(state.older_posts_read_at, now)
    try:
        samples = connector.read_metrics(
            credentials_for(cipher=cipher, account=account),
            post_remote_ids=tracked_post_ids(
                session=session, account=account, now=now, include_older=include_older
            ),
        )
    except RetryLater as exc:
        if exc.app_wide:
            rate_limits.hold_app(redis, account.network, exc.retry_at)
        else:
            rate_limits.hold_account(redis, account.id, exc.retry_at)
        record_failure(
            session=session, state=state, error_class="retry_later", message=exc.reason, retry_at=exc.retry_at
        )
        return "retry_later", 0, []
    except ReconnectNeeded as exc:
        record_failure(session=session, state=state, error_class="reconnect", message=exc.reason)
        created = social_accounts.mark_needs_reconnect(session=session, account=account, reason=exc.reason)
        return (
            "reconnect",
            0,
            notifications.email_notifications(
                session=session, settings=settings, items=created, base_url=settings.base_url
            ),
        )
    except ConnectorError as exc:
        record_failure(session=session, state=state, error_class="retry_later", message=exc.reason)
        return "retry_later", 0, []
    if include_older:
        state.older_posts_read_at = now
    stored = store_readings(
        session=session,
        account=account,
        readings=[Reading(s.name, int(s.value), s.post_remote_id) for s in samples],
        read_at=now,
    )
    client = session.get(Client, account.client_id)
    today = to_local(now, client.timezone).date()
    rollup_day(session=session, agency_id=account.agency_id, client_id=account.client_id, day=today)
    sync_state.record_success(session=session, state=state, minutes=settings.metrics_sync_minutes, now=now)
    return "synced", stored, []


def roll_up_missed_days(connection: Redis) -> int:
    """Roll up yesterday for every live client no read rolled up (its accounts all failed, or none is
    connected): followers carry over, so charts have no hole. Returns how many clients were rolled up."""
    ctx = job_context()
    with ctx.session_factory() as session:
        missed = missing_yesterdays(session=session, now=utcnow())
        for agency_id, client_id, day in missed:
            rollup_day(session=session, agency_id=agency_id, client_id=client_id, day=day)
        session.commit()
    return len(missed)


def purge_readings(connection: Redis) -> int:
    """Drop raw readings older than the retention (CADENZA_METRIC_READINGS_DAYS); returns how many."""
    ctx = job_context()
    before = utcnow() - timedelta(days=ctx.settings.metric_readings_days)
    total = 0
    with ctx.session_factory() as session:
        while True:
            deleted = purge_old_readings(session=session, before=before)
            session.commit()
            total += deleted
            if not deleted:
                return total
