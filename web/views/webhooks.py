"""Webhook endpoints the networks push to (Meta: Facebook Pages and Instagram).

Every refusal answers the same 403 "rejected": a caller learns nothing about which check failed.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, request
from redis import RedisError

from tenants.inbox.webhook_ingest import ingest_webhook_items
from tenants.settings import Settings
from web.context import db, redis, settings
from web.extensions import csrf
from worker.jobs.inbox_sync import after_read, incoming, queue_hides
from worker.networks.endpoints import app_credentials
from worker.networks.meta_webhooks import (
    OBJECT_NETWORKS,
    newest_entry_time,
    parse_delivery,
    signature_matches,
)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)
log = logging.getLogger("cadenza.webhooks")

# A delivery older than this is refused even if its digest was forgotten (Meta retries for about a day).
MAX_AGE = timedelta(hours=24)
DIGEST_TTL_SECONDS = int((MAX_AGE + timedelta(hours=1)).total_seconds())


def meta_verify_token(config: Settings) -> str:
    """The verify token Cadenza gives Meta when subscribing (derived from the secret key, stable)."""
    return hmac.new(config.secret_key.encode(), b"meta-webhook-verify", hashlib.sha256).hexdigest()[:32]


def _rejected() -> Response:
    return Response("rejected", status=403, mimetype="text/plain")


@bp.get("/meta")
def meta_verify() -> Response:
    """Meta's subscription check: echo hub.challenge when the verify token is ours."""
    token = request.args.get("hub.verify_token", "")
    if request.args.get("hub.mode") != "subscribe" or not hmac.compare_digest(
        token, meta_verify_token(settings())
    ):
        return _rejected()
    return Response(request.args.get("hub.challenge", ""), mimetype="text/plain")


@bp.post("/meta")
def meta_delivery() -> Response:
    """A signed delivery: checked over the raw body, refused when replayed or stale, then stored once."""
    body = request.get_data(cache=False)
    header = request.headers.get("X-Hub-Signature-256")
    signer = next(
        (
            n
            for n in OBJECT_NETWORKS.values()
            if signature_matches(body, header, app_credentials(settings(), n).client_secret)
        ),
        None,
    )
    if signer is None:
        return _rejected()
    try:
        payload = json.loads(body)
    except ValueError:
        return _rejected()
    newest = newest_entry_time(payload) if isinstance(payload, dict) else None
    if (
        OBJECT_NETWORKS.get(payload.get("object")) != signer
        or newest is None
        or newest < datetime.now(UTC) - MAX_AGE
    ):
        return _rejected()
    key = f"cadenza:webhook:meta:{hashlib.sha256(body).hexdigest()}"
    try:
        if not redis().set(key, 1, nx=True, ex=DIGEST_TTL_SECONDS):
            return _rejected()  # the same signed body again: a replay
    except RedisError:
        log.warning("webhook replay check skipped: Redis unavailable (items are still stored once)")
    try:
        by_account = ingest_webhook_items(
            session=db(),
            items=[(w.network, w.account_remote_id, incoming(w.item)) for w in parse_delivery(payload)],
        )
        db().commit()
    except Exception:
        db().rollback()
        _forget(key)  # Meta sends it again; it must not then look like a replay
        raise
    for account, result in by_account:
        queue_hides(redis(), account, result)
        after_read(redis(), account, negative=result.negative)
    return Response("", status=200)


def _forget(key: str) -> None:
    with contextlib.suppress(RedisError):
        redis().delete(key)
