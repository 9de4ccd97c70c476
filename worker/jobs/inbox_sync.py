"""Reading each account's comments, mentions and DMs into the inbox: one RQ job per account and kind.

The database says which reads are due (tenants/inbox/sync_state.py); a periodic sweep queues them with
deterministic job ids, so a read waiting in the queue is never queued twice.
"""

from __future__ import annotations

import logging

import structlog
from redis import Redis, RedisError
from sqlalchemy.orm import Session

from tenants.crypto import TokenCipher
from tenants.inbox import sync_state
from tenants.inbox.incoming import Incoming
from tenants.inbox.ingest import IngestContext, IngestResult, ingest
from tenants.models import SocialAccount
from tenants.services import notifications, social_accounts
from tenants.settings import Settings
from worker import rate_limits
from worker.accounts import connector_for_account, credentials_for
from worker.context import job_context
from worker.jobs.mail import enqueue_delivery_if_smtp
from worker.jobs.tokens import ready_to_call
from worker.networks.errors import ConnectorError, ReconnectNeeded, Rejected, RetryLater
from worker.networks.types import InboxItem
from worker.queues import enqueue_each, enqueue_once, get_queue, redis_connection

JOB_TIMEOUT = 300
# A read stops after this many pages; the rest waits for the next read (which starts from the newest).
MAX_PAGES = 50
NOTHING_READ = {"read": 0, "new": 0, "pages": 0, "negative": 0}
log = logging.getLogger("cadenza.inbox_sync")
events = structlog.get_logger("cadenza.inbox_sync")


def job_id_for(account_id: int, kind: str) -> str:
    """The deterministic job id of one account's read of one kind."""
    return f"inbox-sync-{account_id}-{kind}"


def enqueue_sync(connection: Redis, *, account_id: int, kind: str, agency_id: int, client_id: int) -> None:
    """Queue one read unless it is already waiting or running."""
    enqueue_once(
        get_queue("inbox", connection=connection),
        sync_account_inbox,
        account_id,
        kind,
        job_id=job_id_for(account_id, kind),
        job_timeout=JOB_TIMEOUT,
        result_ttl=60,
        failure_ttl=86400,
        meta={"agency_id": agency_id, "client_id": client_id, "account_id": account_id},
    )


def enqueue_due_syncs(connection: Redis) -> int:
    """Queue every due read (periodic); returns how many were due."""
    ctx = job_context()
    with ctx.session_factory() as session:
        sync_state.ensure_states(session=session)
        due = sync_state.due_syncs(session=session)
        session.commit()
    enqueue_each(
        due,
        lambda item: enqueue_sync(
            connection,
            account_id=item.account_id,
            kind=item.kind,
            agency_id=item.agency_id,
            client_id=item.client_id,
        ),
        what="inbox reads",
    )
    return len(due)


def sync_account_inbox(account_id: int, kind: str) -> dict[str, int | str]:
    """Read one account's items of one kind, page by page, storing each page as it comes."""
    ctx = job_context()
    redis = redis_connection(ctx.settings.redis_url_or_embedded)
    with (
        ctx.session_factory() as session,
        structlog.contextvars.bound_contextvars(account_id=account_id, kind=kind),
    ):
        account = session.get(SocialAccount, account_id)
        if account is None:
            return {"outcome": "gone"}
        outcome, totals, message_ids = _sync(session, ctx.settings, redis, account, kind)
        session.commit()
        events.info("inbox_sync.done", client_id=account.client_id, outcome=outcome, **totals)
        # One crisis check for the whole read (pages kept before a failure count too), not one per page.
        after_read(redis, account, negative=totals["negative"])
    for message_id in message_ids:
        enqueue_delivery_if_smtp(redis, ctx.settings, message_id)
    return {"outcome": outcome, **totals}


