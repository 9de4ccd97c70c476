"""Meta's webhooks from the sandbox: subscriptions verified by hub.challenge, signed deliveries, Graph ids."""

from __future__ import annotations

import json

import pytest

from sandbox.networks.meta.world import APPS
from tests.sandbox.meta_graph import (
    FB_APP,
    IG_APP,
    IG_SCOPES,
    PAGE_SCOPES,
    TRATTORIA,
    TRATTORIA_IG,
    app_token,
    graph,
    install,
    page_token,
    signed_by,
    subscribe,
)

FB_SECRET, IG_SECRET = APPS[FB_APP]["secret"], APPS[IG_APP]["secret"]


def test_a_subscription_is_kept_when_the_callback_echoes_the_challenge(sandbox, receiver):
    answer = subscribe(sandbox.url, receiver.url)
    assert answer.status_code == 200 and answer.json() == {"success": True}
    (check,) = receiver.verifications
    assert check["hub.mode"] == "subscribe" and check["hub.verify_token"] == "cadenza-verify"
    assert check["hub.challenge"].isdigit()
    listed = graph(sandbox.url, "GET", f"{FB_APP}/subscriptions", app_token()).json()["data"]
    fields = [{"name": "feed", "version": "v21.0"}, {"name": "messages", "version": "v21.0"}]
    assert listed == [{"object": "page", "callback_url": receiver.url, "active": True, "fields": fields}]


@pytest.mark.parametrize(("challenge", "code"), [("wrong", 2201), ("missing", 2200)])
def test_a_callback_that_does_not_echo_the_challenge_is_refused(sandbox, receiver, challenge, code):
    receiver.challenge = challenge
    answer = subscribe(sandbox.url, receiver.url)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == code
    assert "callback verification failed" in answer.text or "does not match challenge" in answer.text
    assert graph(sandbox.url, "GET", f"{FB_APP}/subscriptions", app_token()).json()["data"] == []


def test_subscribing_takes_the_apps_own_token(sandbox, receiver):
    user_or_page = page_token(sandbox.url)
    assert subscribe(sandbox.url, receiver.url, token=user_or_page).json()["error"]["code"] == 15
    assert subscribe(sandbox.url, receiver.url, token=f"{FB_APP}|guess").json()["error"]["code"] == 190
    assert subscribe(sandbox.url, receiver.url, token=app_token(IG_APP)).json()["error"]["code"] == 190
    granted = graph(
        sandbox.url,
        "GET",
        "oauth/access_token",
        "",
        client_id=FB_APP,
        client_secret=FB_SECRET,
        grant_type="client_credentials",
    ).json()["access_token"]
    assert subscribe(sandbox.url, receiver.url, token=granted).json() == {"success": True}
    assert receiver.verifications and len(receiver.verifications) == 1


def test_a_page_comment_arrives_signed_over_the_raw_body_with_the_graph_ids(sandbox, receiver):
    token = page_token(sandbox.url)
    install(sandbox.url, token)
    subscribe(sandbox.url, receiver.url)
    text = 'Che bello! 😍 <script>alert("x")</script> & grazie'
    said = sandbox.say("facebook", "comment", TRATTORIA, text, author="Giulia Rossi")
    (hit,) = receiver.wait_for(1)
    signature = hit.headers["X-Hub-Signature-256"]
    assert signed_by(FB_SECRET, hit.body, signature)
    assert (
        hit.body.isascii() and b"\\ud83d\\ude0d" in hit.body and b"https:\\/\\/www.facebook.com" in hit.body
    )
    event = json.loads(hit.body)
    assert not signed_by(FB_SECRET, json.dumps(event).encode(), signature)  # the raw bytes, not a re-encoding
    (entry,) = event["entry"]
    (change,) = entry["changes"]
    assert event["object"] == "page" and entry["id"] == TRATTORIA and change["field"] == "feed"
    value = change["value"]
    assert (value["item"], value["verb"], value["message"]) == ("comment", "add", text)
    assert value["comment_id"] == said["id"] and value["post_id"] == value["parent_id"] == said["post"]
    assert value["from"]["name"] == "Giulia Rossi" and isinstance(value["created_time"], int)
    polled = graph(
        sandbox.url, "GET", f"{said['post']}/comments", token, filter="stream", fields="id,message,from"
    ).json()["data"]
    assert {"id": said["id"], "message": text, "from": value["from"]} in polled


def test_a_messenger_message_arrives_with_the_graph_message_id_as_mid(sandbox, receiver):
    token = page_token(sandbox.url)
    install(sandbox.url, token, fields="messages")
    subscribe(sandbox.url, receiver.url, fields="messages")
    said = sandbox.say("facebook", "dm", TRATTORIA, "Avete un tavolo per 4 stasera?", author="Luca Bruno")
    (hit,) = receiver.wait_for(1)
    assert signed_by(FB_SECRET, hit.body, hit.headers["X-Hub-Signature-256"])
    event = json.loads(hit.body)
    (entry,) = event["entry"]
    (messaging,) = entry["messaging"]
    assert event["object"] == "page" and entry["id"] == TRATTORIA
    assert messaging["message"] == {"mid": said["id"], "text": "Avete un tavolo per 4 stasera?"}
    assert messaging["recipient"] == {"id": TRATTORIA} and messaging["timestamp"] == entry["time"] > 10**12
    conversations = graph(
        sandbox.url, "GET", f"{TRATTORIA}/conversations", token, fields="id,messages{id,message,from}"
    ).json()["data"]
    polled = {m["id"]: (c["id"], m) for c in conversations for m in c["messages"]["data"]}
    thread, message = polled[said["id"]]
    assert thread == said["thread"] and message["from"]["id"] == messaging["sender"]["id"]


