"""The publishing pipeline's bookkeeping: which targets are due, each attempt, and every outcome.

No network calls here (they are in worker/jobs/publish.py). Every state change is a guarded UPDATE on the
state the caller read, so two dispatchers, two workers or a recovery sweep racing a slow job leave exactly
one winner: that is what makes a post go out once per target, whatever crashes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tenants.errors import N_, Conflict
from tenants.models import Client, Membership, Post, PostTarget, PublishAttempt, User
from tenants.models.base import utcnow
from tenants.models.posts import TARGET_FINAL
from tenants.permissions import Perm
from tenants.services import audit
from tenants.services.access import require

DISPATCHABLE = ("pending", "retry", "unconfirmed")
IN_FLIGHT = ("queued", "publishing")
# A client may have at most this many targets waiting in the queue (the default of claim_due's per_client):
# a burst of thousands from one client then never stands in front of another client's post for long.
PER_CLIENT_IN_FLIGHT = 32
BATCH = 5000
RETRY_WINDOW = timedelta(hours=6)
BACKOFF_BASE = timedelta(seconds=20)
BACKOFF_CAP = timedelta(minutes=15)
STUCK_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class Claimed:
    """A target the dispatcher just marked queued, with the id its RQ job must carry."""

    target_id: int
    client_id: int
    job_id: str


def job_id_for(target: PostTarget | int, queued_at: datetime) -> str:
    """Deterministic per dispatch: the same queued target is never enqueued twice under different ids."""
    target_id = target if isinstance(target, int) else target.id
    return f"publish-{target_id}-{int(queued_at.timestamp() * 1000)}"


def claim_due(
    *,
    session: Session,
    now: datetime | None = None,
    batch: int = BATCH,
    per_client: int = PER_CLIENT_IN_FLIGHT,
) -> list[Claimed]:
    """Mark due targets queued, fairly across clients, and return them (the caller commits, then enqueues).

    A client has at most `per_client` targets queued or publishing at once."""
    now = now or utcnow()
    in_flight = dict(
        session.execute(
            select(PostTarget.client_id, func.count())
            .where(PostTarget.status.in_(IN_FLIGHT))
            .group_by(PostTarget.client_id)
        ).all()
    )
    rank = (
        func.row_number()
        .over(partition_by=PostTarget.client_id, order_by=(Post.scheduled_at, PostTarget.id))
        .label("rank")
    )
    candidates = (
        select(PostTarget.id, PostTarget.client_id, rank)
        .join(Post, Post.id == PostTarget.post_id)
        .where(
            Post.status == "scheduled",
            Post.scheduled_at <= now,
            PostTarget.status.in_(DISPATCHABLE),
            (PostTarget.next_attempt_at.is_(None)) | (PostTarget.next_attempt_at <= now),
        )
        .subquery()
    )
    rows = session.execute(
        select(candidates.c.id, candidates.c.client_id, candidates.c.rank)
        .where(candidates.c.rank <= per_client)
        .order_by(candidates.c.rank, candidates.c.id)
    ).all()
    wanted = [r.id for r in rows if r.rank <= per_client - in_flight.get(r.client_id, 0)][:batch]
    if not wanted:
        return []
    # Lock what nobody else holds (PostgreSQL); a second dispatcher skips these rows instead of waiting.
    locked = session.scalars(
        select(PostTarget.id)
        .where(PostTarget.id.in_(wanted), PostTarget.status.in_(DISPATCHABLE))
        .with_for_update(skip_locked=True)
    ).all()
    if not locked:
        return []
    # One guarded UPDATE for the whole round: the rows are locked (or SQLite's single writer holds them).
    rows = session.execute(
        update(PostTarget)
        .where(PostTarget.id.in_(locked), PostTarget.status.in_(DISPATCHABLE))
        .values(status="queued", queued_at=now)
        .returning(PostTarget.id, PostTarget.client_id)
        .execution_options(synchronize_session=False)
    ).all()
    session.expire_all()
    order = {target_id: n for n, target_id in enumerate(wanted)}
    return [
        Claimed(row.id, row.client_id, job_id_for(row.id, now))
        for row in sorted(rows, key=lambda row: order[row.id])
    ]


def start_attempts(
    *, session: Session, target_ids: list[int], job_id: str | None
) -> list[tuple[PostTarget, PublishAttempt]]:
    """queued -> publishing and an attempt row for each target this job wins (the caller commits them
    before any network call); targets another job or the recovery sweep already took are left out."""
    if not target_ids:
        return []
    now = utcnow()
    won = session.scalars(
        update(PostTarget)
        .where(PostTarget.id.in_(target_ids), PostTarget.status == "queued")
        .values(status="publishing", started_at=now, attempts=PostTarget.attempts + 1)
        .returning(PostTarget)
        .execution_options(populate_existing=True, synchronize_session=False)
    ).all()
    started = []
    for target in sorted(won, key=lambda t: target_ids.index(t.id)):
        attempt = PublishAttempt(
            agency_id=target.agency_id,
            client_id=target.client_id,
            post_id=target.post_id,
            target_id=target.id,
            number=target.attempts,
            kind="reconcile" if target.error_class == "unknown" else "publish",
            job_id=job_id,
            started_at=now,
        )
        session.add(attempt)
        started.append((target, attempt))
    session.flush()
    return started


def start_attempt(
    *, session: Session, target_id: int, job_id: str | None
) -> tuple[PostTarget, PublishAttempt] | None:
    """The one-target form of start_attempts."""
    started = start_attempts(session=session, target_ids=[target_id], job_id=job_id)
    return started[0] if started else None


def finish_attempt(attempt: PublishAttempt, outcome: str, detail: str | None = None) -> None:
    """Close an attempt of the publish log with its outcome and the network's words."""
    attempt.finished_at = utcnow()
    attempt.outcome = outcome
    attempt.detail = (detail or "")[:1000] or None