def _sync(
    session: Session, settings: Settings, redis: Redis, account: SocialAccount, kind: str
) -> tuple[str, dict[str, int], list[int]]:
    if not ready_to_call(session, account):
        return "reconnect", dict(NOTHING_READ), []
    state = sync_state.state_for(session=session, account=account, kind=kind)
    held = rate_limits.holds_for(redis, {account.id: account.network}).get(account.id)
    if held is not None:
        state.next_sync_at = held  # another call already heard "not before" from the network
        return "held", dict(NOTHING_READ), []
    cipher = TokenCipher.from_settings(settings)
    connector = connector_for_account(settings=settings, session=session, cipher=cipher, account=account)
    reader = _Reader(
        session, redis, account, kind, connector, credentials_for(cipher=cipher, account=account)
    )
    try:
        # First the newest items, then, if an earlier read was cut short, on from where it stopped.
        stopped_at = reader.read(None, stop_when_known=kind in connector.inbox_newest_first)
        if stopped_at is None and state.resume_cursor:
            stopped_at = reader.read(state.resume_cursor, stop_when_known=False)
        state.resume_cursor = stopped_at
    except RetryLater as exc:
        _keep_place(state, reader)
        if exc.app_wide:
            rate_limits.hold_app(redis, account.network, exc.retry_at)
        else:
            rate_limits.hold_account(redis, account.id, exc.retry_at)
        sync_state.record_failure(
            session=session, state=state, error_class="retry_later", message=exc.reason, retry_at=exc.retry_at
        )
        return "retry_later", reader.totals, []
    except ReconnectNeeded as exc:
        _keep_place(state, reader)
        sync_state.record_failure(session=session, state=state, error_class="reconnect", message=exc.reason)
        created = social_accounts.mark_needs_reconnect(session=session, account=account, reason=exc.reason)
        return (
            "reconnect",
            reader.totals,
            notifications.email_notifications(
                session=session, settings=settings, items=created, base_url=settings.base_url
            ),
        )
    except Rejected as exc:
        # A stale resume cursor the network no longer accepts: start afresh next time.
        state.resume_cursor = None
        sync_state.record_failure(session=session, state=state, error_class="rejected", message=exc.reason)
        return "rejected", reader.totals, []
    except ConnectorError as exc:
        _keep_place(state, reader)
        sync_state.record_failure(session=session, state=state, error_class="retry_later", message=exc.reason)
        return "retry_later", reader.totals, []
    sync_state.record_success(session=session, state=state, new_items=reader.totals["new"])
    return "synced", reader.totals, []


class _Reader:
    """Reads pages of one account's kind, storing each page as it comes."""

    def __init__(
        self, session: Session, redis: Redis, account: SocialAccount, kind: str, connector, creds
    ) -> None:
        self.session, self.redis, self.account, self.kind = session, redis, account, kind
        self.connector, self.creds = connector, creds
        self.totals = dict(NOTHING_READ)
        self.context = IngestContext()  # the client's rules, read once for all the pages
        self.position: str | None = None  # the cursor being read when a call failed
        self.gained = False  # whether anything new was stored before the failure

    def read(self, cursor: str | None, *, stop_when_known: bool) -> str | None:
        """Read on from `cursor`; returns where the page limit cut the read short (None: read to the end)."""
        for _ in range(MAX_PAGES):
            self.position = cursor
            page = self.connector.read_inbox(self.creds, kind=self.kind, cursor=cursor)
            items = [incoming(i) for i in page.items]
            result = ingest(session=self.session, account=self.account, items=items, context=self.context)
            self.session.commit()  # each page is kept even if a later page fails
            queue_hides(self.redis, self.account, result)
            self.totals["pages"] += 1
            self.totals["read"] += len(page.items)
            self.totals["new"] += len(result.new_ids)
            self.totals["negative"] += result.negative
            self.gained = self.gained or bool(result.new_ids)
            cursor = page.cursor
            # Newest-first feeds: a page with nothing new means everything older is known too.
            if not cursor or (stop_when_known and page.items and not result.new_ids):
                return None
        return cursor


def _keep_place(state, reader: _Reader) -> None:
    """A read that failed after storing newer items must come back for what lies beyond them."""
    if reader.position is not None and (reader.gained or state.resume_cursor is None):
        state.resume_cursor = reader.position


def incoming(item: InboxItem) -> Incoming:
    """A connector's item in the shape the inbox stores."""
    return Incoming(
        remote_id=item.remote_id,
        kind=item.kind,
        author_id=item.author_id,
        author_handle=item.author_handle,
        author_name=item.author_name,
        text=item.text,
        created_at=item.created_at,
        post_remote_id=item.post_remote_id,
        parent_remote_id=item.parent_remote_id,
        thread_id=item.thread_id,
    )


def queue_hides(redis: Redis, account: SocialAccount, result: IngestResult) -> None:
    """Queue the hides the moderation rules asked for on a batch of new items."""
    from worker.jobs.inbox_actions import enqueue_action

    try:
        for action_id in result.hide_action_ids:
            enqueue_action(
                redis, action_id=action_id, agency_id=account.agency_id, client_id=account.client_id
            )
    except RedisError:
        log.warning("inbox hides not enqueued: Redis unavailable (the periodic sweep catches up)")


def after_read(redis: Redis, account: SocialAccount, *, negative: int) -> None:
    """Queue a crisis check of the client when the read brought new negative items."""
    from worker.jobs.inbox_alerts import enqueue_crisis_check

    if not negative:
        return
    try:
        enqueue_crisis_check(redis, agency_id=account.agency_id, client_id=account.client_id)
    except RedisError:
        log.warning("crisis check not enqueued: Redis unavailable (the next negative item asks again)")
