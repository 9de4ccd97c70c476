"""Crisis checks after negative items arrive: one job per client at a time; alerts go in-app, by email and
to the client's optional Slack-compatible webhook."""

from __future__ import annotations

import logging

import httpx
import structlog
from redis import Redis

from tenants.crypto import TokenCipher
from tenants.inbox import alerts
from tenants.inbox.settings_store import get_settings, rules_of
from tenants.models import Client
from tenants.services import notifications
from worker.context import job_context
from worker.jobs.mail import enqueue_delivery_if_smtp
from worker.networks.registry import shared_http_client
from worker.queues import enqueue_once, get_queue, redis_connection

log = logging.getLogger("cadenza.inbox_alerts")
events = structlog.get_logger("cadenza.inbox_alerts")
WEBHOOK_TIMEOUT = 10.0


def enqueue_crisis_check(connection: Redis, *, agency_id: int, client_id: int) -> None:
    """Queue a check of the client's negative items unless one is already waiting."""
    enqueue_once(
        get_queue("inbox", connection=connection),
        check_client_crisis,
        client_id,
        job_id=f"crisis-check-{client_id}",
        job_timeout=60,
        result_ttl=30,
        failure_ttl=86400,
        meta={"agency_id": agency_id, "client_id": client_id},
    )


def check_client_crisis(client_id: int) -> str:
    """Run the spike check; when it fires, tell the team (in-app, email) and the client's webhook."""
    ctx = job_context()
    redis = redis_connection(ctx.settings.redis_url_or_embedded)
    with ctx.session_factory() as session:
        client = session.get(Client, client_id)
        if client is None:
            return "gone"
        check = alerts.check_for_crisis(session=session, agency_id=client.agency_id, client_id=client.id)
        if check.alert is None:
            session.commit()
            return check.decision.reason
        row = get_settings(session=session, agency_id=client.agency_id, client_id=client.id)
        message_ids = notifications.email_notifications(
            session=session, settings=ctx.settings, items=list(check.notified), base_url=ctx.settings.base_url
        )
        session.commit()
        webhook = TokenCipher.from_settings(ctx.settings).decrypt(row.crisis_webhook_enc)
        if webhook:
            body = alerts.slack_message(
                client_name=client.name,
                alert=check.alert,
                window_minutes=rules_of(row).crisis.window_minutes,
                link=f"{ctx.settings.base_url}/c/{client.slug}/inbox?sentiment=negative",
            )
            check.alert.webhook_status = _post(ctx.settings, webhook, body)
            session.commit()
        events.info("inbox.crisis_alert", client_id=client.id, count=check.alert.window_negative)
    for message_id in message_ids:
        enqueue_delivery_if_smtp(redis, ctx.settings, message_id)
    return "alerted"


def _post(settings, url: str, body: dict) -> str:
    try:
        response = shared_http_client(settings).post(url, json=body, timeout=WEBHOOK_TIMEOUT)
    except httpx.HTTPError as exc:
        log.warning("crisis webhook failed: %s", exc.__class__.__name__)
        return "unreachable"
    return "sent" if response.status_code < 300 else f"http {response.status_code}"
