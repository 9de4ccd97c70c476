"""The failure classes every connector maps a network's errors into."""

from __future__ import annotations

from datetime import datetime


class ConnectorError(Exception):
    """Base of the four classes the pipeline understands; `reason` is in words a user understands."""

    kind = "error"

    def __init__(self, reason: str, *, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail  # the network's own code/message, for logs and support


class RetryLater(ConnectorError):
    """Temporary: throttled, quota spent or the network is down; try again at `retry_at`."""

    kind = "retry_later"

    def __init__(
        self, reason: str, *, retry_at: datetime, detail: str | None = None, app_wide: bool = False
    ) -> None:
        super().__init__(reason, detail=detail)
        self.retry_at = retry_at
        # The network's limit is on Cadenza's app, not this account: every account of the network waits.
        self.app_wide = app_wide


class ReconnectNeeded(ConnectorError):
    """The token is revoked, expired or lacks a permission: a person must reconnect the account."""

    kind = "reconnect_needed"


class MissingPermission(ReconnectNeeded):
    """The token works but lacks a permission this call needs; reconnecting with it granted fixes it."""


class Rejected(ConnectorError):
    """The network refused this content (too long, duplicate, bad media); retrying as is will not help."""

    kind = "rejected"


class PostGone(Rejected):
    """The network does not know this post or item (deleted, or never there); deleting it is then done."""


class UnknownOutcome(ConnectorError):
    """A write may or may not have happened (timeout, lost response): look it up before any retry."""

    kind = "unknown_outcome"
