"""Bulk seeding for benchmarks: many distinct, varied items at once, read back whole by the connectors."""

from __future__ import annotations

import re

import pytest

from tests.sandbox.connect import connect, inbox, settings_for
from tests.sandbox.meta_graph import TRATTORIA, install, page_token, subscribe

_EMOJI = re.compile("[\U0001f300-\U0001faff]")


@pytest.fixture
def net(sandbox, tmp_path):
    return settings_for(sandbox.url, tmp_path)


def test_a_thousand_x_mentions_are_distinct_varied_and_all_read_back(net, sandbox):
    connector, creds = connect(net, "x")
    made = sandbox.bulk("x", "mention", creds.remote_id, 1000)
    assert made["created"] == len(set(made["ids"])) == 1000
    items = inbox(connector, creds, "mention")
    assert {i.remote_id for i in items} == set(made["ids"])
    texts = [i.text for i in items]
    assert len(set(texts)) > 300
    assert any("Grazie" in t or "Che bello" in t for t in texts) and any(
        "Thank" in t or "Love" in t for t in texts
    )
    assert any(_EMOJI.search(t) for t in texts) and any("<" in t or "&" in t for t in texts)
    assert len({i.author_id for i in items}) > 100


def test_bulk_messenger_messages_are_all_readable_in_short_threads(net, sandbox):
    connector, creds = connect(net, "facebook")
    made = sandbox.bulk("facebook", "dm", creds.remote_id, 300)
    items = inbox(connector, creds, "dm")
    assert {i.remote_id for i in items} == set(made["ids"])
    assert len({i.thread_id for i in items}) == 150


def test_bulk_fires_no_webhooks_unless_asked(sandbox, receiver):
    install(sandbox.url, page_token(sandbox.url))
    subscribe(sandbox.url, receiver.url)
    sandbox.bulk("facebook", "comment", TRATTORIA, 50)
    assert sandbox.webhooks()["count"] == 0
    made = sandbox.bulk("facebook", "comment", TRATTORIA, 3, webhooks=True)
    assert len(receiver.wait_for(3)) == 3 and sandbox.webhooks()["count"] == 3
    assert [d["item_id"] for d in sandbox.webhooks()["deliveries"]] == made["ids"]


@pytest.mark.parametrize("count", [0, -1, 20_001, "10"])
def test_bulk_refuses_counts_out_of_range(sandbox, count):
    body = {"network": "x", "kind": "mention", "account": "1470000000000000001", "count": count}
    answer = sandbox.http.post("/_control/audience/bulk", json=body)
    assert answer.status_code == 400 and "count" in answer.json()["error"]
