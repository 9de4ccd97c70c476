"""Meta's reads in the sandbox: what one page's edges list belongs to that page alone."""

from __future__ import annotations

from tests.sandbox.meta_graph import TRATTORIA, graph, page_token

BAR_SPORT = "200000000000002"


def test_a_posts_comment_stream_holds_only_that_pages_comments(sandbox):
    token = page_token(sandbox.url)
    # The seeded posts of every page share their short ids (…_9001): a comment on Bar Sport's must not leak.
    theirs = sandbox.say("facebook", "comment", BAR_SPORT, "Al bar", post=f"{BAR_SPORT}_9001")
    ours = sandbox.say("facebook", "comment", TRATTORIA, "In trattoria", post=f"{TRATTORIA}_9001")
    listed = graph(sandbox.url, "GET", f"{TRATTORIA}_9001/comments", token, filter="stream").json()["data"]
    assert [c["id"] for c in listed] == [ours["id"]] and theirs["post"] == f"{BAR_SPORT}_9001"
