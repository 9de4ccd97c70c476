"""An item as it arrived from a network (poll or webhook), before Cadenza stored it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Incoming:
    """One comment, mention or DM in the shape the connectors and webhooks hand over (text untrusted)."""

    remote_id: str
    kind: str  # comment, mention, dm
    author_id: str
    author_handle: str
    author_name: str
    text: str
    created_at: datetime
    post_remote_id: str | None = None
    parent_remote_id: str | None = None
    thread_id: str | None = None
    author_followers: int | None = None

    @property
    def thread_key(self) -> str:
        """What groups this item with its conversation: the person for DMs, else the post it belongs to."""
        # By person, not by the network's thread id: a webhook carries no thread id, a poll does.
        if self.kind == "dm":
            return f"dm:{self.author_id}"
        return f"post:{self.post_remote_id}" if self.post_remote_id else f"item:{self.remote_id}"


def storable(text: str, limit: int | None = None) -> str:
    """Text a database can hold, cut to `limit`: no NUL characters and no lone surrogates (both are
    legal in a network's JSON, and either would fail the whole page's insert)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return text if limit is None else text[:limit]
