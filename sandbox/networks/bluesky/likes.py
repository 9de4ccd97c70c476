"""Like records (app.bsky.feed.like): their lexicon check, the counts the AppView keeps, viewer.like."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox.state import STORE

LIKE = "app.bsky.feed.like"


def _like_problem(record: dict[str, Any]) -> str | None:
    """What the PDS's lexicon validation says about an app.bsky.feed.like record, if anything."""
    subject = record.get("subject")
    if record.get("$type") != LIKE:
        return f"Record/$type must be {LIKE}"
    if not isinstance(subject, dict) or not all(isinstance(subject.get(k), str) for k in ("uri", "cid")):
        return "Record/subject must have the properties uri and cid"
    try:
        datetime.fromisoformat(str(record.get("createdAt", "")).replace("Z", "+00:00"))
    except ValueError:
        return "Record/createdAt must be an valid atproto datetime"
    return None


def _count_like(state: dict[str, Any], like: dict[str, Any], delta: int) -> None:
    """The AppView counts every like record (a second record is a second like) and the read-back too."""
    subject = state["records"].get(like["value"]["subject"]["uri"])
    if subject is not None:
        subject["likes"] = max(0, subject["likes"] + delta)
    if delta > 0:
        STORE.record_published(
            network="bluesky",
            account=like["did"],
            remote_id=like["uri"],
            kind="like",
            text="",
            subject=like["value"]["subject"]["uri"],
        )
    else:
        STORE.record_deleted(network="bluesky", remote_id=like["uri"])


def _viewer(state: dict[str, Any], did: str, post_uri: str) -> dict[str, str]:
    """getPosts' viewer state: the URI of the viewer's like of this post, if it has one."""
    for record in state["records"].values():
        if (
            record["did"] == did
            and record["collection"] == LIKE
            and not record["deleted"]
            and record["value"]["subject"]["uri"] == post_uri
        ):
            return {"like": record["uri"]}
    return {}
