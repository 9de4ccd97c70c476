"""Items a network pushed: stored for every connected account with that network id (any agency)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.inbox.incoming import Incoming
from tenants.inbox.ingest import IngestResult, ingest
from tenants.models import SocialAccount


def ingest_webhook_items(
    *, session: Session, items: list[tuple[str, str, Incoming]]
) -> list[tuple[SocialAccount, IngestResult]]:
    """Store (network, account network id, item) triples; unknown accounts are ignored."""
    grouped: dict[tuple[str, str], list[Incoming]] = {}
    for network, remote_id, item in items:
        grouped.setdefault((network, remote_id), []).append(item)
    results = []
    for (network, remote_id), batch in grouped.items():
        accounts = session.scalars(
            select(SocialAccount).where(
                SocialAccount.network == network,
                SocialAccount.remote_id == remote_id,
                SocialAccount.status == "connected",
            )
        ).all()
        for account in accounts:
            results.append((account, ingest(session=session, account=account, items=batch, source="webhook")))
    return results
