"""One vocabulary for what the networks count, and which network counts what.

Connectors report each network's figures under Cadenza's names (worker/networks); a few still need
folding together here, where the product decides what a word means across networks:

- impressions: times a post was shown. Meta replaced "impressions" by "views" (2026), the same idea.
- shares: reposts, retweets and quotes alike (X's connector already adds quotes in).
- saves: bookmarks and saves; clicks: link clicks the network itself counted.

A metric a network does not report is "not available" for its accounts: rollups keep NULL, never 0.
"""

from __future__ import annotations

from tenants.models.metrics import POST_COUNTERS

ACCOUNT_GAUGES = ("followers",)
ENGAGEMENTS = ("likes", "comments", "shares", "saves")

# Which post counters each network reports (followers are reported by every network).
_REPORTED: dict[str, frozenset[str]] = {
    "facebook": frozenset({"impressions", "reach", "likes", "comments", "shares"}),
    "instagram": frozenset({"impressions", "reach", "likes", "comments", "shares", "saves"}),
    "x": frozenset({"impressions", "likes", "comments", "shares", "saves", "clicks"}),
    "linkedin": frozenset({"impressions", "reach", "likes", "comments", "shares", "clicks"}),
    "mastodon": frozenset({"likes", "comments", "shares"}),
    "bluesky": frozenset({"likes", "comments", "shares"}),
}
# A network's own word -> Cadenza's, where a connector passes the network's word through.
_SYNONYMS: dict[str, dict[str, str]] = {
    "facebook": {"views": "impressions"},
    "instagram": {"views": "impressions"},
    "bluesky": {"quotes": "shares"},
}


def reported_counters(network: str) -> frozenset[str]:
    """The post counters this network reports; the others are not available for its accounts."""
    return _REPORTED.get(network, frozenset())


def reports(network: str, counter: str) -> bool:
    """Whether the network reports this counter (followers: always)."""
    return counter in ACCOUNT_GAUGES or counter in reported_counters(network)


def vocabulary_name(network: str, name: str) -> str | None:
    """Cadenza's name for a reading's name, or None for one Cadenza does not roll up."""
    name = _SYNONYMS.get(network, {}).get(name, name)
    if name in ACCOUNT_GAUGES or name in reported_counters(network):
        return name
    return None


def post_counters() -> tuple[str, ...]:
    """Every post counter of the vocabulary, in display order."""
    return POST_COUNTERS
