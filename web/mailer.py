"""Render an email in the current language, store it in the outbox, and queue SMTP delivery."""

from __future__ import annotations

from flask import current_app, render_template
from redis import RedisError

from tenants.services import mail, notifications
from web.context import db, redis, settings
from worker.jobs.mail import enqueue_delivery, enqueue_delivery_if_smtp


def send_mail(*, agency_id: int | None, to: str, subject: str, template: str, **context: object) -> None:
    """Compose from a text template; the job is enqueued only after the row is committed."""
    body = render_template(f"mail/{template}.txt", **context)
    message = mail.compose(
        session=db(), settings=settings(), agency_id=agency_id, to=to, subject=subject, body=body
    )
    db().commit()
    if message.status == "queued":
        try:
            enqueue_delivery(connection=redis(), message_id=message.id)
        except RedisError:
            # The row stays 'queued'; the owner sees it in the outbox and it can be re-sent.
            current_app.logger.warning("mail %s not enqueued: Redis unavailable", message.id)


def send_notification_mails(items: list) -> None:
    """Email in-app notifications to their readers (commits; enqueues SMTP delivery when configured)."""
    _email(items, {})


def announce(outcome) -> None:
    """Email what an approval step notified, with one-click links for client approvers (commits)."""
    base = settings().base_url
    _email(
        outcome.notified, {uid: f"{base}/approve/{token}" for uid, token in outcome.approval_links.items()}
    )


def _email(items: list, one_click: dict[int, str]) -> None:
    ids = notifications.email_notifications(
        session=db(), settings=settings(), items=items, base_url=settings().base_url, one_click=one_click
    )
    db().commit()
    for message_id in ids:
        try:
            enqueue_delivery_if_smtp(redis(), settings(), message_id)
        except RedisError:
            current_app.logger.warning("mail %s not enqueued: Redis unavailable", message_id)
