"""Storing items from the networks: once per network id, enriched, closed when they are old history, due
by the client's business hours, and handled by the client's moderation rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tenants.inbox import moderation
from tenants.inbox.incoming import Incoming
from tenants.inbox.ingest import ingest
from tenants.models import InboxAction, InboxItem, InboxItemTag, InboxTag
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, member

FRIDAY_EVENING = datetime(2026, 12, 4, 17, 30, tzinfo=UTC)  # 18:30 in Rome, after closing


def _incoming(
    n: int, text: str, *, at: datetime = FRIDAY_EVENING, kind: str = "comment", **fields
) -> Incoming:
    return Incoming(
        remote_id=fields.pop("remote_id", f"r-{n}"),
        kind=kind,
        author_id=f"a-{n}",
        author_handle=f"@a{n}",
        author_name=fields.pop("author_name", f"Anna Verdi {n}"),
        text=text,
        created_at=at,
        post_remote_id="p-1" if kind == "comment" else None,
        **fields,
    )


@pytest.fixture
def shop(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, timezone="Europe/Rome")
    facebook = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="facebook")
    mastodon = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    editor = member(agency, "editor")
    session.commit()
    return client, facebook, mastodon, editor


def _items(session) -> list[InboxItem]:
    session.expire_all()
    return list(session.scalars(select(InboxItem).order_by(InboxItem.id)))


def test_the_same_item_twice_is_stored_once(session, shop):
    _client, facebook, mastodon, _editor = shop
    first = ingest(session=session, account=facebook, items=[_incoming(1, "Ciao"), _incoming(1, "Ciao")])
    again = ingest(session=session, account=facebook, items=[_incoming(1, "Ciao"), _incoming(2, "Hi")])
    # The same network id on another account is another item.
    other = ingest(session=session, account=mastodon, items=[_incoming(1, "Ciao", kind="mention")])
    assert (len(first.new_ids), len(again.new_ids), len(other.new_ids)) == (1, 1, 1)
    assert len(_items(session)) == 3


def test_items_are_enriched_and_due_by_business_hours(session, shop):
    _client, facebook, _mastodon, _editor = shop
    now = FRIDAY_EVENING + timedelta(minutes=5)
    ingest(
        session=session,
        account=facebook,
        items=[
            _incoming(1, "Servizio pessimo, non torneremo mai più!"),
            _incoming(2, "Where are you in Milan?"),
        ],
        now=now,
    )
    angry, asking = _items(session)
    assert (angry.sentiment, angry.language, angry.priority) == ("negative", "it", 2)
    assert (asking.language, asking.is_question) == ("en", True)
    # Arrived after closing on Friday: the hour's target runs from Monday 09:00 in Rome.
    assert angry.first_response_due_at == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert angry.resolution_due_at > angry.first_response_due_at
    assert angry.status == "open" and angry.received_at == now


def test_old_history_arrives_closed(session, shop):
    _client, facebook, _mastodon, _editor = shop
    now = FRIDAY_EVENING
    ingest(
        session=session,
        account=facebook,
        items=[_incoming(1, "Vecchio", at=now - timedelta(days=30))],
        now=now,
    )
    (item,) = _items(session)
    assert item.status == "closed" and item.closed_at == now


def test_rules_tag_assign_and_hide_where_the_network_can(session, shop):
    client, facebook, mastodon, editor = shop
    scope = {"session": session, "agency_id": client.agency_id, "client_id": client.id}
    moderation.create_rule(
        **scope,
        name="Refunds",
        keywords=["rimborso", "money back"],
        match_offensive=False,
        action="tag",
        tag_name="refund",
    )
    moderation.create_rule(
        **scope,
        name="Refunds to Eva",
        keywords=["rimborso"],
        match_offensive=False,
        action="assign",
        assignee_id=editor.id,
    )
    moderation.create_rule(**scope, name="Insults", keywords=[], match_offensive=True, action="hide")
    session.commit()
    result = ingest(
        session=session,
        account=facebook,
        items=[
            _incoming(1, "Voglio un RIMBORSO subito"),
            _incoming(2, "I want my money back"),
            _incoming(3, "Siete degli stronzi"),
            _incoming(4, "Tutto buonissimo"),
        ],
    )
    ingest(session=session, account=mastodon, items=[_incoming(5, "Che stronzi", kind="mention")])
    session.commit()
    refund, money, insult, praise, masto = _items(session)
    tag = session.scalars(select(InboxTag)).one()
    tagged = set(session.scalars(select(InboxItemTag.item_id).where(InboxItemTag.tag_id == tag.id)))
    assert tagged == {refund.id, money.id}
    assert refund.assignee_id == editor.id and money.assignee_id is None and praise.assignee_id is None
    hides = session.scalars(select(InboxAction).where(InboxAction.action == "hide")).all()
    # Facebook can hide a comment; Mastodon cannot hide a mention, so no hide is queued for it.
    assert [h.item_id for h in hides] == [insult.id] and result.hide_action_ids == [hides[0].id]
    assert masto.id not in {h.item_id for h in hides}


def test_a_nameless_webhook_item_is_named_by_the_poll(session, shop):
    _client, facebook, _mastodon, _editor = shop
    ingest(
        session=session,
        account=facebook,
        items=[_incoming(1, "Ciao", kind="dm", author_name="")],
        source="webhook",
    )
    ingest(
        session=session, account=facebook, items=[_incoming(1, "Ciao", kind="dm", author_name="Anna Verdi")]
    )
    (item,) = _items(session)
    assert (item.source, item.author_name) == ("webhook", "Anna Verdi")


def test_text_a_database_cannot_hold_is_cleaned_not_fatal(session, shop):
    """A NUL character or a lone surrogate (both legal in a network's JSON) would fail the whole page."""
    _client, facebook, _mastodon, _editor = shop
    odd = [
        _incoming(1, "Ciao\x00 a tutti", author_name="Anna\x00"),
        _incoming(2, "Broken emoji \ud83d here", author_name="Luca \udc00"),
        _incoming(3, "Tutto bene 😀"),
    ]
    result = ingest(session=session, account=facebook, items=odd)
    session.commit()
    assert len(result.new_ids) == 3
    texts = {i.remote_id: (i.text, i.author_name) for i in _items(session)}
    assert texts["r-1"] == ("Ciao a tutti", "Anna")
    assert texts["r-2"][0].startswith("Broken emoji ") and "\ud83d" not in texts["r-2"][0]
    assert "\udc00" not in texts["r-2"][1]
    assert texts["r-3"] == ("Tutto bene 😀", "Anna Verdi 3")