def record_published(
    *,
    session: Session,
    target: PostTarget,
    attempt: PublishAttempt,
    remote_id: str,
    url: str | None,
    found: bool = False,
) -> None:
    """The network has the post: keep where it landed (the caller settles the post)."""
    target.status = "published"
    target.remote_id = remote_id
    target.remote_url = url
    target.published_at = utcnow()
    target.error_class = target.error_message = None
    target.next_attempt_at = None
    finish_attempt(attempt, "found" if found else "published", url)


def backoff(attempts: int, retry_at: datetime | None = None) -> datetime:
    """When to try again: exponential with jitter, never before the network's own retry time."""
    # The exponent is capped first: 2 ** 42 seconds no longer fits a timedelta.
    doublings = min(max(attempts - 1, 0), 16)
    delay = min(BACKOFF_BASE * (2**doublings), BACKOFF_CAP)
    delay *= random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security
    when = utcnow() + delay
    return max(when, retry_at) if retry_at else when


def record_retry(
    *,
    session: Session,
    target: PostTarget,
    attempt: PublishAttempt,
    reason: str,
    retry_at: datetime | None,
    unknown: bool = False,
    enforce_window: bool = True,
) -> None:
    """Try again later (or fail when the retry window is over)."""
    post = session.get(Post, target.post_id)
    if not enforce_window and retry_at is not None:
        # Waiting out another worker's hold made no call: no backoff, just the network's time (and a
        # little jitter, so the held targets of one account do not all return in the same instant).
        when = retry_at + timedelta(seconds=random.uniform(0, 2))  # noqa: S311 - jitter, not security
    else:
        when = backoff(target.attempts, retry_at)
    finish_attempt(attempt, "unknown" if unknown else "retry_later", reason)
    window_from = max(filter(None, (post.scheduled_at, target.retry_window_from)), default=None)
    if enforce_window and window_from is not None and when - window_from > RETRY_WINDOW:
        # An unknown outcome stays "unknown" when it fails: a later retry must still ask the network first.
        failed_class = "unknown" if unknown or target.error_class == "unknown" else "retry_later"
        record_failed(session=session, target=target, attempt=None, error_class=failed_class, reason=reason)
        return
    # Once unknown, a target stays "unconfirmed" until the network has been asked.
    target.status = "unconfirmed" if unknown or target.error_class == "unknown" else "retry"
    target.error_class = (
        "unknown" if unknown else (target.error_class if target.error_class == "unknown" else "retry_later")
    )
    target.error_message = reason[:1000]
    target.next_attempt_at = when


def record_failed(
    *, session: Session, target: PostTarget, attempt: PublishAttempt | None, error_class: str, reason: str
) -> None:
    """A final failure with the reason in plain words, retryable by a person (the caller settles the post)."""
    target.status = "failed"
    target.error_class = error_class
    target.error_message = reason[:1000]
    target.next_attempt_at = None
    if attempt is not None:
        finish_attempt(attempt, error_class, reason)


