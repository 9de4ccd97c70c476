"""The inbox API: keyset pages with filters, one item, triage by PATCH, replies queued once per key, and
another agency's items never found."""

from __future__ import annotations

import pytest
from redis import Redis
from sqlalchemy import select

from tenants.inbox.ingest import ingest
from tenants.models import InboxAction, InboxItem
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, api_token, member
from tests.web.test_inbox_views import SCRIPT, incoming
from worker.queues import get_queue


@pytest.fixture
def agency(session):
    return AgencyFactory(name="API Agency", slug="api-agency")


@pytest.fixture
def auth(agency):
    return {"Authorization": f"Bearer {api_token(agency)}"}


@pytest.fixture
def inbox(session, agency):
    client = ClientFactory(agency_id=agency.id)
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    ingest(session=session, account=account, items=[incoming(n, kind="mention") for n in range(30)])
    ingest(session=session, account=account, items=[incoming(99, kind="mention", text=SCRIPT, remote_id="s")])
    session.commit()
    return client, account


def test_pages_walk_every_item_once_newest_first(client, inbox, auth):
    owner, _account = inbox
    seen, cursor = [], None
    while True:
        url = f"/api/v1/clients/{owner.id}/inbox?limit=7" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=auth).get_json()
        seen += body["data"]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len({i["id"] for i in seen}) == 31
    stamps = [i["created_at"] for i in seen]
    assert stamps == sorted(stamps, reverse=True)
    script = next(i for i in seen if i["remote_id"] == "s")
    assert script["text"] == SCRIPT  # JSON carries the text as received; the OpenAPI says to escape it
    mentions = client.get(f"/api/v1/clients/{owner.id}/inbox?type=mention&network=mastodon", headers=auth)
    assert len(mentions.get_json()["data"]) == 31
    none = client.get(f"/api/v1/clients/{owner.id}/inbox?type=dm", headers=auth).get_json()
    assert none["data"] == [] and none["next_cursor"] is None
    assert client.get(f"/api/v1/clients/{owner.id}/inbox?status=nope", headers=auth).status_code == 422
    assert client.get(f"/api/v1/clients/{owner.id}/inbox?cursor=!!", headers=auth).status_code == 422


def test_patch_changes_status_assignee_and_tags(client, session, agency, inbox, auth):
    owner, _account = inbox
    item = session.scalars(select(InboxItem).order_by(InboxItem.id)).first()
    editor = member(agency, "editor")
    resp = client.patch(
        f"/api/v1/inbox/{item.id}",
        json={"status": "closed", "assignee_id": editor.id, "add_tags": ["Lead", "vip"]},
        headers=auth,
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert (body["status"], body["assignee_id"], sorted(body["tags"])) == (
        "closed",
        editor.id,
        ["lead", "vip"],
    )
    body = client.patch(f"/api/v1/inbox/{item.id}", json={"remove_tags": ["VIP"]}, headers=auth).get_json()
    assert body["tags"] == ["lead"]
    assert client.patch(f"/api/v1/inbox/{item.id}", json={"status": "gone"}, headers=auth).status_code == 422
    assert client.patch(f"/api/v1/inbox/{item.id}", json={"owner": 1}, headers=auth).status_code == 422


def test_a_reply_is_queued_once_per_idempotency_key(client, session, inbox, auth, settings):
    _owner, _account = inbox
    item = session.scalars(select(InboxItem).order_by(InboxItem.id)).first()
    headers = {**auth, "Idempotency-Key": "reply-1"}
    first = client.post(f"/api/v1/inbox/{item.id}/reply", json={"text": "Grazie!"}, headers=headers)
    again = client.post(f"/api/v1/inbox/{item.id}/reply", json={"text": "Grazie!"}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.get_json()["status"] == "pending"
    assert len(session.scalars(select(InboxAction)).all()) == 1
    assert get_queue("inbox", connection=Redis.from_url(settings.redis_url)).job_ids == [
        f"inbox-action-{first.get_json()['id']}"
    ]
    detail = client.get(f"/api/v1/inbox/{item.id}", headers=auth).get_json()
    assert [a["status"] for a in detail["actions"]] == ["pending"]
    empty = client.post(f"/api/v1/inbox/{item.id}/reply", json={"text": " "}, headers=auth)
    assert empty.status_code == 422


def test_another_agencys_inbox_is_not_found(client, session, inbox):
    owner, _account = inbox
    item = session.scalars(select(InboxItem)).first()
    stranger = AgencyFactory(name="Other", slug="other")
    theirs = {"Authorization": f"Bearer {api_token(stranger, 'cdz_stranger-token-0000000000')}"}
    assert client.get(f"/api/v1/clients/{owner.id}/inbox", headers=theirs).status_code == 404
    assert client.get(f"/api/v1/inbox/{item.id}", headers=theirs).status_code == 404
    assert (
        client.patch(f"/api/v1/inbox/{item.id}", json={"status": "closed"}, headers=theirs).status_code == 404
    )
    assert (
        client.post(f"/api/v1/inbox/{item.id}/reply", json={"text": "x"}, headers=theirs).status_code == 404
    )
    assert client.get("/api/v1/inbox/999999", headers=theirs).status_code == 404
    session.expire_all()
    assert session.get(InboxItem, item.id).status == "open"
