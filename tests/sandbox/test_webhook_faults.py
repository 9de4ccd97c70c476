"""Webhook faults and replays: duplicates, out of order, bad signatures, redelivery, the answers kept."""

from __future__ import annotations

import json
import time

import pytest

from sandbox.networks.meta.world import APPS
from tests.sandbox.meta_graph import FB_APP, TRATTORIA, install, page_token, signed_by, subscribe

SECRET = APPS[FB_APP]["secret"]


@pytest.fixture
def subscribed(sandbox, receiver):
    """Trattoria's page events (comments and messages) go to the receiver."""
    install(sandbox.url, page_token(sandbox.url))
    assert subscribe(sandbox.url, receiver.url).json() == {"success": True}
    return receiver


def _comment_id(body: bytes) -> str:
    return json.loads(body)["entry"][0]["changes"][0]["value"]["comment_id"]


def _settled(sandbox, timeout: float = 8.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while (listing := sandbox.webhooks())["pending"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert listing["pending"] == 0
    return listing["deliveries"]


def test_a_duplicate_delivers_the_same_bytes_and_signature_twice(sandbox, subscribed):
    sandbox.fault("facebook", "duplicate", account=TRATTORIA)
    said = sandbox.say("facebook", "comment", TRATTORIA, "Due volte?")
    first, second = subscribed.wait_for(2)
    assert first.body == second.body and _comment_id(first.body) == said["id"]
    assert first.headers["X-Hub-Signature-256"] == second.headers["X-Hub-Signature-256"]
    original, copy = _settled(sandbox)
    assert original["faults"] == ["duplicate"] and copy["duplicate_of"] == original["id"]
    assert [d["status"] for d in (original, copy)] == [200, 200]


def test_out_of_order_holds_a_delivery_until_the_next_one_went_out(sandbox, subscribed):
    sandbox.fault("facebook", "out_of_order", account=TRATTORIA)
    early = sandbox.say("facebook", "comment", TRATTORIA, "Scritto per primo")
    late = sandbox.say("facebook", "comment", TRATTORIA, "Scritto per secondo")
    hits = subscribed.wait_for(2)
    assert [_comment_id(h.body) for h in hits] == [late["id"], early["id"]]
    held, next_one = _settled(sandbox)
    assert held["faults"] == ["out_of_order"] and held["order"] > next_one["order"]


def test_a_held_delivery_goes_out_alone_when_its_hold_ends(sandbox, subscribed):
    sandbox.fault("facebook", "out_of_order", account=TRATTORIA, hold_seconds=0.3)
    said = sandbox.say("facebook", "comment", TRATTORIA, "Nessuno dopo di me")
    (hit,) = subscribed.wait_for(1)
    assert _comment_id(hit.body) == said["id"]


def test_a_bad_signature_does_not_verify_with_the_app_secret(sandbox, subscribed):
    sandbox.fault("facebook", "bad_signature", account=TRATTORIA)
    sandbox.say("facebook", "comment", TRATTORIA, "Firmato male")
    sandbox.say("facebook", "comment", TRATTORIA, "Firmato bene")
    bad, good = subscribed.wait_for(2)
    assert not signed_by(SECRET, bad.body, bad.headers["X-Hub-Signature-256"])
    assert signed_by(SECRET, good.body, good.headers["X-Hub-Signature-256"])
    assert [d["faults"] for d in _settled(sandbox)] == [["bad_signature"], []]


def test_redeliver_sends_a_recorded_delivery_again_byte_for_byte(sandbox, subscribed):
    sandbox.say("facebook", "comment", TRATTORIA, "Replay?")
    (original,) = subscribed.wait_for(1)
    (recorded,) = _settled(sandbox)
    assert recorded["body"].encode() == original.body
    assert recorded["signature"] == original.headers["X-Hub-Signature-256"]
    answer = sandbox.http.post("/_control/webhooks/redeliver", json={"id": recorded["id"]})
    assert answer.status_code == 202 and answer.json()["redelivery_of"] == recorded["id"]
    _, replay = subscribed.wait_for(2)
    assert replay.body == original.body
    assert replay.headers["X-Hub-Signature-256"] == original.headers["X-Hub-Signature-256"]
    missing = sandbox.http.post("/_control/webhooks/redeliver", json={"id": 10**9})
    assert missing.status_code == 404


def test_the_callbacks_answer_is_recorded(sandbox, subscribed):
    subscribed.status = 500
    sandbox.say("facebook", "comment", TRATTORIA, "Server giù")
    subscribed.wait_for(1)
    (delivery,) = _settled(sandbox)
    assert (delivery["state"], delivery["status"], delivery["url"]) == ("failed", 500, subscribed.url)
    assert delivery["at"] and delivery["object"] == "page" and delivery["field"] == "feed"


def test_a_reset_forgets_deliveries(sandbox, subscribed):
    sandbox.say("facebook", "comment", TRATTORIA, "Prima del reset")
    subscribed.wait_for(1)
    sandbox.reset()
    assert sandbox.webhooks() == {"deliveries": [], "count": 0, "pending": 0}
