"""Raw metric readings as the networks gave them, one row per value, before any rollup."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from tenants.models import MetricReading, PostTarget, SocialAccount
from tenants.models.base import utcnow

# Posts younger than this have their metrics read; older ones have stopped moving for practical purposes.
TRACKED_DAYS = 90
# Posts younger than this are read at every read; older ones (still tracked) once a day.
FRESH_DAYS = 7
OLDER_POSTS_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class Reading:
    """One value from a network: the account's (post_remote_id None) or a post's, cumulative."""

    name: str
    value: int
    post_remote_id: str | None = None


def store_readings(
    *, session: Session, account: SocialAccount, readings: Iterable[Reading], read_at: datetime | None = None
) -> int:
    """Keep the readings of one account taken at one moment; returns how many were stored."""
    read_at = read_at or utcnow()
    rows = [
        {
            "agency_id": account.agency_id,
            "client_id": account.client_id,
            "account_id": account.id,
            "post_remote_id": r.post_remote_id,
            "name": r.name[:30],
            "value": int(r.value),
            "read_at": read_at,
        }
        for r in readings
    ]
    if rows:
        session.execute(insert(MetricReading.__table__), rows)
    return len(rows)


def older_posts_due(last_read: datetime | None, now: datetime) -> bool:
    """Whether this read also covers the posts older than FRESH_DAYS (once a day)."""
    return last_read is None or now - last_read >= OLDER_POSTS_EVERY


def tracked_post_ids(
    *, session: Session, account: SocialAccount, now: datetime | None = None, include_older: bool = True
) -> list[str]:
    """The network ids of the account's posts published through Cadenza whose metrics are read now:
    the last FRESH_DAYS' always, up to TRACKED_DAYS' with include_older."""
    since = (now or utcnow()) - timedelta(days=TRACKED_DAYS if include_older else FRESH_DAYS)
    return list(
        session.scalars(
            select(PostTarget.remote_id)
            .where(
                PostTarget.agency_id == account.agency_id,
                PostTarget.client_id == account.client_id,
                PostTarget.account_id == account.id,
                PostTarget.status == "published",
                PostTarget.remote_id.is_not(None),
                PostTarget.published_at >= since,
            )
            .order_by(PostTarget.published_at.desc())
        )
    )


def purge_old_readings(*, session: Session, before: datetime, batch: int = 50_000) -> int:
    """Delete raw readings taken before `before`, a batch at a time (the rollups keep the history)."""
    ids = list(session.scalars(select(MetricReading.id).where(MetricReading.read_at < before).limit(batch)))
    if ids:
        session.execute(delete(MetricReading).where(MetricReading.id.in_(ids)))
    return len(ids)
