"""The simulated audience of the organizations: followers, post reach and engagement, comments."""

from __future__ import annotations

from typing import Any

from sandbox import voices
from sandbox.audience import Unheard, Wanted
from sandbox.networks.linkedin.comments import _add_comment
from sandbox.networks.linkedin.state import MEMBERS

_FANS = ("urn:li:person:fN3kq81", "urn:li:person:mR7ds02", "urn:li:person:sA9lp55", "urn:li:person:eL2wx70")


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
            _add_comment(state, post["id"], rng.choice(_FANS), voices.line(rng))


def say(state: dict[str, Any], wanted: Wanted, rng) -> dict[str, str]:
    """A comment on a post of an organization or member urn; LinkedIn has no mention feed or DM API."""
    if wanted.kind != "comment":
        raise Unheard(400, f"LinkedIn has no {wanted.kind} API for Cadenza (only comment)")
    known = {f"urn:li:organization:{o}" for o in state["organizations"]}
    known |= {f"urn:li:person:{m['sub']}" for m in MEMBERS.values()}
    if wanted.account not in known:
        raise Unheard(404, f"no LinkedIn organization or member {wanted.account}")
    own = [p for p in state["posts"].values() if p["author"] == wanted.account and not p["deleted"]]
    if wanted.post:
        post = next((p for p in own if p["id"] == wanted.post), None)
        if post is None:
            raise Unheard(404, f"no post {wanted.post} of {wanted.account}")
    elif own:
        post = max(own, key=lambda p: (p["created"], int(p["id"].rsplit(":", 1)[-1])))
    else:
        raise Unheard(404, f"{wanted.account} has no post to comment on")
    # LinkedIn shows commenters by urn alone: a name only makes the urn stable.
    actor = f"urn:li:person:{voices.person_number(wanted.author)}" if wanted.author else rng.choice(_FANS)
    comment = _add_comment(state, post["id"], actor, wanted.text)
    return {"id": comment["urn"], "post": post["id"]}
