"""Inbox actions: every connector offers exactly the likes, hides and deletes tenants/networks.py promises."""

from __future__ import annotations

from collections import defaultdict

import httpx
import pytest

from tenants.networks import INBOX_DELETE, INBOX_HIDE, INBOX_LIKE, NETWORKS, inbox_actions
from worker.networks.base import Connector
from worker.networks.errors import ConnectorError
from worker.networks.registry import connector_class
from worker.networks.types import AccountCredentials, AppCredentials

KINDS = ("comment", "mention", "dm")
CREDS = AccountCredentials(
    remote_id="urn:li:organization:1",
    access_token="token",
    extra={"page_id": "1", "ig_user_id": "2", "did": "did:plc:brand", "pds_url": "https://pds.example"},
)
ITEMS = {
    "linkedin": "urn:li:comment:(urn:li:share:1,2)",
    "bluesky": "at://did:plc:fan/app.bsky.feed.post/3kabc",
}


def _act(connector: Connector, action: str, kind: str) -> None:
    item = {"item_remote_id": ITEMS.get(connector.network, "12345"), "kind": kind}
    if action == INBOX_LIKE:
        connector.like_item(CREDS, **item)
    elif action == INBOX_HIDE:
        connector.hide_item(CREDS, hidden=True, **item)
    else:
        connector.delete_item(CREDS, **item)


@pytest.mark.parametrize("action", (INBOX_LIKE, INBOX_HIDE, INBOX_DELETE))
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_a_connector_offers_exactly_the_inbox_actions_its_facts_promise(network, kind, action):
    calls: list[httpx.Request] = []

    def busy_network(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, json={})

    connector = connector_class(network)(
        endpoints=defaultdict(lambda: "https://network.example"),
        app=AppCredentials(client_id="cadenza", client_secret="secret"),
        http=httpx.Client(transport=httpx.MockTransport(busy_network)),
    )
    if action in inbox_actions(network, kind):
        with pytest.raises(ConnectorError):  # the network answered 503: the action was really attempted
            _act(connector, action, kind)
        assert calls
    else:
        with pytest.raises(NotImplementedError):
            _act(connector, action, kind)
        assert calls == []


def test_direct_messages_are_never_hidden_or_deleted_and_unknown_networks_offer_nothing():
    for network in NETWORKS:
        assert not inbox_actions(network, "dm") & {INBOX_HIDE, INBOX_DELETE}
    assert inbox_actions("myspace", "comment") == frozenset()
