"""Refresh tokens before they expire: one refresh at a time per account, because refresh tokens rotate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Retry
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.crypto import TokenCipher
from tenants.models import SocialAccount
from tenants.services import notifications, social_accounts
from worker.accounts import connector_for_account, credentials_for
from worker.context import job_context
from worker.jobs.mail import enqueue_delivery_if_smtp
from worker.networks.errors import ReconnectNeeded, Rejected, RetryLater
from worker.queues import enqueue_once, get_queue, redis_connection

REFRESH_AHEAD = timedelta(minutes=30)
LOCK_SECONDS = 120


def refresh_account_token(account_id: int, force: bool = False) -> str:
    """Refresh one account's tokens if they expire soon (or when forced); returns what happened."""
    ctx = job_context()
    redis = redis_connection(ctx.settings.redis_url_or_embedded)
    # Two workers refreshing at once would spend a single-use refresh token twice: serialise per account.
    with (
        redis.lock(
            f"cadenza:token-refresh:{account_id}", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS
        ),
        ctx.session_factory() as session,
    ):
        account = session.get(SocialAccount, account_id)
        if account is None or account.status != "connected":
            return "skipped"
        if not force and not _expires_soon(account):
            return "fresh"  # someone else refreshed it while this job waited for the lock
        cipher = TokenCipher.from_settings(ctx.settings)
        connector = connector_for_account(
            settings=ctx.settings, session=session, cipher=cipher, account=account
        )
        try:
            tokens = connector.refresh(credentials_for(cipher=cipher, account=account))
        except (ReconnectNeeded, Rejected) as exc:
            created = social_accounts.mark_needs_reconnect(
                session=session, account=account, reason=exc.reason
            )
            message_ids = notifications.email_notifications(
                session=session, settings=ctx.settings, items=created, base_url=ctx.settings.base_url
            )
            session.commit()
            for message_id in message_ids:
                enqueue_delivery_if_smtp(redis, ctx.settings, message_id)
            return "needs_reconnect"
        except RetryLater as exc:
            _retry_at(redis, account_id, exc.retry_at)
            return "retry_later"
        social_accounts.record_refresh(
            session=session,
            cipher=cipher,
            account=account,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
        )
        session.commit()
        return "refreshed"


def ready_to_call(session: Session, account: SocialAccount) -> bool:
    """Refresh the account's token first when it expires soon; False when the account needs a person."""
    if account.status != "connected":
        return False
    if _expires_soon(account):
        session.commit()  # the refresh runs in its own session, under the account's lock
        refresh_account_token(account.id)
        session.refresh(account)
    return account.status == "connected"


def _expires_soon(account: SocialAccount) -> bool:
    return (
        account.token_expires_at is not None and account.token_expires_at <= datetime.now(UTC) + REFRESH_AHEAD
    )


def _retry_at(redis: Redis, account_id: int, when: datetime) -> None:
    get_queue("default", connection=redis).enqueue_at(
        when, refresh_account_token, account_id, job_id=f"token-refresh-{account_id}-retry"
    )


def enqueue_due_refreshes(connection: Redis) -> int:
    """Queue a refresh for every connected account whose token expires within the hour (one job each)."""
    ctx = job_context()
    horizon = datetime.now(UTC) + timedelta(hours=1)
    with ctx.session_factory() as session:
        due = session.scalars(
            select(SocialAccount.id).where(
                SocialAccount.status == "connected",
                SocialAccount.token_expires_at.is_not(None),
                SocialAccount.token_expires_at <= horizon,
            )
        ).all()
    queue = get_queue("default", connection=connection)
    for account_id in due:
        # A deterministic id: a refresh already queued for this account is not queued again.
        enqueue_once(
            queue,
            refresh_account_token,
            account_id,
            job_id=f"token-refresh-{account_id}",
            job_timeout=LOCK_SECONDS * 2,
            result_ttl=60,
            failure_ttl=86400,
            retry=Retry(max=3, interval=[30, 120, 600]),
        )
    return len(due)
