"""X's seeded world (apps, brand accounts, fans) and the helpers that read it and its timestamps."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sandbox.state import STORE

CLIENT_ID = "cadenza-sandbox-x"
CLIENT_SECRET = "sandbox-secret-x"

# An app X knows but that is not attached to a project: API v2 answers it with client-not-enrolled.
UNENROLLED_APP = ("cadenza-unenrolled-x", "sandbox-secret-unenrolled-x")

USERS = ("brandx", "studio")
FANS = (("giulia", "Giulia"), ("marco", "Marco"), ("sam", "Sam"))


def seed(state: dict[str, Any]) -> None:
    """Two brand accounts and three fans; Cadenza's app is registered with any redirect URI."""
    state.update(
        apps={
            CLIENT_ID: {"name": "Cadenza", "secret": CLIENT_SECRET, "redirect_uris": None, "enrolled": True},
            UNENROLLED_APP[0]: {
                "name": "Cadenza (no project)",
                "secret": UNENROLLED_APP[1],
                "redirect_uris": None,
                "enrolled": False,
            },
        },
        codes={},
        grants={},
        tokens={},
        refresh_tokens={},
        users={},
        tweets={},
        media={},
        dm_events={},
        # Per user, in id order: the ids of their tweets, of tweets mentioning them, and of their DM events.
        tweets_by={},
        mentions_of={},
        dms_of={},
        page_tokens={},
        rate={},
        counter=itertools.count(1),
    )
    people = [(u, u.title(), 250) for u in USERS] + [(u, n, 40) for u, n in FANS]
    for index, (username, name, followers) in enumerate(people):
        user_id = str(1_470_000_000_000_000_001 + index)
        state["users"][user_id] = {
            "id": user_id,
            "username": username,
            "name": name,
            "followers_count": followers,
            "following_count": 80,
            "created_at": "2019-05-01T09:00:00.000Z",
        }


def _state() -> dict[str, Any]:
    return STORE.networks["x"]


def _user_by_name(username: str) -> dict[str, Any]:
    return next(u for u in _state()["users"].values() if u["username"] == username)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
