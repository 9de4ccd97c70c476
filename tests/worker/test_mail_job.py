"""Mail goes through a real SMTP server via an RQ job on real Redis, once."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from tenants.models import OutboxMessage
from tenants.services import mail
from tests.workers import drain
from worker.context import job_context
from worker.jobs.mail import enqueue_delivery
from worker.queues import redis_connection


class Recorder(Sink):
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def smtp_settings(process_env, smtp_server, monkeypatch):
    """Point the worker's environment (which jobs read their settings from) at the test SMTP server."""
    controller, _handler = smtp_server
    smtp_env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port), "SMTP_STARTTLS": "false"}
    for key, value in smtp_env.items():
        monkeypatch.setenv(key, value)
    job_context.cache_clear()
    yield job_context().settings
    job_context.cache_clear()


def test_queued_mail_is_delivered_once_by_the_worker(session, smtp_settings, smtp_server):
    _controller, handler = smtp_server
    message = mail.compose(
        session=session,
        settings=smtp_settings,
        agency_id=None,
        to="ops@agency.example",
        subject="Benvenuto",
        body="Ciao! È tutto pronto.",
    )
    session.commit()
    assert message.status == "queued"
    connection = redis_connection(smtp_settings.redis_url)
    enqueue_delivery(connection=connection, message_id=message.id)
    enqueue_delivery(connection=connection, message_id=message.id)  # same job id: no second copy
    drain("default", connection=connection)
    session.expire_all()
    stored = session.get(OutboxMessage, message.id)
    assert stored.status == "sent" and stored.sent_at is not None
    assert len(handler.messages) == 1
    assert b"Subject: Benvenuto" in handler.messages[0]
    # Running the job again (a retry after a crash) does not send a second copy.
    from worker.jobs.mail import deliver_mail

    assert deliver_mail(message.id) == "sent"
    assert len(handler.messages) == 1


def test_smtp_failure_is_recorded_and_retried(session, settings, monkeypatch):
    unreachable = settings.with_overrides(
        smtp=settings.smtp.__class__(host="127.0.0.1", port=1, starttls=False)
    )
    message = mail.compose(
        session=session, settings=unreachable, agency_id=None, to="a@b.example", subject="s", body="b"
    )
    session.commit()
    with pytest.raises(OSError):
        mail.deliver(session=session, settings=unreachable, message_id=message.id)
    session.expire_all()
    assert session.get(OutboxMessage, message.id).status == "failed"


def test_without_smtp_mail_stays_in_the_outbox(session, settings):
    message = mail.compose(
        session=session, settings=settings, agency_id=None, to="a@b.example", subject="s", body="b"
    )
    assert message.status == "outbox"


def test_mail_whose_delivery_job_was_lost_is_queued_again_by_the_sweep(
    session, smtp_settings, smtp_server, monkeypatch
):
    from datetime import timedelta

    from tenants.models import utcnow
    from worker.jobs import mail as mail_jobs
    from worker.queues import get_queue
    from worker.scheduler import periodic_tasks

    _controller, handler = smtp_server
    # Composed and committed (a report's email to a contact), but the worker died, or Redis refused the
    # delivery job, before it was queued: nothing else would ever send it.
    message = mail.compose(
        session=session,
        settings=smtp_settings,
        agency_id=None,
        to="viewer@bella.example",
        subject="s",
        body="b",
    )
    session.commit()
    connection = redis_connection(smtp_settings.redis_url)
    assert mail_jobs.enqueue_undelivered(connection) == 0  # just composed: its own job is on its way
    later = utcnow() + mail_jobs.UNDELIVERED_AFTER + timedelta(seconds=1)
    monkeypatch.setattr(mail_jobs, "utcnow", lambda: later)
    assert mail_jobs.enqueue_undelivered(connection) == 1
    assert mail_jobs.enqueue_undelivered(connection) == 1  # still waiting: the same job, not a second
    assert get_queue("default", connection=connection).job_ids == [f"mail-{message.id}"]
    drain("default", connection=connection)
    assert len(handler.messages) == 1
    assert mail_jobs.enqueue_undelivered(connection) == 0
    assert "mail-undelivered" in {task.name for task in periodic_tasks()}
