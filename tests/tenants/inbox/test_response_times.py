"""Response-time figures for the reports, in business time under the client's hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tenants.inbox.incoming import Incoming
from tenants.inbox.ingest import ingest
from tenants.inbox.response_times import response_time_report
from tenants.models import InboxItem
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory

MONDAY_0900_ROME = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _item(n: int, at: datetime) -> Incoming:
    return Incoming(
        remote_id=f"r-{n}",
        kind="mention",
        author_id="a",
        author_handle="@a",
        author_name="A",
        text="Ciao?",
        created_at=at,
    )


def test_a_weekend_message_answered_monday_morning_took_minutes_of_business_time(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, timezone="Europe/Rome")
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    saturday = MONDAY_0900_ROME - timedelta(days=2)
    friday_noon = MONDAY_0900_ROME - timedelta(days=3) + timedelta(hours=3)  # 12:00 in Rome
    ingest(
        session=session, account=account, items=[_item(1, saturday), _item(2, friday_noon)], now=friday_noon
    )
    ingest(
        session=session,
        account=account,
        items=[_item(3, MONDAY_0900_ROME - timedelta(days=60))],
        now=MONDAY_0900_ROME,
    )
    weekend, friday = (
        session.query(InboxItem).filter(InboxItem.remote_id.in_(["r-1", "r-2"])).order_by(InboxItem.remote_id)
    )
    weekend.first_response_at = MONDAY_0900_ROME + timedelta(minutes=10)
    weekend.closed_at = MONDAY_0900_ROME + timedelta(hours=2)
    friday.first_response_at = friday_noon + timedelta(hours=3)
    session.commit()
    report = response_time_report(
        session=session,
        agency_id=agency.id,
        client_id=client.id,
        start=MONDAY_0900_ROME - timedelta(days=90),
        end=MONDAY_0900_ROME + timedelta(days=1),
    )
    assert (report["items"], report["history_skipped"]) == (2, 1)
    first = report["first_response"]
    assert first["count"] == 2 and first["median"] == (600 + 3 * 3600) / 2
    assert first["within_target"] == 0.5  # ten minutes is within the hour, three hours is not
    assert report["resolution"]["count"] == 1 and report["resolution"]["median"] == 2 * 3600


def test_answer_and_close_times_are_stamped_in_business_seconds(session):
    from tenants.inbox import triage
    from tenants.inbox.response_times import median_first_response, stamp_durations

    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, timezone="Europe/Rome")
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    saturday = MONDAY_0900_ROME - timedelta(days=2)
    ingest(session=session, account=account, items=[_item(n, saturday) for n in range(3)], now=saturday)
    items = session.query(InboxItem).order_by(InboxItem.remote_id).all()
    for item, minutes in zip(items, (10, 20, 90), strict=True):
        item.first_response_at = MONDAY_0900_ROME + timedelta(minutes=minutes)
        stamp_durations(session=session, item=item)
    triage.set_status(
        session=session, item=items[0], status="closed", user=None, now=MONDAY_0900_ROME + timedelta(hours=1)
    )
    session.commit()
    assert [i.first_response_seconds for i in items] == [600, 1200, 5400]
    assert items[0].resolution_seconds == 3600 and items[1].resolution_seconds is None
    window = {
        "agency_id": agency.id,
        "client_id": client.id,
        "start": saturday,
        "end": MONDAY_0900_ROME + timedelta(days=1),
    }
    assert median_first_response(session=session, **window) == 1200
    triage.set_status(session=session, item=items[0], status="open", user=None)
    assert items[0].resolution_seconds is None  # reopened: not resolved any more
    # A row answered before the columns existed is computed on the fly, with the same result.
    items[1].first_response_seconds = None
    session.commit()
    assert median_first_response(session=session, **window) == 1200
