"""What ingest stores for a new item: its own fields, the enrichment, SLA due times and column defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tenants.inbox.incoming import Incoming
from tenants.inbox.ingest import ingest
from tenants.models import InboxItem
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory

# A Wednesday, 10:00 in Rome: inside the default business hours (Monday to Friday, 09:00-18:00).
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_every_column_of_a_new_item_is_stored_as_ingest_computed_it(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, timezone="Europe/Rome")
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    fresh = Incoming(
        remote_id="s-1",
        kind="comment",
        author_id="u-7",
        author_handle="giulia",
        author_name="Giulia Rossi",
        text="Servizio pessimo, nessuno risponde. A che ora aprite domani?",
        created_at=NOW - timedelta(minutes=30),
        post_remote_id="p-9",
        author_followers=1200,
    )
    old = Incoming(
        remote_id="s-2",
        kind="dm",
        author_id="u-8",
        author_handle="marco",
        author_name="Marco",
        text="Thanks a lot!",
        created_at=NOW - timedelta(days=30),
    )
    result = ingest(session=session, account=account, items=[fresh, old], now=NOW)
    session.commit()
    rows = {i.remote_id: i for i in session.scalars(select(InboxItem))}
    assert sorted(result.new_ids) == sorted(i.id for i in rows.values()) and result.negative == 1
    item = rows["s-1"]
    assert (item.agency_id, item.client_id, item.account_id, item.network) == (
        agency.id,
        client.id,
        account.id,
        "mastodon",
    )
    assert (item.kind, item.thread_key, item.post_remote_id, item.parent_remote_id) == (
        "comment",
        "post:p-9",
        "p-9",
        None,
    )
    assert (item.author_id, item.author_handle, item.author_name, item.author_followers) == (
        "u-7",
        "giulia",
        "Giulia Rossi",
        1200,
    )
    assert item.created_at == NOW - timedelta(minutes=30) and item.received_at == NOW
    assert (item.source, item.status, item.closed_at, item.language) == ("poll", "open", None, "it")
    assert item.sentiment == "negative" and item.sentiment_score < 0 and item.is_question
    assert item.priority > rows["s-2"].priority
    # One hour and eight hours of business time from 09:30 in Rome (08:30 UTC): 10:30 and 17:30 there.
    assert item.first_response_due_at == datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    assert item.resolution_due_at == datetime(2026, 12, 2, 16, 30, tzinfo=UTC)
    assert (item.assignee_id, item.first_response_at, item.deleted_at) == (None, None, None)
    assert (item.liked, item.hidden, item.updated_at) == (False, False, NOW)
    backlog = rows["s-2"]
    assert (backlog.status, backlog.closed_at, backlog.thread_key) == ("closed", NOW, "dm:u-8")
    assert backlog.sentiment == "positive" and backlog.language == "en"
