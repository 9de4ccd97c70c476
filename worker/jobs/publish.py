"""Publishing: the dispatcher turns due targets into RQ jobs; a job publishes its targets exactly once.

The database decides what is due and records each attempt before the network is called. A target whose
outcome is unknown (lost response, a worker killed mid-call) is reconciled by asking the network before
any new attempt, so nothing is posted twice.

A job carries one client's claimed targets. Its database work is done in a few statements for the whole
batch, on this thread; the network calls run side by side in threads that touch no database, and their
outcomes are recorded (and committed) as they arrive, a few at a time.
"""

from __future__ import annotations

import logging
import os
import queue
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import structlog
from redis import Redis, RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.crypto import TokenCipher
from tenants.models import Client, MediaAsset, Post, PostTarget, PublishAttempt, SocialAccount
from tenants.services import links, media, notifications, publish_notices, publishing
from tenants.tracking import shortening
from worker import rate_limits
from worker.accounts import connector_for_account, credentials_for
from worker.context import job_context
from worker.jobs.mail import enqueue_delivery_if_smtp
from worker.jobs.tokens import ready_to_call
from worker.networks.types import MediaItem, PublishRequest
from worker.publish_calls import Call, Outcome, call_network, record_outcome
from worker.queues import get_queue, redis_connection

log = logging.getLogger("cadenza.publish")
events = structlog.get_logger("cadenza.publish")
# Outcomes that arrive within this long of each other are committed together.
COMMIT_EVERY = 0.1
# A client may have this many batches queued or publishing at once: one big client can keep two workers
# busy, and still never stands in front of another client's post for more than two jobs.
BATCHES_IN_FLIGHT = 2


def dispatch_due(connection: Redis) -> int:
    """Claim due targets (fairly between clients) and enqueue them in jobs of one client's batch."""
    ctx = job_context()
    size = ctx.settings.publish_batch_size
    with ctx.session_factory() as session:
        claimed = publishing.claim_due(session=session, per_client=size * BATCHES_IN_FLIGHT)
        session.commit()
    by_client: dict[int, list[publishing.Claimed]] = {}
    for item in claimed:
        by_client.setdefault(item.client_id, []).append(item)
    # Round robin: every client's first batch goes in line before anyone's second.
    chunks = [
        (client_id, items[start : start + size])
        for start in range(0, size * BATCHES_IN_FLIGHT, size)
        for client_id, items in by_client.items()
        if items[start : start + size]
    ]
    queue = get_queue("publish", connection=connection)
    jobs = [
        queue.prepare_data(
            publish_batch,
            ([item.target_id for item in items],),
            # Deterministic: the first target's own claim (its id and queued time) names the batch.
            job_id=f"{items[0].job_id}-c{client_id}",
            timeout=ctx.settings.publish_job_timeout_seconds,
            result_ttl=300,
            failure_ttl=86400,
            meta={"client_id": client_id, "target_ids": [item.target_id for item in items]},
        )
        for client_id, items in chunks
    ]
    if jobs:
        try:
            queue.enqueue_many(jobs)
        except RedisError:
            # Left queued in the database: the recovery sweep puts them back in line.
            log.warning("%s targets claimed but not enqueued: Redis unavailable", len(claimed))
    return len(claimed)


def publish_batch(target_ids: list[int]) -> dict[int, str]:
    """Publish one client's claimed targets side by side: the wait is the network's, not the CPU's."""
    from rq import get_current_job

    job = get_current_job()
    return publish_targets(target_ids, job_id=job.id if job else None)


def publish_target(target_id: int, job_id: str | None = None) -> str:
    """Publish one target (or reconcile it first when its last outcome was unknown); returns the outcome."""
    return publish_targets([target_id], job_id=job_id).get(target_id, "skipped")


