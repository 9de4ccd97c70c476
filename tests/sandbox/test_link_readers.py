"""The sandbox audience follows links in published posts like people do: browsers' user agents, once per
link per step, never links in replies, DMs or deleted posts."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sandbox.link_readers import BROWSERS
from sandbox.state import STORE


def _site():
    hits: list[tuple[str, str]] = []

    def app(environ, start_response):
        request = Request(environ)
        hits.append((request.path, request.headers.get("User-Agent", "")))
        return Response("", status=302, headers={"Location": "https://trattoria.example/menu"})(
            environ, start_response
        )

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", hits, server


def test_readers_follow_each_link_of_live_posts_with_a_browser(sandbox):
    site, hits, server = _site()
    try:
        STORE.record_published(
            network="x",
            account="brand",
            remote_id="t1",
            kind="post",
            text=f"Menu nuovo! {site}/l/abc123. E domani {site}/l/def456",
        )
        STORE.record_published(
            network="mastodon",
            account="brand",
            remote_id="m1",
            kind="reply",
            text=f"Grazie! {site}/l/reply00",
        )
        STORE.record_published(
            network="x", account="brand", remote_id="t2", kind="post", text=f"Vecchio post {site}/l/gone00"
        )
        STORE.record_deleted(network="x", remote_id="t2")
        assert sandbox.click(share=1.0) == 2
        assert sorted(path for path, _ in hits) == ["/l/abc123", "/l/def456"]
        assert all(agent in BROWSERS for _, agent in hits)
        assert sandbox.click(share=1.0, network="mastodon") == 0  # replies only there
        assert sandbox.click(share=0.0) == 0 and len(hits) == 2
    finally:
        server.shutdown()


def test_readers_follow_only_short_links_never_any_address_a_post_names(sandbox):
    site, hits, server = _site()
    try:
        STORE.record_published(
            network="x",
            account="brand",
            remote_id="t3",
            kind="post",
            text=f"Short {site}/l/abc123 and {site}/app/l/def456, long {site}/menu?utm_source=x, {site}/l/.",
        )
        assert sandbox.click(share=1.0) == 2
        assert [path for path, _ in hits] == ["/l/abc123", "/app/l/def456"]
    finally:
        server.shutdown()
