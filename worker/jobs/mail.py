"""Deliver queued outbox messages through SMTP."""

from __future__ import annotations

from datetime import timedelta

from redis import Redis
from rq import Retry

from tenants.models import utcnow
from tenants.services import mail
from tenants.settings import Settings
from worker.context import job_context
from worker.queues import enqueue_each, enqueue_once, get_queue

# Well past the moment a message's own job is queued (right after its commit): older and still queued,
# that job was lost (the worker died or Redis refused it between the commit and the enqueue).
UNDELIVERED_AFTER = timedelta(minutes=5)


def deliver_mail(message_id: int) -> str:
    """Send one outbox message; a message already sent is not sent again."""
    ctx = job_context()
    with ctx.session_factory() as session:
        message = mail.deliver(session=session, settings=ctx.settings, message_id=message_id)
        return message.status if message else "missing"


def enqueue_delivery(*, connection: Redis, message_id: int) -> None:
    """Queue delivery of a message, once (the job id is derived from the message id)."""
    enqueue_once(
        get_queue("default", connection=connection),
        deliver_mail,
        message_id,
        job_id=f"mail-{message_id}",
        retry=Retry(max=3, interval=[30, 120, 600]),
        job_timeout=60,
        result_ttl=3600,
        failure_ttl=7 * 86400,
    )


def enqueue_delivery_if_smtp(connection: Redis, settings: Settings, message_id: int) -> None:
    """Queue delivery when SMTP is configured (otherwise the message stays in the dev outbox)."""
    if settings.smtp.host:
        enqueue_delivery(connection=connection, message_id=message_id)


def enqueue_undelivered(connection: Redis) -> int:
    """Periodic: queue the delivery of messages whose job was lost (one job per message id, as ever)."""
    ctx = job_context()
    if not ctx.settings.smtp.host:
        return 0
    with ctx.session_factory() as session:
        ids = mail.undelivered(session=session, before=utcnow() - UNDELIVERED_AFTER)
    enqueue_each(
        ids, lambda message_id: enqueue_delivery(connection=connection, message_id=message_id), what="mail"
    )
    return len(ids)