def publish_targets(target_ids: list[int], *, job_id: str | None) -> dict[int, str]:
    """Start the attempts, make the calls side by side and record each outcome; returns outcome kinds."""
    ctx = job_context()
    settings = ctx.settings
    redis = redis_connection(settings.redis_url_or_embedded)
    outcomes: dict[int, str] = {}
    with ctx.session_factory() as session, structlog.contextvars.bound_contextvars(job_id=job_id):
        started = publishing.start_attempts(session=session, target_ids=target_ids, job_id=job_id)
        session.commit()  # the attempts are on record before the network is called
        for target_id in set(target_ids) - {target.id for target, _ in started}:
            events.info("publish.skipped", target_id=target_id)  # another job or the sweep has it
        if not started:
            return outcomes
        targets = [target for target, _ in started]
        accounts = _accounts_ready(session, settings, targets)
        # Held here because the session's identity map keeps only what is referenced: recording the
        # outcomes (retry windows, settling) then finds every post without a query each.
        posts = list(
            session.scalars(
                select(Post).where(
                    Post.id.in_({t.post_id for t in targets}),
                    Post.client_id.in_({t.client_id for t in targets}),
                )
            )
        )
        calls, immediate = _prepare(session, settings, redis, started, accounts)
        # The short links in the texts exist before any network is sent one (a crash then loses none).
        session.commit()
        results: queue.SimpleQueue = queue.SimpleQueue()
        pool = _call_pool(settings.publish_batch_size)
        for pair, call in calls:
            pool.submit(_call_into, results, pair, call)
        clock = time.monotonic()
        message_ids: list[int] = []
        waiting, arrived = len(calls), list(immediate)
        next_commit = clock + COMMIT_EVERY
        while waiting or arrived:
            if waiting:
                try:
                    timeout = max(0.0, next_commit - time.monotonic()) if arrived else None
                    item = results.get(timeout=timeout)
                except queue.Empty:
                    pass
                else:
                    if not arrived:
                        next_commit = time.monotonic() + COMMIT_EVERY
                    arrived.append(item)
                    waiting -= 1
            if arrived and (not waiting or time.monotonic() >= next_commit):
                message_ids += _record(session, settings, redis, accounts, arrived, clock, outcomes)
                arrived = []
        del posts
    for message_id in message_ids:
        enqueue_delivery_if_smtp(redis, settings, message_id)
    return outcomes


_POOLS: dict[int, ThreadPoolExecutor] = {}


def _call_pool(size: int) -> ThreadPoolExecutor:
    """This process's threads for network calls (a forked child makes its own)."""
    pool = _POOLS.get(os.getpid())
    if pool is None:
        pool = _POOLS[os.getpid()] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="publish")
    return pool


def _call_into(results: queue.SimpleQueue, pair: tuple, call: Call) -> None:
    """Make one call and hand its outcome to the recording thread, whatever happens."""
    outcome = Outcome("unknown", "The publishing thread stopped during the call; the network is asked first.")
    try:
        outcome = call_network(call)
    finally:
        results.put((pair, outcome))


def _accounts_ready(session: Session, settings, targets: list[PostTarget]) -> dict[int, SocialAccount]:
    """The batch's accounts, with tokens that expire soon refreshed first (those that fail need a person)."""
    accounts = {
        a.id: a
        for a in session.scalars(
            select(SocialAccount).where(
                SocialAccount.id.in_({t.account_id for t in targets}),
                SocialAccount.client_id.in_({t.client_id for t in targets}),
            )
        )
    }
    for account in accounts.values():
        ready_to_call(session, account)  # a Redis lock inside: one refresh per account at a time
    return accounts


def _prepare(
    session: Session,
    settings,
    redis: Redis,
    started: list[tuple[PostTarget, PublishAttempt]],
    accounts: dict[int, SocialAccount],
) -> tuple[list[tuple[tuple[PostTarget, PublishAttempt], Call]], list[tuple[tuple, Outcome]]]:
    """Each target's call, or its outcome when no call may be made (not connected, rate-limit hold)."""
    targets = [target for target, _ in started]
    holds = rate_limits.holds_for(redis, {a.id: a.network for a in accounts.values()})
    requests = _requests(session, settings, targets)
    cipher = TokenCipher.from_settings(settings)
    connectors, credentials = {}, {}
    calls, immediate = [], []
    for pair in started:
        target = pair[0]
        account = accounts.get(target.account_id)
        if account is None or account.status != "connected":
            reason = (account.status_reason if account else None) or "The account is not connected."
            immediate.append((pair, Outcome("reconnect", reason)))
        elif holds.get(account.id) is not None:
            # Another worker already heard "not before" from the network for this account: don't ask again.
            immediate.append(
                (pair, Outcome("held", "Rate limited by the network.", retry_at=holds[account.id]))
            )
        else:
            if account.id not in connectors:
                connectors[account.id] = connector_for_account(
                    settings=settings, session=session, cipher=cipher, account=account
                )
                credentials[account.id] = credentials_for(cipher=cipher, account=account)
            call = Call(
                connector=connectors[account.id],
                creds=credentials[account.id],
                request=requests[target.id],
                reconcile=target.error_class == "unknown",
            )
            calls.append((pair, call))
    return calls, immediate


