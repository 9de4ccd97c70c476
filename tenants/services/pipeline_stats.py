"""Numbers about the publishing pipeline, read from the database (the source of truth) for /metrics."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.models import Post, PostTarget, PublishAttempt
from tenants.models.base import utcnow


def outcomes(*, session: Session) -> list[tuple[str, str, int]]:
    """(network, outcome, count) over every finished attempt."""
    query = (
        select(PostTarget.network, PublishAttempt.outcome, func.count())
        .join(PostTarget, PostTarget.id == PublishAttempt.target_id)
        .where(PublishAttempt.outcome.is_not(None))
        .group_by(PostTarget.network, PublishAttempt.outcome)
    )
    return [(network, outcome, count) for network, outcome, count in session.execute(query)]


def targets_by_status(*, session: Session) -> list[tuple[str, int]]:
    """(status, count) of every target."""
    query = select(PostTarget.status, func.count()).group_by(PostTarget.status)
    return [(status, count) for status, count in session.execute(query)]


def publish_lags(*, session: Session, since: timedelta = timedelta(hours=1)) -> list[float]:
    """Seconds from due time to published, for targets published in the last hour."""
    start: datetime = utcnow() - since
    rows = session.execute(
        select(Post.scheduled_at, PostTarget.published_at)
        .join(Post, Post.id == PostTarget.post_id)
        .where(PostTarget.status == "published", PostTarget.published_at >= start)
    )
    return [max((published - due).total_seconds(), 0.0) for due, published in rows if due and published]


def overdue(*, session: Session) -> int:
    """Targets of scheduled posts that are due and not yet final (a lag forming now)."""
    query = (
        select(func.count())
        .select_from(PostTarget)
        .join(Post, Post.id == PostTarget.post_id)
        .where(
            Post.status == "scheduled",
            Post.scheduled_at <= utcnow(),
            PostTarget.status.in_(("pending", "queued", "publishing", "retry", "unconfirmed")),
        )
    )
    return int(session.scalar(query) or 0)
