"""The simulated audience of the organizations: followers, post reach and engagement, comments."""

from __future__ import annotations

from typing import Any

from sandbox.networks.linkedin.comments import _add_comment

_FANS = ("urn:li:person:fN3kq81", "urn:li:person:mR7ds02", "urn:li:person:sA9lp55", "urn:li:person:eL2wx70")
_LINES = (
    "Complimenti, che qualità!",
    "Do you ship to Germany?",
    "Where can I buy this in Milan?",
    "Great news, congratulations to the team.",
    "When is the next open day?",
)


def simulate(state: dict[str, Any], rng) -> None:
    """One step of audience: organizations gain followers, posts are seen, clicked, liked and commented."""
    for org in state.get("organizations", {}).values():
        org["followers"] = max(0, org["followers"] + rng.choice((-1, 0, 1, 1, 2, 3)))
    for post in [p for p in state.get("posts", {}).values() if not p["deleted"]]:
        seen = rng.randint(5, 40)
        post["impressions"] += seen
        post["unique_impressions"] += rng.randint(seen // 2, seen)
        post["clicks"] += rng.randint(0, 3)
        post["likes"] += rng.randint(0, 4)
        post["shares"] += rng.choice((0, 0, 0, 1))
        if rng.random() < 0.6:
            _add_comment(state, post["id"], rng.choice(_FANS), rng.choice(_LINES))
