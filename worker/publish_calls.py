"""One target's network call and what its result does to the target, kept apart so a batch can make
the calls side by side (threads, no database) and record the results together (one session)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tenants.models import PostTarget, PublishAttempt, SocialAccount
from tenants.services import publishing, social_accounts
from worker.networks.base import Connector
from worker.networks.errors import ConnectorError, ReconnectNeeded, Rejected, RetryLater, UnknownOutcome
from worker.networks.types import AccountCredentials, PublishRequest

log = logging.getLogger("cadenza.publish")


@dataclass(frozen=True)
class Outcome:
    """What became of one target: published, found, retry_later, held, reconnect, rejected or unknown."""

    kind: str
    reason: str = ""
    remote_id: str | None = None
    url: str | None = None
    retry_at: datetime | None = None
    app_wide: bool = False  # a retry time that holds every account of the network (the app's limit)


@dataclass(frozen=True)
class Call:
    """Everything one target's network call needs, prepared beforehand so the call touches no database."""

    connector: Connector
    creds: AccountCredentials
    request: PublishRequest
    reconcile: bool  # the last outcome was unknown: ask the network before sending again


def call_network(call: Call) -> Outcome:
    """Publish (or first look up) one target; every failure comes back classified, never raised."""
    try:
        if call.reconcile:
            found = call.connector.find_published(call.creds, call.request)
            if found is not None:
                return Outcome("found", remote_id=found.remote_id, url=found.url)
        published = call.connector.publish(call.creds, call.request)
    except RetryLater as exc:
        return Outcome("retry_later", exc.reason, retry_at=exc.retry_at, app_wide=exc.app_wide)
    except ReconnectNeeded as exc:
        return Outcome("reconnect", exc.reason)
    except Rejected as exc:
        return Outcome("rejected", exc.reason)
    except UnknownOutcome as exc:
        return Outcome("unknown", exc.reason)
    except ConnectorError as exc:  # any other classified error: try again later
        return Outcome("retry_later", exc.reason)
    except Exception:
        # A bug after the request left may hide a post that exists: look before sending it again.
        log.exception("publish call failed unexpectedly")
        return Outcome("unknown", "Cadenza could not read the network's answer; it asks before any retry.")
    return Outcome("published", remote_id=published.remote_id, url=published.url)


def record_outcome(
    session: Session,
    *,
    target: PostTarget,
    attempt: PublishAttempt,
    account: SocialAccount | None,
    outcome: Outcome,
) -> None:
    """Write one outcome into the target and its attempt (the caller settles posts and commits)."""
    kind = outcome.kind
    if kind in ("published", "found"):
        publishing.record_published(
            session=session,
            target=target,
            attempt=attempt,
            remote_id=outcome.remote_id or "",
            url=outcome.url,
            found=kind == "found",
        )
    elif kind in ("retry_later", "held"):
        publishing.record_retry(
            session=session,
            target=target,
            attempt=attempt,
            reason=outcome.reason,
            retry_at=outcome.retry_at,
            enforce_window=kind != "held",  # no call was made: waiting out a hold never fails a target
        )
    elif kind == "unknown":
        publishing.record_retry(
            session=session,
            target=target,
            attempt=attempt,
            reason=outcome.reason,
            retry_at=None,
            unknown=True,
        )
    elif kind in ("reconnect", "rejected"):
        publishing.record_failed(
            session=session, target=target, attempt=attempt, error_class=kind, reason=outcome.reason
        )
        if kind == "reconnect" and account is not None and account.status == "connected":
            social_accounts.mark_needs_reconnect(session=session, account=account, reason=outcome.reason)
    else:
        raise ValueError(f"unknown outcome {kind!r}")
