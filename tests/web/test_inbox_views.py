"""The inbox pages: filters, keyset pages, live rows, the thread, triage buttons, replies queued once,
untrusted text shown as text, and who may do what."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from sqlalchemy import select

from tenants.inbox.incoming import Incoming
from tenants.inbox.ingest import ingest
from tenants.models import InboxAction, InboxItem, InboxNote, Notification, utcnow
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, login, member
from worker.queues import get_queue

SCRIPT = '<script>alert("x")</script> Quando aprite?'


def incoming(n: int, *, text: str = "Bellissimo, grazie!", kind: str = "comment", **fields) -> Incoming:
    """A network item as a connector hands it over."""
    return Incoming(
        remote_id=fields.pop("remote_id", f"c-{n}"),
        kind=kind,
        author_id=fields.pop("author_id", f"fan-{n % 7}"),
        author_handle=fields.pop("author_handle", f"@fan{n % 7}"),
        author_name=fields.pop("author_name", f"Giulia Rossi {n % 7}"),
        text=text,
        created_at=fields.pop("created_at", utcnow() - timedelta(minutes=n)),
        post_remote_id=fields.pop("post_remote_id", "post-1" if kind == "comment" else None),
        **fields,
    )


@pytest.fixture
def world(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="mario", name="Da Mario")
    other = ClientFactory(agency_id=agency.id, slug="luigi", name="Da Luigi")
    account = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="facebook", handle="Da Mario"
    )
    other_account = SocialAccountFactory(
        agency_id=agency.id, client_id=other.id, network="x", handle="@luigi"
    )
    people = {role: member(agency, role) for role in ("owner", "editor", "analyst")}
    people["limited"] = member(agency, "editor", limited_to=[other])
    people |= {role: member(agency, role, client=client) for role in ("approver", "viewer")}
    ingest(session=session, account=account, items=[incoming(n) for n in range(60)])
    ingest(
        session=session,
        account=account,
        items=[
            incoming(100, text=SCRIPT, author_name="<b>Bad</b> Fan", remote_id="evil", created_at=utcnow())
        ],
    )
    ingest(session=session, account=other_account, items=[incoming(200, kind="mention", text="Luigi's")])
    session.commit()
    return agency, client, account, people


def _web(app, user):
    web = app.test_client()
    login(web, user)
    return web


def _ids(html: str) -> list[int]:
    return [int(m) for m in re.findall(r'<tr id="item-(\d+)"', html)]


def test_the_client_inbox_pages_newest_first_and_filters(app, world, session):
    _agency, _client, _account, people = world
    web = _web(app, people["owner"])
    first = web.get("/c/mario/inbox").get_data(as_text=True)
    ids = _ids(first)
    assert len(ids) == 50
    older = re.search(r'id="older" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    rest = _ids(web.get(older).get_data(as_text=True))
    assert len(rest) == 11 and not set(ids) & set(rest)
    items = {i.id: i for i in session.scalars(select(InboxItem))}
    order = [items[i].created_at for i in ids + rest]
    assert order == sorted(order, reverse=True)
    assert all(items[i].client_id == items[ids[0]].client_id for i in ids + rest)  # never Luigi's
    negative = web.get("/c/mario/inbox?status=all&sentiment=negative").get_data(as_text=True)
    assert all(items[i].sentiment == "negative" for i in _ids(negative))
    assert web.get("/c/mario/inbox?status=bogus").status_code == 400


def test_network_text_is_shown_as_text(app, world):
    _agency, _client, _account, people = world
    web = _web(app, people["owner"])
    html = web.get("/c/mario/inbox").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<b>Bad</b>" not in html and "&lt;b&gt;Bad&lt;/b&gt;" in html
    item_id = int(re.search(r'id="item-(\d+)"[^>]*>(?:(?!</tr>).)*&lt;script', html, re.S).group(1))
    thread = web.get(f"/c/mario/inbox/{item_id}").get_data(as_text=True)
    assert "<script>alert" not in thread and "&lt;script&gt;alert" in thread


def test_new_items_come_to_the_live_view(app, world, session):
    _agency, _client, account, people = world
    web = _web(app, people["owner"])
    html = web.get("/c/mario/inbox").get_data(as_text=True)
    newest = int(re.search(r'data-newest="(\d+)"', html).group(1))
    assert web.get(f"/c/mario/inbox/live?after={newest}").get_json()["count"] == 0
    ingest(session=session, account=account, items=[incoming(300, text=SCRIPT, remote_id="live-1")])
    session.commit()
    body = web.get(f"/c/mario/inbox/live?after={newest}").get_json()
    assert body["count"] == 1 and body["newest_id"] > newest
    assert "&lt;script&gt;" in body["html"] and "<script>" not in body["html"]


def test_the_agency_inbox_shows_only_the_clients_a_person_sees(app, world, session):
    _agency, _client, _account, people = world
    owner = _web(app, people["owner"]).get("/inbox?status=all").get_data(as_text=True)
    limited = _web(app, people["limited"]).get("/inbox?status=all").get_data(as_text=True)
    assert len(_ids(owner)) == 50
    luigi = [i.id for i in session.scalars(select(InboxItem).where(InboxItem.network == "x"))]
    assert _ids(limited) == luigi
    assert _web(app, people["viewer"]).get("/inbox").status_code == 403


def test_a_reply_is_queued_once_and_shown_pending(app, world, session, settings):
    _agency, _client, _account, people = world
    item = session.scalars(select(InboxItem).where(InboxItem.remote_id == "c-1")).one()
    web = _web(app, people["editor"])
    form = {"text": "Grazie {first_name}!", "request_key": "k-1"}
    assert web.post(f"/c/mario/inbox/{item.id}/reply", data=form).status_code == 302
    assert web.post(f"/c/mario/inbox/{item.id}/reply", data=form).status_code == 302
    rows = session.scalars(select(InboxAction).where(InboxAction.item_id == item.id)).all()
    assert len(rows) == 1 and rows[0].status == "pending"
    queued = get_queue("inbox", connection=Redis.from_url(settings.redis_url)).job_ids
    assert queued == [f"inbox-action-{rows[0].id}"]
    page = web.get(f"/c/mario/inbox/{item.id}").get_data(as_text=True)
    assert 'data-status="pending"' in page and 'data-pending="1"' in page
    assert web.get(f"/c/mario/inbox/{item.id}/actions").get_json()["done"] is False


def test_triage_assign_note_mention_tag_and_status(app, world, session):
    _agency, _client, _account, people = world
    item = session.scalars(select(InboxItem).where(InboxItem.remote_id == "c-2")).one()
    web = _web(app, people["owner"])
    editor = people["editor"]
    web.post(f"/c/mario/inbox/{item.id}/assign", data={"assignee_id": editor.id})
    local = editor.email.split("@")[0]
    web.post(f"/c/mario/inbox/{item.id}/note", data={"text": f"@{local} can you check the booking?"})
    web.post(f"/c/mario/inbox/{item.id}/tag", data={"tag": "Booking"})
    web.post(f"/c/mario/inbox/{item.id}/status", data={"status": "closed"})
    session.expire_all()
    item = session.get(InboxItem, item.id)
    assert item.assignee_id == editor.id and item.status == "closed" and item.closed_at
    assert session.scalars(
        select(InboxNote).where(InboxNote.item_id == item.id)
    ).one().mentioned_user_ids == [editor.id]
    kinds = set(session.scalars(select(Notification.kind).where(Notification.user_id == editor.id)))
    assert {"inbox.assigned", "inbox.mentioned"} <= kinds
    # The approver is not on the team: assigning to them is refused.
    web.post(f"/c/mario/inbox/{item.id}/assign", data={"assignee_id": people["approver"].id})
    session.expire_all()
    assert session.get(InboxItem, item.id).assignee_id == editor.id
    page = web.get(f"/c/mario/inbox?status=all&tag={_tag_id(session)}").get_data(as_text=True)
    assert _ids(page) == [item.id]


def _tag_id(session) -> int:
    from tenants.models import InboxTag

    return session.scalars(select(InboxTag.id)).one()


def test_bulk_close_and_assign(app, world, session):
    _agency, _client, _account, people = world
    ids = [i.id for i in session.scalars(select(InboxItem).where(InboxItem.network == "facebook")).all()[:5]]
    web = _web(app, people["owner"])
    web.post(
        "/c/mario/inbox/bulk", data={"item_ids": ids, "status": "closed", "assignee_id": people["editor"].id}
    )
    session.expire_all()
    changed = [session.get(InboxItem, i) for i in ids]
    assert all(i.status == "closed" and i.assignee_id == people["editor"].id for i in changed)


def test_roles_decide_who_reads_and_who_answers(app, world, session):
    _agency, _client, _account, people = world
    item = session.scalars(select(InboxItem).where(InboxItem.remote_id == "c-3")).one()
    assert _web(app, people["analyst"]).get("/c/mario/inbox").status_code == 200
    analyst = _web(app, people["analyst"]).post(
        f"/c/mario/inbox/{item.id}/reply", data={"text": "hi", "request_key": "a"}
    )
    assert analyst.status_code == 403
    assert _web(app, people["viewer"]).get("/c/mario/inbox").status_code == 403
    assert _web(app, people["approver"]).get(f"/c/mario/inbox/{item.id}").status_code == 403
    # Another client's item under this client's URL does not exist.
    luigi = session.scalars(select(InboxItem).where(InboxItem.network == "x")).one()
    assert _web(app, people["owner"]).get(f"/c/mario/inbox/{luigi.id}").status_code == 404


def test_overdue_items_are_flagged_and_filtered(app, world, session):
    _agency, _client, account, people = world
    late = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday: due an hour later, long past now
    ingest(session=session, account=account, items=[incoming(400, remote_id="late", created_at=late)])
    item = session.scalars(select(InboxItem).where(InboxItem.remote_id == "late")).one()
    item.status, item.closed_at = "open", None  # a backlog item starts closed; reopen it
    session.commit()
    html = _web(app, people["owner"]).get("/c/mario/inbox?overdue=1").get_data(as_text=True)
    assert item.id in _ids(html) and "overdue-flag" in html
