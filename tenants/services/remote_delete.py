"""Taking a published post back: a person asks, a worker deletes it at the network, the log keeps each try.

A published target moves to "deleting" (guarded, so two people asking at once leave one request), a job
calls the network (worker/jobs/remote_delete.py) and the target ends "deleted", or back at "published"
with the reason when the network refuses. The database says which deletions are due, as for publishing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenants.errors import N_, Conflict, NotFound
from tenants.models import Membership, Post, PostTarget, PublishAttempt, User
from tenants.models.base import utcnow
from tenants.networks import deletes_posts, facts
from tenants.permissions import Perm
from tenants.services import audit
from tenants.services.access import require
from tenants.services.publishing import STUCK_AFTER, backoff, finish_attempt, settle_post

# Deleting is retried for this long after the request; then the target is published again, with the reason.
DELETE_WINDOW = timedelta(hours=6)
LIVE = ("published", "deleting")


@dataclass(frozen=True)
class DueDelete:
    """A target whose deletion is due, with the tenant its job carries in its meta."""

    target_id: int
    agency_id: int
    client_id: int


def job_id_for(target_id: int) -> str:
    """One job id per target: a deletion waiting or running is never queued twice."""
    return f"remote-delete-{target_id}"


def can_delete(target: PostTarget) -> bool:
    """A target that is live at a network which lets Cadenza delete posts."""
    return target.status == "published" and bool(target.remote_id) and deletes_posts(target.network)


def taken_down(post: Post) -> bool:
    """The post went out, and every account that had it has had it deleted: nothing of it is live."""
    statuses = {t.status for t in post.targets}
    return "deleted" in statuses and not statuses & set(LIVE)


def request_delete(
    *,
    session: Session,
    post: Post,
    target_id: int,
    membership: Membership,
    actor: User | None,
    actor_label: str | None = None,
) -> PostTarget:
    """Ask for one account's published post to be deleted at its network (caller commits, then enqueues)."""
    require(membership, Perm.POSTS_WRITE)
    target = next((t for t in post.targets if t.id == target_id), None)
    if target is None:
        raise NotFound(N_("This account is not part of the post."))
    network = facts(target.network).name
    if not deletes_posts(target.network):
        raise Conflict(
            N_("%(network)s does not let apps delete posts: delete it in %(network)s itself."),
            field="target",
            network=network,
        )
    if target.status == "deleting":
        raise Conflict(
            N_("This post is already being deleted from %(network)s."), field="target", network=network
        )
    if target.status == "deleted":
        raise Conflict(N_("This post is already deleted from %(network)s."), field="target", network=network)
    if target.status != "published" or not target.remote_id:
        raise Conflict(N_("Only a published post can be deleted from the network."), field="target")
    now = utcnow()
    moved = session.execute(
        update(PostTarget)
        .where(
            PostTarget.id == target.id,
            PostTarget.post_id == post.id,
            PostTarget.agency_id == post.agency_id,
            PostTarget.client_id == post.client_id,
            PostTarget.status == "published",
            PostTarget.remote_id.is_not(None),
        )
        .values(
            status="deleting",
            next_attempt_at=now,
            retry_window_from=now,
            error_class=None,
            error_message=None,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        # Someone else asked first (or the post changed): one request is enough.
        raise Conflict(
            N_("This post is already being deleted from %(network)s."), field="target", network=network
        )
    session.refresh(target)
    audit.record_post(
        session=session,
        post=post,
        action="post.remote_delete_requested",
        actor=actor,
        actor_label=actor_label,
        details={"target": target.id, "network": target.network, "remote_id": target.remote_id},
    )
    return target


def start_delete(
    *, session: Session, target_id: int, job_id: str | None
) -> tuple[PostTarget, PublishAttempt] | None:
    """A due deletion goes in flight with its attempt row, committed by the caller before the network call."""
    target = session.get(PostTarget, target_id)
    now = utcnow()
    if target is None or target.status != "deleting" or target.next_attempt_at is None:
        return None
    if target.next_attempt_at > now:
        return None
    won = session.execute(
        update(PostTarget)
        .where(
            PostTarget.id == target.id,
            PostTarget.status == "deleting",
            PostTarget.attempts == target.attempts,
            PostTarget.next_attempt_at.is_not(None),
        )
        .values(attempts=target.attempts + 1, started_at=now, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        session.rollback()
        return None
    session.refresh(target)
    attempt = PublishAttempt(
        agency_id=target.agency_id,
        client_id=target.client_id,
        post_id=target.post_id,
        target_id=target.id,
        number=target.attempts,
        kind="delete",
        job_id=job_id,
        started_at=now,
    )
    session.add(attempt)
    session.flush()
    return target, attempt


def record_deleted(*, session: Session, target: PostTarget, attempt: PublishAttempt) -> None:
    """The network no longer has the post (deleted now, or already gone)."""
    now = utcnow()
    target.status = "deleted"
    target.deleted_at = now
    target.next_attempt_at = None
    target.error_class = target.error_message = None
    finish_attempt(attempt, "deleted")
    post = session.get(Post, target.post_id)
    post.updated_at = now  # calendar feeds see the change
    settle_post(session=session, post_id=post.id)
    audit.record_post(
        session=session,
        post=post,
        action="post.remote_deleted",
        details={"target": target.id, "network": target.network},
    )


def record_delete_retry(
    *,
    session: Session,
    target: PostTarget,
    attempt: PublishAttempt,
    reason: str,
    retry_at: datetime | None,
    unknown: bool = False,
    enforce_window: bool = True,
) -> None:
    """Ask the network again later, or give up once the window from the request is over."""
    when = backoff(target.attempts, retry_at)
    finish_attempt(attempt, "unknown" if unknown else "retry_later", reason)
    started = target.retry_window_from
    if enforce_window and started is not None and when - started > DELETE_WINDOW:
        record_delete_refused(
            session=session, target=target, attempt=None, error_class="retry_later", reason=reason
        )
        return
    target.next_attempt_at = when
    target.error_class = "retry_later"
    target.error_message = reason[:1000]


def record_delete_refused(
    *, session: Session, target: PostTarget, attempt: PublishAttempt | None, error_class: str, reason: str
) -> None:
    """The post stays live: the target is published again, with the reason in plain words."""
    target.status = "published"
    target.next_attempt_at = None
    target.error_class = error_class
    target.error_message = reason[:1000]
    if attempt is not None:
        finish_attempt(attempt, error_class, reason)
    post = session.get(Post, target.post_id)
    settle_post(session=session, post_id=post.id)
    audit.record_post(
        session=session,
        post=post,
        action="post.remote_delete_failed",
        details={"target": target.id, "network": target.network, "error_class": error_class},
    )


def recover_stuck(*, session: Session, now: datetime | None = None, after: timedelta = STUCK_AFTER) -> int:
    """Deletions whose worker died mid-call are due again (deleting twice is harmless: gone is done)."""
    now = now or utcnow()
    stuck = session.scalars(
        select(PostTarget).where(
            PostTarget.status == "deleting",
            PostTarget.next_attempt_at.is_(None),
            PostTarget.started_at < now - after,
        )
    ).all()
    recovered = 0
    for target in stuck:
        moved = session.execute(
            update(PostTarget)
            .where(
                PostTarget.id == target.id,
                PostTarget.status == "deleting",
                PostTarget.next_attempt_at.is_(None),
                PostTarget.attempts == target.attempts,
            )
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:
            continue
        recovered += 1
        attempt = session.scalars(
            select(PublishAttempt).where(
                PublishAttempt.target_id == target.id,
                PublishAttempt.number == target.attempts,
                PublishAttempt.finished_at.is_(None),
            )
        ).first()
        if attempt is not None:
            finish_attempt(attempt, "lost", "The worker stopped during the call; deleting is tried again.")
    session.flush()
    session.expire_all()  # the guarded updates bypassed the loaded targets
    return recovered


def due(*, session: Session, now: datetime | None = None) -> list[DueDelete]:
    """Deletions to hand to a worker now (just requested, or waiting out the network's retry time)."""
    rows = session.execute(
        select(PostTarget.id, PostTarget.agency_id, PostTarget.client_id).where(
            PostTarget.status == "deleting", PostTarget.next_attempt_at <= (now or utcnow())
        )
    ).all()
    return [DueDelete(target_id, agency_id, client_id) for target_id, agency_id, client_id in rows]
