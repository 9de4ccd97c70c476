"""Meta's webhooks: the subscription check, signatures over the raw body, replays and stale deliveries
refused alike, and a webhook plus a poll of the same comment making one item."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from sqlalchemy import func, select

from tenants.inbox.webhook_ingest import ingest_webhook_items
from tenants.models import InboxItem
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory
from web.views.webhooks import meta_verify_token
from worker.jobs.inbox_sync import incoming
from worker.networks.meta_webhooks import parse_delivery

SECRET = "sandbox-secret-facebook"


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _comment_delivery(
    comment_id: str = "111_222", text: str = "Quando aprite?", at: float | None = None
) -> bytes:
    at = int(at or time.time())
    payload = {
        "object": "page",
        "entry": [
            {
                "id": "5550001",
                "time": at,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "comment_id": comment_id,
                            "post_id": "5550001_999",
                            "parent_id": "5550001_999",
                            "from": {"id": "3000000000001", "name": "Giulia Rossi"},
                            "message": text,
                            "created_time": at,
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload).encode()


@pytest.fixture
def page(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    account = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="facebook", remote_id="5550001"
    )
    session.commit()
    return account


def _count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(InboxItem.id)))


def _post(client, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature:
        headers["X-Hub-Signature-256"] = signature
    return client.post("/webhooks/meta", data=body, headers=headers)


def test_the_subscription_check_echoes_the_challenge_only_for_our_token(client, settings):
    token = meta_verify_token(settings)
    ok = client.get(f"/webhooks/meta?hub.mode=subscribe&hub.challenge=12345&hub.verify_token={token}")
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "12345"
    wrong = client.get("/webhooks/meta?hub.mode=subscribe&hub.challenge=12345&hub.verify_token=nope")
    assert wrong.status_code == 403 and "12345" not in wrong.get_data(as_text=True)


def test_a_signed_delivery_is_stored_once_and_its_replay_refused(client, page, session):
    body = _comment_delivery()
    assert _post(client, body, _sign(body)).status_code == 200
    assert _count(session) == 1
    item = session.scalars(select(InboxItem)).one()
    assert (item.remote_id, item.source, item.author_name) == ("111_222", "webhook", "Giulia Rossi")
    replay = _post(client, body, _sign(body))
    assert replay.status_code == 403
    assert _count(session) == 1


def test_bad_signatures_and_stale_deliveries_get_the_same_answer(client, page, session):
    body = _comment_delivery("111_333")
    answers = [
        _post(client, body, None),
        _post(client, body, _sign(body, "wrong-secret")),
        _post(client, body, _sign(body + b" ")),  # signed over different bytes
        _post(client, body.replace(b"Quando", b"QUANDO"), _sign(body)),  # body changed after signing
    ]
    stale = _comment_delivery("111_444", at=time.time() - 3 * 86400)
    answers.append(_post(client, stale, _sign(stale)))
    assert {(a.status_code, a.get_data(as_text=True)) for a in answers} == {(403, "rejected")}
    assert _count(session) == 0


def test_a_webhook_and_a_poll_of_the_same_comment_make_one_item(client, page, session):
    body = _comment_delivery("111_555")
    _post(client, body, _sign(body))
    polled = parse_delivery(json.loads(_comment_delivery("111_555")))
    ingest_webhook_items(
        session=session, items=[(w.network, w.account_remote_id, incoming(w.item)) for w in polled]
    )
    session.commit()
    assert _count(session) == 1