def settle_posts(*, session: Session, post_ids: set[int] | list[int]) -> None:
    """Once every target of a post is final, the post is published (all went out) or failed (some did not)."""
    if not post_ids:
        return
    session.flush()
    # Two jobs finishing targets of one post at once would each see the other's target unfinished and
    # leave the post "scheduled": the post's lock (in id order, no deadlock) makes the second one wait
    # and read the first one's committed outcome.
    locked = session.scalars(
        select(Post)
        .where(Post.id.in_(post_ids))
        .order_by(Post.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    posts = {post.id: post for post in locked}
    statuses: dict[int, set[str]] = {}
    for post_id, status in session.execute(
        select(PostTarget.post_id, PostTarget.status).where(PostTarget.post_id.in_(post_ids))
    ):
        statuses.setdefault(post_id, set()).add(status)
    for post_id, found in statuses.items():
        if not found <= set(TARGET_FINAL):
            continue
        post = posts.get(post_id)
        if post is None or post.status not in ("scheduled", "failed"):
            continue
        if found == {"cancelled"}:
            post.status = "approved"  # nothing went out: the post can be scheduled again
        else:
            # A target deleted at its network later still went out: it counts with the published ones.
            post.status = "published" if found <= {"published", "cancelled", "deleted"} else "failed"
        post.updated_at = utcnow()


def settle_post(*, session: Session, post_id: int) -> None:
    """settle_posts for one post."""
    settle_posts(session=session, post_ids=[post_id])


def stuck(
    *,
    session: Session,
    now: datetime | None = None,
    after: timedelta = STUCK_AFTER,
    publishing_after: timedelta | None = None,
) -> list[PostTarget]:
    """Targets queued or publishing for too long: a worker died, or Redis lost the job.

    A publishing target is only stuck once its job is surely over (`publishing_after`, at least `after`):
    sooner, a slow call still running could be sent a second time."""
    limit = (now or utcnow()) - after
    publishing_limit = (now or utcnow()) - max(after, publishing_after or after)
    return list(
        session.scalars(
            select(PostTarget).where(
                ((PostTarget.status == "queued") & (PostTarget.queued_at < limit))
                | ((PostTarget.status == "publishing") & (PostTarget.started_at < publishing_limit))
            )
        )
    )


def recover(*, session: Session, target: PostTarget) -> str:
    """Put a stuck target back in line; one that was mid-publish is reconciled with the network first."""
    if target.status == "queued":
        moved = session.execute(
            update(PostTarget)
            .where(
                PostTarget.id == target.id,
                PostTarget.status == "queued",
                PostTarget.queued_at == target.queued_at,
            )
            .values(status="retry", next_attempt_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return "requeued" if moved.rowcount == 1 else "raced"
    moved = session.execute(
        update(PostTarget)
        .where(
            PostTarget.id == target.id,
            PostTarget.status == "publishing",
            PostTarget.started_at == target.started_at,
        )
        .values(status="unconfirmed", error_class="unknown", next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return "raced"
    attempt = session.scalars(
        select(PublishAttempt)
        .where(PublishAttempt.target_id == target.id, PublishAttempt.finished_at.is_(None))
        .order_by(PublishAttempt.number.desc())
    ).first()
    if attempt is not None:
        finish_attempt(
            attempt, "lost", "The worker stopped during the call; the network is asked before any retry."
        )
    return "reconcile"


def _own_target(session: Session, membership: Membership, post: Post, target_id: int) -> PostTarget:
    require(membership, Perm.POSTS_WRITE)
    target = next((t for t in post.targets if t.id == target_id), None)
    if target is None:
        raise Conflict(N_("This account is not part of the post."), field="target")
    return target


def retry_target(
    *, session: Session, post: Post, target_id: int, membership: Membership, actor: User | None
) -> None:
    """A person asks to try a failed target again, now."""
    target = _own_target(session, membership, post, target_id)
    if target.status != "failed":
        raise Conflict(N_("Only a failed account can be retried."), field="target")
    # A target whose last outcome was unknown is reconciled with the network before it is sent again.
    target.status = "unconfirmed" if target.error_class == "unknown" else "retry"
    target.next_attempt_at = target.retry_window_from = utcnow()
    if post.status == "failed":
        post.status = "scheduled"
    audit.record_post(
        session=session,
        post=post,
        action="post.target_retried",
        actor=actor,
        details={"target": target.id},
    )


def cancel_target(
    *, session: Session, post: Post, target_id: int, membership: Membership, actor: User | None
) -> None:
    """Stop one account's publication before it is dispatched."""
    target = _own_target(session, membership, post, target_id)
    moved = session.execute(
        update(PostTarget)
        .where(PostTarget.id == target.id, PostTarget.status.in_(("pending", "retry", "failed")))
        .values(status="cancelled", next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise Conflict(
            N_("This account is already being published; it cannot be cancelled now."), field="target"
        )
    session.refresh(target)
    settle_post(session=session, post_id=post.id)
    audit.record_post(
        session=session,
        post=post,
        action="post.target_cancelled",
        actor=actor,
        details={"target": target.id},
    )


def publish_log(*, session: Session, client: Client, limit: int = 200) -> list[PublishAttempt]:
    """The client's newest publish attempts (the staff's publish log)."""
    return list(
        session.scalars(
            select(PublishAttempt)
            .where(PublishAttempt.agency_id == client.agency_id, PublishAttempt.client_id == client.id)
            .order_by(PublishAttempt.id.desc())
            .limit(limit)
        )
    )
