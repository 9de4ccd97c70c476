"""Deliver queued outbox messages through SMTP."""

from __future__ import annotations

from redis import Redis
from rq import Retry

from tenants.services import mail
from worker.context import job_context
from worker.queues import enqueue_once, get_queue


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


def enqueue_delivery_if_smtp(connection: Redis, settings, message_id: int) -> None:
    """Queue delivery when SMTP is configured (otherwise the message stays in the dev outbox)."""
    if settings.smtp.host:
        enqueue_delivery(connection=connection, message_id=message_id)
