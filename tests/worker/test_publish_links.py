"""Publishing through the sandbox: the network receives short links, following one reaches the client's
UTM'd destination with a click id, and a retry after a lost response sends exactly the same text."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from tenants.models import Client, LinkClick, PostTarget, TrackedLink
from tests.worker.test_publish import _due_post, _make_due, _run, _target
from tests.worker.test_token_refresh import _x_account

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
TEXT = "Stasera pizza! Menu: https://damario.example/menu."


def _client_of(session, account, **fields) -> Client:
    client = session.get(Client, account.client_id)
    client.utm_template = "utm_source={network}&utm_medium=social"
    for key, value in fields.items():
        setattr(client, key, value)
    session.commit()
    return client


def _short_paths(text: str, base_url: str) -> list[str]:
    return re.findall(re.escape(base_url) + r"(/l/[A-Za-z0-9]+)", text)


def test_the_network_receives_short_links_that_lead_to_the_utm_destination(worker_env, sandbox, session, app):
    account = _x_account(worker_env, session)
    _client_of(session, account)
    post = _due_post(session, account, text=TEXT)
    _run(worker_env)
    assert _target(session, post).status == "published"
    (published,) = sandbox.published(network="x")
    paths = _short_paths(published["text"], worker_env.base_url)
    assert len(paths) == 1 and "damario.example" not in published["text"]
    assert published["text"] == f"Stasera pizza! Menu: {worker_env.base_url}{paths[0]}."
    link = session.scalars(select(TrackedLink)).one()
    assert link.destination == "https://damario.example/menu?utm_source=x&utm_medium=social"
    assert (link.post_id, link.account_id, link.network) == (post.id, account.id, "x")
    resp = app.test_client().get(paths[0], headers={"User-Agent": CHROME})
    assert resp.status_code == 302
    location = urlsplit(resp.headers["Location"])
    assert (location.netloc, location.path) == ("damario.example", "/menu")
    query = parse_qs(location.query)
    assert query["utm_source"] == ["x"] and query["utm_medium"] == ["social"]
    (clicked,) = session.scalars(select(LinkClick)).all()
    assert query["cz_click"] == [clicked.click_id] and clicked.account_id == account.id


def test_a_retry_after_a_lost_response_sends_the_same_text_and_finds_the_post(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    _client_of(session, account)
    post = _due_post(session, account, text=TEXT)
    sandbox.fault("x", "response_lost", write_only=True)
    _run(worker_env)
    target = _target(session, post)
    assert (target.status, target.error_class) == ("unconfirmed", "unknown")
    first_link = session.scalars(select(TrackedLink)).one()
    _make_due(session, target)
    _run(worker_env)
    assert _target(session, post).status == "published"
    (published,) = sandbox.published(network="x")  # found by its exact text, not posted twice
    assert _short_paths(published["text"], worker_env.base_url) == [f"/l/{first_link.code}"]
    assert session.scalars(select(TrackedLink)).all() == [first_link]


def test_with_tracking_off_the_network_receives_the_long_utm_link(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    _client_of(session, account, link_tracking=False)
    post = _due_post(session, account, text=TEXT)
    _run(worker_env)
    assert session.get(PostTarget, _target(session, post).id).status == "published"
    (published,) = sandbox.published(network="x")
    assert (
        published["text"]
        == "Stasera pizza! Menu: https://damario.example/menu?utm_source=x&utm_medium=social."
    )
    assert session.scalars(select(TrackedLink)).all() == []
