"""How fast a client's team answered and resolved, in business time: the figures the reports show."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.inbox.business_hours import business_seconds_between
from tenants.inbox.settings_store import get_settings, rules_of
from tenants.inbox.sla import summarise_response_times
from tenants.models import Client, InboxItem


def response_time_report(
    *, session: Session, agency_id: int, client_id: int, start: datetime, end: datetime
) -> dict:
    """Items received in [start, end): counts, and first-response and resolution times against the targets.

    Times are business seconds under the client's hours (an item from Friday night answered Monday at 9:10
    took ten minutes); old history that arrived closed is left out, it was never the team's to answer.
    """
    client = session.get(Client, client_id)
    rules = rules_of(
        get_settings(session=session, agency_id=agency_id, client_id=client_id),
        timezone=client.timezone if client else None,
    )
    rows = session.execute(
        select(
            InboxItem.created_at, InboxItem.received_at, InboxItem.first_response_at, InboxItem.closed_at
        ).where(
            InboxItem.agency_id == agency_id,
            InboxItem.client_id == client_id,
            InboxItem.created_at >= start,
            InboxItem.created_at < end,
        )
    ).all()
    answered, resolved, total, history = [], [], 0, 0
    for created_at, received_at, first_response_at, closed_at in rows:
        if closed_at is not None and first_response_at is None and closed_at == received_at:
            history += 1  # stored closed on arrival: backlog from before the account was connected
            continue
        total += 1
        if first_response_at is not None:
            answered.append(business_seconds_between(rules.hours, created_at, first_response_at))
        if closed_at is not None:
            resolved.append(business_seconds_between(rules.hours, created_at, closed_at))
    return {
        "items": total,
        "history_skipped": history,
        "first_response": summarise_response_times(
            answered, target_seconds=rules.targets.first_response_seconds
        ),
        "resolution": summarise_response_times(resolved, target_seconds=rules.targets.resolution_seconds),
    }
