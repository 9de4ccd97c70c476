"""How fast a client's team answered and resolved, in business time: the figures the reports show.

Each item keeps its two times in business seconds, stamped when it is answered or closed under the
client's hours at that moment; the reports read those columns. Items answered before the columns
existed have them empty, and their times are computed here instead.
"""

from __future__ import annotations

import statistics
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from tenants.inbox.business_hours import business_seconds_between
from tenants.inbox.settings_store import InboxRules, get_settings, rules_of
from tenants.inbox.sla import summarise_response_times
from tenants.models import Client, InboxItem


def stamp_durations(*, session: Session, item: InboxItem, rules: InboxRules | None = None) -> None:
    """Store the item's first-response and resolution times in business seconds (None until they happen).

    Pass the client's `rules` (client_rules) when stamping many items of one client.
    """
    rules = rules or client_rules(session=session, agency_id=item.agency_id, client_id=item.client_id)
    item.first_response_seconds = (
        business_seconds_between(rules.hours, item.created_at, item.first_response_at)
        if item.first_response_at
        else None
    )
    item.resolution_seconds = (
        business_seconds_between(rules.hours, item.created_at, item.closed_at) if item.closed_at else None
    )


def response_time_report(
    *, session: Session, agency_id: int, client_id: int, start: datetime, end: datetime
) -> dict:
    """Items received in [start, end): counts, and first-response and resolution times against the targets.

    Times are business seconds under the client's hours (an item from Friday night answered Monday at 9:10
    took ten minutes); old history that arrived closed is left out, it was never the team's to answer.
    """
    rules = client_rules(session=session, agency_id=agency_id, client_id=client_id)
    rows = session.execute(
        select(
            InboxItem.created_at,
            InboxItem.received_at,
            InboxItem.first_response_at,
            InboxItem.closed_at,
            InboxItem.first_response_seconds,
            InboxItem.resolution_seconds,
        ).where(
            InboxItem.agency_id == agency_id,
            InboxItem.client_id == client_id,
            InboxItem.created_at >= start,
            InboxItem.created_at < end,
        )
    ).all()
    answered, resolved, total, history = [], [], 0, 0
    for created_at, received_at, first_response_at, closed_at, first_seconds, resolution_seconds in rows:
        if closed_at is not None and first_response_at is None and closed_at == received_at:
            history += 1  # stored closed on arrival: backlog from before the account was connected
            continue
        total += 1
        if first_response_at is not None:
            answered.append(
                first_seconds
                if first_seconds is not None
                else business_seconds_between(rules.hours, created_at, first_response_at)
            )
        if closed_at is not None:
            resolved.append(
                resolution_seconds
                if resolution_seconds is not None
                else business_seconds_between(rules.hours, created_at, closed_at)
            )
    return {
        "items": total,
        "history_skipped": history,
        "first_response": summarise_response_times(
            answered, target_seconds=rules.targets.first_response_seconds
        ),
        "resolution": summarise_response_times(resolved, target_seconds=rules.targets.resolution_seconds),
    }


def median_first_response(
    *, session: Session, agency_id: int, client_id: int, start: datetime, end: datetime
) -> float | None:
    """The median first response, in business seconds, of items received in [start, end); None if none."""
    in_range = and_(
        InboxItem.agency_id == agency_id,
        InboxItem.client_id == client_id,
        InboxItem.created_at >= start,
        InboxItem.created_at < end,
    )
    answered = and_(in_range, InboxItem.first_response_at.is_not(None))
    if session.get_bind().dialect.name == "postgresql":
        # Ordered by the partial index's own columns: with a bare LIMIT 1 the planner, expecting many
        # such rows, scans the whole table for one that is not there.
        unstamped = session.scalar(
            select(InboxItem.id)
            .where(
                in_range, InboxItem.first_response_at.is_not(None), InboxItem.first_response_seconds.is_(None)
            )
            .order_by(InboxItem.client_id, InboxItem.created_at)
            .limit(1)
        )
        if unstamped is None:
            # Every answered item is stamped: a median read from the partial index alone.
            median = session.scalar(
                select(func.percentile_cont(0.5).within_group(InboxItem.first_response_seconds)).where(
                    in_range, InboxItem.first_response_seconds.is_not(None)
                )
            )
            return float(median) if median is not None else None
    rules = client_rules(session=session, agency_id=agency_id, client_id=client_id)
    values = [
        seconds
        if seconds is not None
        else business_seconds_between(rules.hours, created_at, first_response_at)
        for seconds, created_at, first_response_at in session.execute(
            select(InboxItem.first_response_seconds, InboxItem.created_at, InboxItem.first_response_at).where(
                answered
            )
        )
    ]
    return statistics.median(values) if values else None


def client_rules(*, session: Session, agency_id: int, client_id: int) -> InboxRules:
    """The client's business hours and targets, in its current time zone."""
    client = session.get(Client, client_id)
    return rules_of(
        get_settings(session=session, agency_id=agency_id, client_id=client_id),
        timezone=client.timezone if client else None,
    )