def test_events_reach_an_app_only_for_pages_that_installed_it_and_for_installed_fields(sandbox, receiver):
    token = page_token(sandbox.url)
    subscribe(sandbox.url, receiver.url)
    sandbox.say("facebook", "comment", TRATTORIA, "Nessuno mi sente")
    sandbox.say("facebook", "dm", TRATTORIA, "Nemmeno qui")
    install(sandbox.url, token, fields="messages")
    installed = graph(sandbox.url, "GET", f"{TRATTORIA}/subscribed_apps", token).json()["data"]
    assert [(a["id"], a["subscribed_fields"]) for a in installed] == [(FB_APP, ["messages"])]
    sandbox.say("facebook", "comment", TRATTORIA, "Ancora niente")
    said = sandbox.say("facebook", "dm", TRATTORIA, "Questo sì")
    (hit,) = receiver.wait_for(1)
    assert json.loads(hit.body)["entry"][0]["messaging"][0]["message"]["mid"] == said["id"]
    assert sandbox.webhooks()["count"] == 1
    assert graph(sandbox.url, "DELETE", f"{TRATTORIA}/subscribed_apps", token).json() == {"success": True}
    assert graph(sandbox.url, "GET", f"{TRATTORIA}/subscribed_apps", token).json()["data"] == []


def test_installing_on_a_page_needs_pages_manage_metadata(sandbox):
    scopes = tuple(s for s in PAGE_SCOPES if s != "pages_manage_metadata")
    token = page_token(sandbox.url, scopes=scopes)
    answer = graph(sandbox.url, "POST", f"{TRATTORIA}/subscribed_apps", token, subscribed_fields="feed")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == 200
    assert "pages_manage_metadata" in answer.json()["error"]["message"]


def test_the_running_audience_and_the_pages_own_replies_fire_feed_webhooks(sandbox, receiver):
    token = page_token(sandbox.url)
    install(sandbox.url, token, fields="feed")
    subscribe(sandbox.url, receiver.url, fields="feed")
    sandbox.tick(steps=6, network="facebook")
    fans = [d for d in sandbox.webhooks()["deliveries"] if d["account"] == TRATTORIA]
    assert fans, "six steps of audience wrote no comment on the Trattoria's posts"
    comment = json.loads(fans[0]["body"])["entry"][0]["changes"][0]["value"]
    reply = graph(sandbox.url, "POST", f"{comment['comment_id']}/comments", token, message="Grazie!").json()
    hits = receiver.wait_for(len(fans) + 1)
    values = [json.loads(h.body)["entry"][0]["changes"][0]["value"] for h in hits]
    assert values[-1]["comment_id"] == reply["id"] and values[-1]["parent_id"] == comment["comment_id"]
    assert values[-1]["from"]["id"] == TRATTORIA
    assert all(signed_by(FB_SECRET, h.body, h.headers["X-Hub-Signature-256"]) for h in hits)


def test_an_instagram_comment_arrives_with_the_graph_comment_id(sandbox, receiver):
    token = page_token(sandbox.url, app=IG_APP, scopes=IG_SCOPES)
    install(sandbox.url, token, fields="feed")  # an Instagram account's page must have the app installed
    subscribe(sandbox.url, receiver.url, app=IG_APP, kind="instagram", fields="comments")
    said = sandbox.say(
        "instagram", "comment", TRATTORIA_IG, "Bellissimo 🍕 <b>bravi</b>", author="Sara Greco"
    )
    (hit,) = receiver.wait_for(1)
    assert signed_by(IG_SECRET, hit.body, hit.headers["X-Hub-Signature-256"])
    assert not signed_by(FB_SECRET, hit.body, hit.headers["X-Hub-Signature-256"])
    event = json.loads(hit.body)
    (entry,) = event["entry"]
    (change,) = entry["changes"]
    assert event["object"] == "instagram" and entry["id"] == TRATTORIA_IG and change["field"] == "comments"
    assert change["value"] == {
        "from": {"id": change["value"]["from"]["id"], "username": "sara.greco"},
        "media": {"id": said["post"], "media_product_type": "FEED"},
        "id": said["id"],
        "text": "Bellissimo 🍕 <b>bravi</b>",
    }
    polled = graph(sandbox.url, "GET", f"{said['post']}/comments", token, fields="id,text,from").json()[
        "data"
    ]
    assert {"id": said["id"], "text": "Bellissimo 🍕 <b>bravi</b>", "from": change["value"]["from"]} in polled
