"""The audience on demand: `say` makes one item that Cadenza's connectors then read like any other."""

from __future__ import annotations

import pytest

from tests.sandbox.connect import connect, inbox, publish, settings_for

TRICKY = '<script>alert(1)</script> & "virgolette" 😍'
# (network, kind): the inbox kind Cadenza reads it under (replies are mentions on X and Mastodon)
SAID = {
    ("facebook", "comment"): "comment",
    ("facebook", "dm"): "dm",
    ("instagram", "comment"): "comment",
    ("x", "mention"): "mention",
    ("x", "comment"): "mention",
    ("x", "dm"): "dm",
    ("mastodon", "mention"): "mention",
    ("mastodon", "comment"): "mention",
    ("mastodon", "dm"): "dm",
    ("bluesky", "mention"): "mention",
    ("bluesky", "comment"): "comment",
    ("linkedin", "comment"): "comment",
}
NAMED = {"facebook", "x", "mastodon", "bluesky"}  # networks whose inbox items carry the author's name
NEEDS_A_POST = {"x", "mastodon", "bluesky", "linkedin"}  # no seeded posts there


@pytest.fixture
def net(sandbox, tmp_path):
    return settings_for(sandbox.url, tmp_path)


@pytest.mark.parametrize(("network", "kind"), sorted(SAID))
def test_said_items_are_read_by_the_connector_verbatim_with_their_ids(net, sandbox, network, kind):
    connector, creds = connect(net, network)
    post = publish(connector, creds, "Il menu di oggi") if network in NEEDS_A_POST and kind != "dm" else None
    said = sandbox.say(network, kind, creds.remote_id, TRICKY, author="Giulia Rossi")
    assert (said["network"], said["kind"], said["account"]) == (network, kind, creds.remote_id)
    items = {i.remote_id: i for i in inbox(connector, creds, SAID[(network, kind)])}
    item = items[said["id"]]
    assert item.text.endswith(TRICKY)
    if kind == "comment":
        assert said["post"] == item.post_remote_id and (post is None or said["post"] == post)
    if kind == "dm":
        assert item.thread_id == said["thread"]
    if network in NAMED:
        assert item.author_name == "Giulia Rossi"


def test_a_mention_with_a_post_is_a_reply_to_that_post(net, sandbox):
    connector, creds = connect(net, "x")
    older = publish(connector, creds, "Primo post")
    publish(connector, creds, "Secondo post")
    said = sandbox.say("x", "mention", creds.remote_id, "Rispondo al primo", post=older)
    (item,) = [i for i in inbox(connector, creds, "mention") if i.remote_id == said["id"]]
    assert said["post"] == item.post_remote_id == older and item.text == "@brandx Rispondo al primo"


@pytest.mark.parametrize(
    ("network", "kind", "account", "status", "words"),
    [
        ("facebook", "mention", "200000000000001", 400, "no mention"),
        ("instagram", "dm", "17841400000000001", 400, "no dm"),
        ("bluesky", "dm", "did:plc:whoever", 400, "no dm"),
        ("linkedin", "mention", "urn:li:organization:104857601", 400, "no mention"),
        ("facebook", "comment", "299999999999999", 404, "no Facebook page"),
        ("x", "dm", "42", 404, "no X user"),
        ("mastodon", "mention", "100", 400, "<account id>@<instance host>"),
        ("mastodon", "mention", "999@social.example", 404, "no Mastodon account"),
        ("linkedin", "comment", "urn:li:organization:104857601", 404, "no post"),
        ("x", "comment", "1470000000000000001", 404, "no post"),
        ("myspace", "comment", "1", 400, "unknown network"),
        ("x", "like", "1470000000000000001", 400, "unknown kind"),
    ],
)
def test_say_refuses_what_the_network_cannot_have(sandbox, network, kind, account, status, words):
    body = {"network": network, "kind": kind, "account": account, "text": "Ciao"}
    answer = sandbox.http.post("/_control/audience/say", json=body)
    assert answer.status_code == status and words in answer.json()["error"]


def test_say_refuses_an_unknown_post_and_a_missing_text(sandbox):
    body = {"network": "facebook", "kind": "comment", "account": "200000000000001", "text": "Ciao"}
    unknown = sandbox.http.post("/_control/audience/say", json={**body, "post": "200000000000002_9001"})
    assert unknown.status_code == 404 and "not on page" in unknown.json()["error"]
    missing = sandbox.http.post("/_control/audience/say", json={**body, "text": ""})
    assert missing.status_code == 400 and "text" in missing.json()["error"]
