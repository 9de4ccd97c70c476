"""Publishing: the dispatcher turns due targets into RQ jobs; a job publishes one target exactly once.

The database decides what is due and records each attempt before the network is called. A target whose
outcome is unknown (lost response, a worker killed mid-call) is reconciled by asking the network before
any new attempt, so nothing is posted twice.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import structlog
from redis import Redis, RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.crypto import TokenCipher
from tenants.models import Client, MediaAsset, Post, PostTarget, SocialAccount
from tenants.services import links, media, notifications, publish_notices, publishing, social_accounts
from worker import rate_limits
from worker.accounts import connector_for_account, credentials_for
from worker.context import job_context
from worker.jobs.mail import enqueue_delivery_if_smtp
from worker.jobs.tokens import REFRESH_AHEAD, refresh_account_token
from worker.networks.errors import ConnectorError, ReconnectNeeded, Rejected, RetryLater, UnknownOutcome
from worker.networks.types import MediaItem, PublishRequest
from worker.queues import get_queue, redis_connection

log = logging.getLogger("cadenza.publish")
BATCH_THREADS = 16
events = structlog.get_logger("cadenza.publish")


def dispatch_due(connection: Redis) -> int:
    """Claim due targets (fairly between clients) and enqueue one job per client batch; returns how many."""
    ctx = job_context()
    with ctx.session_factory() as session:
        claimed = publishing.claim_due(session=session)
        session.commit()
    batches: dict[int, list[publishing.Claimed]] = {}
    for item in claimed:
        batches.setdefault(item.client_id, []).append(item)
    queue = get_queue("publish", connection=connection)
    for client_id, items in batches.items():
        try:
            queue.enqueue(
                publish_batch,
                [item.target_id for item in items],
                # Deterministic: one claim round of one client (the targets' own queued time is in it).
                job_id=f"{items[0].job_id}-c{client_id}",
                job_timeout=ctx.settings.publish_job_timeout_seconds,
                result_ttl=300,
                failure_ttl=86400,
                meta={"client_id": client_id, "target_ids": [item.target_id for item in items]},
            )
        except RedisError:
            # Left queued in the database: the recovery sweep puts them back in line.
            log.warning(
                "targets %s claimed but not enqueued: Redis unavailable", [i.target_id for i in items]
            )
            break
    return len(claimed)


def publish_batch(target_ids: list[int]) -> dict[int, str]:
    """Publish one client's claimed targets side by side: the wait is the network's, not the CPU's."""
    from rq import get_current_job

    ctx = job_context()
    job = get_current_job()
    job_id = job.id if job else None
    # SQLite takes one writer at a time: side by side only helps (and only works well) on PostgreSQL.
    threads = 1 if ctx.settings.is_sqlite else max(1, min(len(target_ids), BATCH_THREADS))
    if threads == 1:
        return {target_id: publish_target(target_id, job_id=job_id) for target_id in target_ids}
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publish") as pool:
        outcomes = pool.map(lambda target_id: publish_target(target_id, job_id=job_id), target_ids)
        return dict(zip(target_ids, outcomes, strict=True))


def recover_stuck(connection: Redis) -> int:
    """Targets stuck queued or publishing (a dead worker, a Redis that lost its data) go back in line."""
    ctx = job_context()
    with ctx.session_factory() as session:
        after = timedelta(seconds=ctx.settings.publish_stuck_seconds)
        outcomes = [
            publishing.recover(session=session, target=t)
            for t in publishing.stuck(session=session, after=after)
        ]
        session.commit()
    recovered = sum(1 for outcome in outcomes if outcome != "raced")
    if recovered:
        log.warning("recovered %s stuck targets", recovered)
    return recovered


def publish_target(target_id: int, job_id: str | None = None) -> str:
    """Publish one target (or reconcile it first when its last outcome was unknown); returns the outcome."""
    ctx = job_context()
    redis = redis_connection(ctx.settings.redis_url_or_embedded)
    with (
        ctx.session_factory() as session,
        structlog.contextvars.bound_contextvars(target_id=target_id, job_id=job_id),
    ):
        started = publishing.start_attempt(session=session, target_id=target_id, job_id=job_id)
        if started is None:
            events.info("publish.skipped")
            return "skipped"  # another job, or the recovery sweep, already has it
        session.commit()  # the attempt is on record before the network is called
        target, attempt = started
        clock = time.monotonic()
        outcome = _publish(session, ctx.settings, target, attempt, redis)
        message_ids = _tell_about_failure(session, ctx.settings, target) if target.status == "failed" else []
        if target.status == "published":  # if that was the post's last account, those who asked hear it
            message_ids += publish_notices.announce_published(
                session=session,
                settings=ctx.settings,
                agency_id=target.agency_id,
                client_id=target.client_id,
                post_id=target.post_id,
            )
        session.commit()
        events.info(
            "publish.outcome",
            client_id=target.client_id,
            network=target.network,
            outcome=outcome,
            attempt=attempt.number,
            seconds=round(time.monotonic() - clock, 3),
            remote_url=target.remote_url,
        )
    for message_id in message_ids:
        enqueue_delivery_if_smtp(redis, ctx.settings, message_id)
    return outcome


