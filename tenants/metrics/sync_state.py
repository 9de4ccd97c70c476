"""When each connected account's metrics are read next, and how the last read went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import Client, MetricSyncState, SocialAccount
from tenants.models.base import utcnow


@dataclass(frozen=True)
class DueMetrics:
    """One account whose metrics should be read now."""

    account_id: int
    agency_id: int
    client_id: int


def ensure_states(*, session: Session, now: datetime | None = None) -> int:
    """Create the missing rows of connected accounts (due at once); returns how many were added."""
    now = now or utcnow()
    existing = set(session.scalars(select(MetricSyncState.account_id)))
    added = 0
    for account_id, agency_id, client_id in session.execute(
        select(SocialAccount.id, SocialAccount.agency_id, SocialAccount.client_id).where(
            SocialAccount.status == "connected"
        )
    ):
        if account_id not in existing:
            session.add(
                MetricSyncState(
                    agency_id=agency_id, client_id=client_id, account_id=account_id, next_sync_at=now
                )
            )
            added += 1
    session.flush()
    return added


def due_metric_syncs(*, session: Session, now: datetime | None = None, limit: int = 2000) -> list[DueMetrics]:
    """Accounts whose metrics are due, connected and of live clients, most overdue first."""
    rows = session.execute(
        select(MetricSyncState.account_id, MetricSyncState.agency_id, MetricSyncState.client_id)
        .join(SocialAccount, SocialAccount.id == MetricSyncState.account_id)
        .join(Client, Client.id == MetricSyncState.client_id)
        .where(
            MetricSyncState.next_sync_at <= (now or utcnow()),
            SocialAccount.status == "connected",
            Client.archived_at.is_(None),
            Client.deleted_at.is_(None),
        )
        .order_by(MetricSyncState.next_sync_at)
        .limit(limit)
    ).all()
    return [DueMetrics(*row) for row in rows]


def state_for(*, session: Session, account: SocialAccount) -> MetricSyncState:
    """The account's row, created when missing."""
    state = session.scalar(select(MetricSyncState).where(MetricSyncState.account_id == account.id))
    if state is None:
        state = MetricSyncState(
            agency_id=account.agency_id, client_id=account.client_id, account_id=account.id
        )
        session.add(state)
        session.flush()
    return state


def record_success(
    *, session: Session, state: MetricSyncState, minutes: float, now: datetime | None = None
) -> None:
    """A complete read: the next one after `minutes`."""
    now = now or utcnow()
    state.last_synced_at = now
    state.failures = 0
    state.error_class = None
    state.error_message = None
    state.next_sync_at = now + timedelta(minutes=minutes)


def refresh_now(
    *, session: Session, agency_id: int, client_id: int, now: datetime | None = None
) -> list[DueMetrics]:
    """Make every metrics read of the client due at once ("refresh now"); returns them to queue."""
    now = now or utcnow()
    ensure_states(session=session, now=now)
    states = session.scalars(
        select(MetricSyncState).where(
            MetricSyncState.agency_id == agency_id, MetricSyncState.client_id == client_id
        )
    ).all()
    for state in states:
        state.next_sync_at = now
    return [DueMetrics(s.account_id, s.agency_id, s.client_id) for s in states]
