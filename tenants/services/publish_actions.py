"""What people do with publishing: publish a post now, reopen a failed one for editing, read the log.

The pipeline's own bookkeeping (claims, attempts, outcomes, retry and cancel of one account) lives in
tenants/services/publishing.py; this module only adds the steps a person starts from the post page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from tenants.errors import N_, Conflict
from tenants.models import Client, Membership, Post, PostTarget, PublishAttempt, SocialAccount, User
from tenants.models.base import utcnow
from tenants.permissions import Perm
from tenants.services import approvals, audit
from tenants.services.access import require

# Outcomes an attempt may end with (see PublishAttempt.outcome); "running" means it has not ended yet.
LOG_OUTCOMES = (
    "published",
    "found",
    "deleted",
    "retry_later",
    "reconnect",
    "rejected",
    "unknown",
    "lost",
    "running",
)
LOG_LIMIT = 200


def _move(session: Session, post: Post, *, to: str, **values: object) -> None:
    """Guarded on the status and revision this request read: a racing edit or approval wins, not us."""
    session.flush()
    moved = session.execute(
        update(Post)
        .where(Post.id == post.id, Post.status == post.status, Post.revision == post.revision)
        .values(status=to, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise Conflict(N_("Someone changed this post at the same moment; reload it and look again."))
    set_committed_value(post, "status", to)
    for name, value in values.items():
        set_committed_value(post, name, value)


def publish_now(
    *,
    session: Session,
    post: Post,
    membership: Membership,
    actor: User | None,
    actor_label: str | None = None,
) -> None:
    """An approved or scheduled post goes out now: the dispatcher picks it up within seconds."""
    require(membership, Perm.POSTS_WRITE)
    if post.status == "approved":
        approvals.ensure_ready_to_queue(session=session, post=post)
    elif post.status == "scheduled":
        if any(t.status not in ("pending", "cancelled") for t in post.targets):
            raise Conflict(N_("Publishing has already started for this post."), field="status")
    else:
        raise Conflict(N_("Only an approved or scheduled post can be published now."), field="status")
    previous, was = post.status, post.scheduled_at
    now = utcnow()
    _move(session, post, to="scheduled", scheduled_at=now)
    audit.record_post(
        session=session,
        post=post,
        action="post.publish_now",
        actor=actor,
        actor_label=actor_label,
        details={"from": previous, "was": was.isoformat() if was else None, "at": now.isoformat()},
    )


def reopen_failed(
    *,
    session: Session,
    post: Post,
    membership: Membership,
    actor: User | None,
    actor_label: str | None = None,
) -> None:
    """A failed post of which nothing went out returns to approved, to be edited and sent again."""
    require(membership, Perm.POSTS_WRITE)
    if post.status != "failed":
        raise Conflict(N_("Only a failed post can be reopened for editing."), field="status")
    if any(t.status in ("published", "deleting") for t in post.targets):
        raise Conflict(
            N_("Part of this post is already published; retry or cancel the failed accounts instead."),
            field="status",
        )
    _move(session, post, to="approved")
    # The approval stands for the same content; any edit from here sends the post back to review.
    session.execute(
        update(PostTarget)
        .where(PostTarget.post_id == post.id, PostTarget.status == "failed")
        .values(status="pending", error_class=None, error_message=None, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    for target in post.targets:
        session.refresh(target)
    audit.record_post(
        session=session,
        post=post,
        action="post.reopened",
        actor=actor,
        actor_label=actor_label,
    )


@dataclass(frozen=True)
class LogEntry:
    """One attempt as the publish log shows it, with its post's excerpt and its account."""

    attempt: PublishAttempt
    excerpt: str
    network: str
    handle: str

    @property
    def duration(self) -> timedelta | None:
        """How long the attempt took (None while it runs)."""
        a = self.attempt
        return a.finished_at - a.started_at if a.finished_at else None


def publish_log(
    *,
    session: Session,
    client: Client,
    membership: Membership,
    outcome: str | None = None,
    limit: int = LOG_LIMIT,
) -> list[LogEntry]:
    """The client's newest publish attempts (staff only), optionally of one outcome."""
    require(membership, Perm.PUBLISH_LOG_VIEW)
    query = (
        select(PublishAttempt, Post.base_text, PostTarget.network, SocialAccount.handle)
        .join(Post, Post.id == PublishAttempt.post_id)
        .join(PostTarget, PostTarget.id == PublishAttempt.target_id)
        .outerjoin(SocialAccount, SocialAccount.id == PostTarget.account_id)
        .where(PublishAttempt.agency_id == client.agency_id, PublishAttempt.client_id == client.id)
    )
    if outcome == "running":
        query = query.where(PublishAttempt.outcome.is_(None))
    elif outcome in LOG_OUTCOMES:
        query = query.where(PublishAttempt.outcome == outcome)
    rows = session.execute(query.order_by(PublishAttempt.id.desc()).limit(limit)).all()
    return [
        LogEntry(attempt=a, excerpt=" ".join(text.split())[:80], network=network, handle=handle or "")
        for a, text, network, handle in rows
    ]