def _requests(session: Session, settings, targets: list[PostTarget]) -> dict[int, PublishRequest]:
    """What each connector sends: the variant with the client's UTM parameters, and its media.

    With link tracking on, each link then becomes the client's short link for this target: the same
    code on every retry, so a retried or reconciled publish carries exactly the same text.
    """
    client_ids = {t.client_id for t in targets}
    clients = {c.id: c for c in session.scalars(select(Client).where(Client.id.in_(client_ids)))}
    media_ids = {media_id for t in targets for media_id in t.media_ids or []}
    assets = {}
    if media_ids:
        assets = {
            a.id: a
            for a in session.scalars(
                select(MediaAsset).where(MediaAsset.client_id.in_(client_ids), MediaAsset.id.in_(media_ids))
            )
        }
    # Real networks must never receive short links to this machine: without a public base URL, the
    # long links go out (and the log says why).
    prefix = shortening.published_prefix(settings)
    if prefix is None and any(c.link_tracking for c in clients.values()):
        log.warning(
            "links not shortened: CADENZA_BASE_URL %s is not reachable by the networks", settings.base_url
        )
    requests = {}
    for target in targets:
        client = clients[target.client_id]
        text = links.apply_utm(
            target.text,
            client.utm_template or "",
            network=target.network,
            client_slug=client.slug,
            post_id=target.post_id,
        )
        if prefix is not None and client.link_tracking:
            text = shortening.shorten_links(
                session=session, target=target, text=text, base_url=settings.base_url
            )
        items = []
        for media_id in target.media_ids or []:
            asset = assets.get(media_id)
            if asset is None or asset.client_id != target.client_id:
                continue
            path = media.media_path_of(settings, asset)
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
        requests[target.id] = PublishRequest(
            text=text, idempotency_key=f"cadenza-target-{target.id}", media=tuple(items)
        )
    return requests


def _record(
    session: Session,
    settings,
    redis: Redis,
    accounts: dict[int, SocialAccount],
    arrived: list[tuple[tuple[PostTarget, PublishAttempt], Outcome]],
    clock: float,
    outcomes: dict[int, str],
) -> list[int]:
    """Record the outcomes that arrived, settle their posts and commit; returns mail to deliver."""
    for (target, attempt), outcome in arrived:
        if outcome.kind == "retry_later" and outcome.retry_at is not None:
            # Every worker now waits for the network's time for this account (or all the network's
            # accounts, when the limit is on Cadenza's app) instead of asking again.
            if outcome.app_wide:
                rate_limits.hold_app(redis, target.network, outcome.retry_at)
            rate_limits.hold_account(redis, target.account_id, outcome.retry_at)
        record_outcome(
            session, target=target, attempt=attempt, account=accounts.get(target.account_id), outcome=outcome
        )
    post_ids = {target.post_id for (target, _), _ in arrived}
    publishing.settle_posts(session=session, post_ids=post_ids)
    message_ids = []
    for (target, _), _ in arrived:
        if target.status == "failed":
            message_ids += _tell_about_failure(session, settings, target)
    just_published = [
        post
        for post in (session.get(Post, post_id) for post_id in sorted(post_ids))
        if post is not None and post.status == "published" and post.published_notice_at is None
    ]
    for post in publish_notices.with_listeners(session=session, posts=just_published):
        # That was the post's last account: those who asked hear it (once, guarded in the service).
        message_ids += publish_notices.announce_published(
            session=session,
            settings=settings,
            agency_id=post.agency_id,
            client_id=post.client_id,
            post_id=post.id,
        )
    session.commit()
    seconds = round(time.monotonic() - clock, 3)
    for (target, attempt), outcome in arrived:
        outcomes[target.id] = outcome.kind
        events.info(
            "publish.outcome",
            target_id=target.id,
            client_id=target.client_id,
            network=target.network,
            outcome=outcome.kind,
            attempt=attempt.number,
            seconds=seconds,
            remote_url=target.remote_url,
        )
    return message_ids


def recover_stuck(connection: Redis) -> int:
    """Targets stuck queued or publishing (a dead worker, a Redis that lost its data) go back in line."""
    ctx = job_context()
    with ctx.session_factory() as session:
        after = timedelta(seconds=ctx.settings.publish_stuck_seconds)
        # RQ stops a job at its timeout; a few seconds more and its last call has surely ended too.
        job_over = timedelta(seconds=ctx.settings.publish_job_timeout_seconds + 5)
        outcomes = [
            publishing.recover(session=session, target=t)
            for t in publishing.stuck(session=session, after=after, publishing_after=job_over)
        ]
        session.commit()
    recovered = sum(1 for outcome in outcomes if outcome != "raced")
    if recovered:
        log.warning("recovered %s stuck targets", recovered)
    return recovered


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
