"""When each account's comments, mentions and DMs are read next, and how the last read went."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.inbox.settings_store import get_settings
from tenants.models import Client, InboxSettings, InboxSyncState, MetricSyncState, SocialAccount
from tenants.models.base import utcnow
from tenants.networks import inbox_kinds

MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class DueSync:
    """One account's inbox kind that should be read now."""

    account_id: int
    kind: str
    agency_id: int
    client_id: int


def ensure_states(*, session: Session, now: datetime | None = None) -> int:
    """Create the missing sync rows of connected accounts (due at once); returns how many were added."""
    now = now or utcnow()
    existing = {(a, k) for a, k in session.execute(select(InboxSyncState.account_id, InboxSyncState.kind))}
    added = 0
    accounts = session.execute(
        select(
            SocialAccount.id, SocialAccount.agency_id, SocialAccount.client_id, SocialAccount.network
        ).where(SocialAccount.status == "connected")
    ).all()
    for account_id, agency_id, client_id, network in accounts:
        for kind in inbox_kinds(network):
            if (account_id, kind) not in existing:
                session.add(
                    InboxSyncState(
                        agency_id=agency_id,
                        client_id=client_id,
                        account_id=account_id,
                        kind=kind,
                        next_sync_at=now,
                    )
                )
                added += 1
    session.flush()
    return added


def due_syncs(*, session: Session, now: datetime | None = None, limit: int = 2000) -> list[DueSync]:
    """Reads that are due, for connected accounts of live clients, most overdue first."""
    now = now or utcnow()
    rows = session.execute(
        select(
            InboxSyncState.account_id, InboxSyncState.kind, InboxSyncState.agency_id, InboxSyncState.client_id
        )
        .join(SocialAccount, SocialAccount.id == InboxSyncState.account_id)
        .join(Client, Client.id == InboxSyncState.client_id)
        .where(
            InboxSyncState.next_sync_at <= now,
            SocialAccount.status == "connected",
            Client.archived_at.is_(None),
            Client.deleted_at.is_(None),
        )
        .order_by(InboxSyncState.next_sync_at)
        .limit(limit)
    ).all()
    return [DueSync(*row) for row in rows]


def state_for(*, session: Session, account: SocialAccount, kind: str) -> InboxSyncState:
    """The account's sync row for this kind, created when missing."""
    state = session.scalar(
        select(InboxSyncState).where(InboxSyncState.account_id == account.id, InboxSyncState.kind == kind)
    )
    if state is None:
        state = InboxSyncState(
            agency_id=account.agency_id, client_id=account.client_id, account_id=account.id, kind=kind
        )
        session.add(state)
        session.flush()
    return state


def record_success(
    *, session: Session, state: InboxSyncState, new_items: int, now: datetime | None = None
) -> None:
    """A complete read: next one after the client's interval."""
    now = now or utcnow()
    settings: InboxSettings = get_settings(
        session=session, agency_id=state.agency_id, client_id=state.client_id
    )
    state.last_synced_at = now
    state.last_new_items = new_items
    state.failures = 0
    state.error_class = None
    state.error_message = None
    state.next_sync_at = now + timedelta(minutes=settings.sync_minutes)


def record_failure(
    *,
    session: Session,
    state: InboxSyncState | MetricSyncState,
    error_class: str,
    message: str,
    retry_at: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """A read that failed: try again when the network said, else back off (reconnects wait for a person)."""
    now = now or utcnow()
    state.failures += 1
    state.error_class = error_class
    state.error_message = message[:500]
    if retry_at is None:
        backoff = min(timedelta(seconds=30 * 2 ** min(state.failures, 8)), MAX_BACKOFF)
        retry_at = now + backoff * (0.8 + 0.4 * random.random())
    state.next_sync_at = retry_at


def sync_now(
    *, session: Session, agency_id: int, client_id: int, now: datetime | None = None
) -> list[DueSync]:
    """Make every read of the client's accounts due at once ("sync now"); returns them to queue."""
    now = now or utcnow()
    ensure_states(session=session, now=now)
    states = session.scalars(
        select(InboxSyncState).where(
            InboxSyncState.agency_id == agency_id, InboxSyncState.client_id == client_id
        )
    ).all()
    for state in states:
        state.next_sync_at = now
    return [DueSync(s.account_id, s.kind, s.agency_id, s.client_id) for s in states]


def sync_overview(
    *, session: Session, agency_id: int, client_id: int
) -> list[tuple[SocialAccount, InboxSyncState]]:
    """Each account's sync rows, for the inbox's status line."""
    return [
        (account, state)
        for account, state in session.execute(
            select(SocialAccount, InboxSyncState)
            .join(InboxSyncState, InboxSyncState.account_id == SocialAccount.id)
            .where(InboxSyncState.agency_id == agency_id, InboxSyncState.client_id == client_id)
            .order_by(SocialAccount.network, SocialAccount.handle, InboxSyncState.kind)
        )
    ]
