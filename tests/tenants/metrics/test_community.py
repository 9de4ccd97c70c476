"""The Community page's figures on hand-built items: volume per local day and kind, sentiment, networks,
the previous range, response times, and never another client's items."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import NoResultFound

from tenants.metrics.community import community_report
from tenants.models import InboxItem
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory

START, END = date(2026, 11, 2), date(2026, 11, 8)  # a week; the previous one is Oct 26 - Nov 1


def _item(session, account, when, *, kind="comment", sentiment="neutral", **fields):
    session.add(
        InboxItem(
            agency_id=account.agency_id,
            client_id=account.client_id,
            account_id=account.id,
            network=account.network,
            kind=kind,
            remote_id=f"r{len(session.new)}-{when.isoformat()}-{kind}",
            created_at=when,
            received_at=when,
            sentiment=sentiment,
            **fields,
        )
    )


@pytest.fixture
def accounts(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, timezone="Europe/Rome")
    other = ClientFactory(agency_id=agency.id, timezone="Europe/Rome")
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    ig = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="instagram")
    foreign = SocialAccountFactory(agency_id=agency.id, client_id=other.id, network="x")
    return client, x, ig, foreign


def test_volume_by_local_day_kind_sentiment_and_network(session, accounts):
    client, x, ig, foreign = accounts
    # 23:30 UTC on Nov 2 is 00:30 on Nov 3 in Rome: it belongs to the 3rd.
    _item(session, x, datetime(2026, 11, 2, 23, 30, tzinfo=UTC), kind="mention", sentiment="positive")
    _item(session, x, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), kind="dm", sentiment="negative")
    _item(session, ig, datetime(2026, 11, 5, 12, 0, tzinfo=UTC), sentiment="positive")
    _item(session, ig, datetime(2026, 11, 8, 22, 59, tzinfo=UTC))  # 23:59 on the 8th: last minute in
    _item(session, ig, datetime(2026, 11, 8, 23, 0, tzinfo=UTC))  # midnight: the 9th, after the range
    _item(session, x, datetime(2026, 10, 30, 12, 0, tzinfo=UTC), sentiment="negative")  # previous week
    _item(session, foreign, datetime(2026, 11, 5, 12, 0, tzinfo=UTC), sentiment="negative")
    session.commit()
    report = community_report(
        session=session, agency_id=client.agency_id, client_id=client.id, start=START, end=END
    )
    assert report.total == 4 and report.previous_total == 1
    assert [d.day for d in report.days] == [START + timedelta(days=n) for n in range(7)]
    per_day = {d.day: d.total for d in report.days}
    assert per_day[date(2026, 11, 2)] == 1 and per_day[date(2026, 11, 3)] == 1
    assert per_day[date(2026, 11, 5)] == 1 and per_day[date(2026, 11, 8)] == 1
    assert report.days[0].kinds == {"comment": 0, "mention": 0, "dm": 1}
    assert report.by_kind == {"comment": 2, "mention": 1, "dm": 1}
    assert report.by_sentiment == {"positive": 2, "neutral": 1, "negative": 1}
    assert report.previous_by_sentiment == {"positive": 0, "neutral": 0, "negative": 1}
    assert report.by_network == {"instagram": 2, "x": 2}
    assert report.sentiment_share("positive") == 50.0
    assert report.sentiment_share("negative", previous=True) == 100.0


def test_response_times_for_the_range_and_the_previous_one(session, accounts):
    client, x, _ig, _foreign = accounts
    tuesday_10 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)  # 10:00 in Rome, inside default business hours
    for minutes in (10, 30, 90):
        _item(session, x, tuesday_10, first_response_at=tuesday_10 + timedelta(minutes=minutes))
    week_before = tuesday_10 - timedelta(days=7)
    _item(session, x, week_before, first_response_at=week_before + timedelta(hours=2))
    session.commit()
    report = community_report(
        session=session, agency_id=client.agency_id, client_id=client.id, start=START, end=END
    )
    assert report.response["items"] == 3
    assert report.response["first_response"]["median"] == 30 * 60
    assert report.previous_response["first_response"]["median"] == 2 * 3600


def test_an_empty_range_has_zero_items_and_no_sentiment_share(session, accounts):
    client, *_ = accounts
    report = community_report(
        session=session, agency_id=client.agency_id, client_id=client.id, start=START, end=END
    )
    assert report.total == 0 and report.sentiment_share("positive") is None
    assert report.response["first_response"]["median"] is None


def test_another_agency_cannot_read_a_client_through_its_own_id(session, accounts):
    client, *_ = accounts
    stranger = AgencyFactory()
    with pytest.raises(NoResultFound):
        community_report(session=session, agency_id=stranger.id, client_id=client.id, start=START, end=END)
