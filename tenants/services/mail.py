"""Outgoing mail: every message is written to the outbox; with SMTP configured a job delivers it."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import OutboxMessage, utcnow
from tenants.settings import Settings


def compose(
    *, session: Session, settings: Settings, agency_id: int | None, to: str, subject: str, body: str
) -> OutboxMessage:
    """Store a message; it is 'queued' for the mail job when SMTP is set, else kept in the dev outbox."""
    message = OutboxMessage(
        agency_id=agency_id,
        to_address=to,
        subject=subject[:200],
        body=body,
        status="queued" if settings.smtp.host else "outbox",
    )
    session.add(message)
    session.flush()
    return message


def deliver(*, session: Session, settings: Settings, message_id: int) -> OutboxMessage | None:
    """Send one queued message through SMTP and record the outcome (idempotent once sent)."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.status == "sent" or not settings.smtp.host:
        return message
    smtp = settings.smtp
    email = EmailMessage()
    email["From"] = smtp.sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=15) as server:
            if smtp.starttls:
                server.starttls()
            if smtp.username:
                server.login(smtp.username, smtp.password or "")
            server.send_message(email)
    except (OSError, smtplib.SMTPException) as exc:
        message.status = "failed"
        message.error = str(exc)[:500]
        session.commit()
        raise
    message.status = "sent"
    message.error = None
    # Sent mail may carry one-time links: keep the record, not the secret.
    message.body = ""
    message.sent_at = utcnow()
    session.commit()
    return message


def undelivered(*, session: Session, before: datetime, limit: int = 500) -> list[int]:
    """Ids of messages queued for SMTP before `before` and never tried since, oldest first."""
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "queued", OutboxMessage.created_at < before)
        .order_by(OutboxMessage.created_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def list_outbox(*, session: Session, agency_id: int, limit: int = 100) -> list[OutboxMessage]:
    """Newest-first messages sent on behalf of an agency."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.agency_id == agency_id)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
