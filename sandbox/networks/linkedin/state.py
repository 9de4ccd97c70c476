"""LinkedIn's seeded world (members, organizations, who administers them) and helpers to read it."""

from __future__ import annotations

from typing import Any

from sandbox.state import STORE, now

MEMBERS = {
    "giulia": {"sub": "gB7xQ2mK9a", "given_name": "Giulia", "family_name": "Bianchi"},
    "paolo": {"sub": "pR4tW8vZ1c", "given_name": "Paolo", "family_name": "Conti"},
}
ORGANIZATIONS = {
    "104857601": {"name": "Caseificio Bianchi", "vanity": "caseificio-bianchi", "followers": 1280},
    "104857602": {"name": "Oleificio Verdi", "vanity": "oleificio-verdi", "followers": 412},
}
ADMINS = {"giulia": ("104857601", "104857602"), "paolo": ()}


def seed(state: dict[str, Any]) -> None:
    """Two members (giulia administers two organizations, paolo none), no grants or posts yet."""
    state.update(
        codes={},
        grants={},
        tokens={},
        refresh_tokens={},
        posts={},
        images={},
        uploads={},
        comments=[],
        reactions={},
        # Indexes of `comments`: by urn, and per post the comments on it in order; replies per comment.
        comment_urns={},
        comments_on={},
        reply_counts={},
        organizations={oid: dict(org) for oid, org in ORGANIZATIONS.items()},
    )


def _state() -> dict[str, Any]:
    return STORE.networks["linkedin"]


def _millis(moment=None) -> int:
    return int((moment or now()).timestamp() * 1000)


def _person_urn(username: str) -> str:
    return f"urn:li:person:{MEMBERS[username]['sub']}"
