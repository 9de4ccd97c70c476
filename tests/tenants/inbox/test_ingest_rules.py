"""Moderation rules at ingest: each new item is tagged, assigned or hidden by the rules its words match."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tenants.inbox import moderation, triage
from tenants.inbox.incoming import Incoming
from tenants.inbox.ingest import IngestContext, ingest
from tenants.models import InboxAction, InboxItem, InboxItemTag, utcnow
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, member


def _item(n: int, text: str) -> Incoming:
    return Incoming(
        remote_id=f"m-{n}",
        kind="comment",  # a Facebook comment: the page may hide it
        author_id=f"a-{n}",
        author_handle=f"fan{n}",
        author_name=f"Fan {n}",
        text=text,
        created_at=utcnow() - timedelta(minutes=n),
    )


def test_rules_match_words_stems_phrases_and_offensive_words_once_per_item(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="facebook")
    manager = member(agency, "manager")
    scope = {"session": session, "agency_id": agency.id, "client_id": client.id}
    complaint = triage.get_or_create_tag(**scope, name="reclamo")
    press = triage.get_or_create_tag(**scope, name="stampa")
    for name, keywords, offensive, action, extra in (
        ("Reclami", ["pessimo", "rimbors*"], False, "tag", {"tag_id": complaint.id}),
        ("Stampa", ["ufficio stampa"], False, "tag", {"tag_id": press.id}),
        ("Rimborsi a Luca", ["rimbors*", "refund"], False, "assign", {"assignee_id": manager.id}),
        ("Volgarità", [], True, "hide", {}),
    ):
        moderation.create_rule(
            **scope, name=name, keywords=keywords, match_offensive=offensive, action=action, **extra
        )
    session.flush()
    texts = {
        "m-1": "Servizio PESSIMO, voglio il rimborso",  # keyword, stem and the assign rule
        "m-2": "Sono dell'Ufficio Stampa di Radio Uno",  # a phrase, any case
        "m-3": "Che stronzata, davvero",  # an offensive stem: hidden
        "m-4": "Tutto perfetto, grazie! #pessimo @pessimo",  # hashtags and mentions are not words
        "m-5": "Refund please",
    }
    result = ingest(session=session, account=account, items=[_item(n, texts[f"m-{n}"]) for n in range(1, 6)])
    session.flush()
    items = {i.remote_id: i for i in session.scalars(select(InboxItem))}
    tags = set(
        session.execute(
            select(InboxItem.remote_id, InboxItemTag.tag_id).join(
                InboxItem, InboxItem.id == InboxItemTag.item_id
            )
        ).all()
    )
    assert tags == {("m-1", complaint.id), ("m-2", press.id)}
    assert {r: i.assignee_id for r, i in items.items() if i.assignee_id} == {
        "m-1": manager.id,
        "m-5": manager.id,
    }
    hidden = session.scalars(select(InboxAction.item_id).where(InboxAction.action == "hide")).all()
    assert hidden == [items["m-3"].id] and result.hide_action_ids and len(result.new_ids) == 5


def test_the_pages_of_one_read_share_the_rules_its_first_new_item_loaded(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    scope = {"session": session, "agency_id": agency.id, "client_id": client.id}
    complaint = triage.get_or_create_tag(**scope, name="reclamo")
    read = IngestContext()
    ingest(session=session, account=account, items=[], context=read)
    assert read.rules is None  # nothing new, nothing read
    ingest(session=session, account=account, items=[_item(1, "Servizio pessimo")], context=read)
    assert read.rules is not None and read.compiled == []
    moderation.create_rule(
        **scope,
        name="Reclami",
        keywords=["pessimo"],
        match_offensive=False,
        action="tag",
        tag_id=complaint.id,
    )
    session.flush()
    # The rule saved during the read applies from the next read on.
    ingest(session=session, account=account, items=[_item(2, "Pessimo davvero")], context=read)
    ingest(session=session, account=account, items=[_item(3, "Ancora pessimo")])
    session.flush()
    tagged = session.scalars(
        select(InboxItem.remote_id).join(InboxItemTag, InboxItemTag.item_id == InboxItem.id)
    ).all()
    assert tagged == ["m-3"]