def _publish(session: Session, settings, target: PostTarget, attempt, redis: Redis) -> str:
    account = session.get(SocialAccount, target.account_id)
    if account is None or account.status != "connected":
        reason = (account.status_reason if account else None) or "The account is not connected."
        publishing.record_failed(
            session=session, target=target, attempt=attempt, error_class="reconnect", reason=reason
        )
        return "reconnect"
    if account.token_expires_at is not None and account.token_expires_at <= datetime.now(UTC) + REFRESH_AHEAD:
        session.commit()
        refresh_account_token(account.id)  # one refresh per account at a time (Redis lock inside)
        session.refresh(account)
        if account.status != "connected":
            publishing.record_failed(
                session=session,
                target=target,
                attempt=attempt,
                error_class="reconnect",
                reason=account.status_reason or "The account needs reconnecting.",
            )
            return "reconnect"
    held = rate_limits.held_until(redis, account.id)
    if held is not None:
        # Another worker already heard "not before" from the network for this account: don't ask again.
        publishing.record_retry(
            session=session,
            target=target,
            attempt=attempt,
            reason="Rate limited by the network.",
            retry_at=held,
            enforce_window=False,  # no call was made: waiting out a hold never fails a target
        )
        return "retry_later"
    cipher = TokenCipher.from_settings(settings)
    connector = connector_for_account(settings=settings, session=session, cipher=cipher, account=account)
    creds = credentials_for(cipher=cipher, account=account)
    request = _request(session, settings, target)
    try:
        if target.error_class == "unknown":
            found = connector.find_published(creds, request)
            if found is not None:
                publishing.record_published(
                    session=session,
                    target=target,
                    attempt=attempt,
                    remote_id=found.remote_id,
                    url=found.url,
                    found=True,
                )
                return "found"
        published = connector.publish(creds, request)
    except RetryLater as exc:
        rate_limits.hold_account(redis, account.id, exc.retry_at)
        publishing.record_retry(
            session=session, target=target, attempt=attempt, reason=exc.reason, retry_at=exc.retry_at
        )
        return "retry_later"
    except ReconnectNeeded as exc:
        publishing.record_failed(
            session=session, target=target, attempt=attempt, error_class="reconnect", reason=exc.reason
        )
        social_accounts.mark_needs_reconnect(session=session, account=account, reason=exc.reason)
        return "reconnect"
    except Rejected as exc:
        publishing.record_failed(
            session=session, target=target, attempt=attempt, error_class="rejected", reason=exc.reason
        )
        return "rejected"
    except UnknownOutcome as exc:
        publishing.record_retry(
            session=session, target=target, attempt=attempt, reason=exc.reason, retry_at=None, unknown=True
        )
        return "unknown"
    except ConnectorError as exc:  # any other classified error: treat as retry later
        publishing.record_retry(
            session=session, target=target, attempt=attempt, reason=exc.reason, retry_at=None
        )
        return "retry_later"
    publishing.record_published(
        session=session, target=target, attempt=attempt, remote_id=published.remote_id, url=published.url
    )
    return "published"


def _request(session: Session, settings, target: PostTarget) -> PublishRequest:
    """What the connector sends: the variant with the client's UTM parameters, and its media."""
    client = session.get(Client, target.client_id)
    post = session.get(Post, target.post_id)
    text = links.apply_utm(
        target.text,
        client.utm_template or "",
        network=target.network,
        client_slug=client.slug,
        post_id=post.id,
    )
    assets = {
        a.id: a
        for a in session.scalars(
            select(MediaAsset).where(
                MediaAsset.client_id == client.id, MediaAsset.id.in_(target.media_ids or [])
            )
        )
    }
    items = []
    for media_id in target.media_ids or []:
        asset = assets.get(media_id)
        path = media.media_path_of(settings, asset) if asset else None
        if path is not None and path.is_file():
            items.append(
                MediaItem(
                    data=path.read_bytes(),
                    mime_type=asset.mime,
                    alt_text=asset.alt_text,
                    filename=asset.original_name,
                )
            )
    # One key per target for its whole life: the network's idempotency check spans our retries.
    return PublishRequest(text=text, idempotency_key=f"cadenza-target-{target.id}", media=tuple(items))


def _tell_about_failure(session: Session, settings, target: PostTarget) -> list[int]:
    """The client's team hears of a failed target in the app and by email, with the reason in plain words."""
    account = session.get(SocialAccount, target.account_id)
    post = session.get(Post, target.post_id)
    users = notifications.people_for_client(
        session=session,
        agency_id=target.agency_id,
        client_id=target.client_id,
        roles=("owner", "admin", "manager", "editor"),
    )
    author = [u for u in users if u.id == post.created_by_id]
    created = notifications.notify(
        session=session,
        agency_id=target.agency_id,
        client_id=target.client_id,
        users=author or users,
        kind="post.publish_failed",
        params={
            "handle": account.handle if account else "",
            "network": target.network,
            "reason": (target.error_message or "")[:300],
            "post": " ".join(post.base_text.split())[:80],
        },
        link=f"/posts/{post.id}",
    )
    return notifications.email_notifications(
        session=session, settings=settings, items=created, base_url=settings.base_url
    )
