"""Every failure class, on every network, through the real pipeline: dispatcher, job, connector, sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.models import Post, PostTarget, SocialAccount, User, utcnow
from tests.conftest import DEMO_NETWORKS as NETWORKS
from tests.worker.test_publish import _run
from worker import rate_limits
from worker.queues import redis_connection


def _due(session, client, account, text):
    """A scheduled post on one account, due now; Instagram gets the demo picture it needs."""
    from tenants.models import Agency, MediaAsset
    from tests.factories import draft_post, membership_of

    owner = session.scalars(select(User).where(User.email == "demo@cadenza.example")).one()
    picture = session.scalars(select(MediaAsset.id).where(MediaAsset.client_id == client.id)).all()[:1]
    post = draft_post(
        client, owner, [account], text, media_ids=picture if account.network == "instagram" else []
    )
    del membership_of, Agency
    post.status, post.scheduled_at = "scheduled", utcnow() - timedelta(seconds=1)
    session.commit()
    return post


def _state(session, post) -> tuple[str, str | None]:
    session.expire_all()
    target = session.scalars(select(PostTarget).where(PostTarget.post_id == post.id)).one()
    return target.status, target.error_class


def _due_again(session, post, settings, account) -> None:
    target = session.scalars(select(PostTarget).where(PostTarget.post_id == post.id)).one()
    target.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()
    redis_connection(settings.redis_url).delete(f"{rate_limits.PREFIX}{account.id}")


@pytest.mark.parametrize("network", NETWORKS)
def test_each_failure_class_through_the_pipeline(network, worker_env, sandbox, session, demo):
    client, accounts = demo
    account = accounts[network]

    ok = _due(session, client, account, f"Tutto bene su {network}")
    _run(worker_env)
    assert _state(session, ok) == ("published", None)

    sandbox.fault(network, "error", status=503, write_only=True)
    flaky = _due(session, client, account, f"Server stanco su {network}")
    _run(worker_env)
    # A 5xx on a write: retry later, or (where the network may have acted) unknown until reconciled.
    assert _state(session, flaky) in {("retry", "retry_later"), ("unconfirmed", "unknown")}
    _due_again(session, flaky, worker_env, account)
    _run(worker_env)
    assert _state(session, flaky)[0] == "published"

    sandbox.fault(network, "response_lost", write_only=True)
    lost = _due(session, client, account, f"Risposta persa su {network}")
    _run(worker_env)
    assert _state(session, lost) == ("unconfirmed", "unknown")
    _due_again(session, lost, worker_env, account)
    _run(worker_env)
    assert _state(session, lost)[0] == "published"

    published = sandbox.published(network=network)
    texts = [p.get("text", "") for p in published]
    for text in (f"Tutto bene su {network}", f"Server stanco su {network}", f"Risposta persa su {network}"):
        assert sum(text in t for t in texts) == 1, (text, texts)  # exactly once each

    sandbox.fault(network, "revoked", write_only=True)
    revoked = _due(session, client, account, f"Token revocato su {network}")
    _run(worker_env)
    assert _state(session, revoked) == ("failed", "reconnect")
    session.expire_all()
    assert session.get(SocialAccount, account.id).status == "needs_reconnect"
    assert session.get(Post, revoked.id).status == "failed"


def test_an_app_wide_limit_holds_every_account_of_the_network(worker_env, sandbox, session, demo):
    from redis import Redis

    from tenants.models import PublishAttempt, SocialAccount
    from tests.workers import run_pipeline
    from worker import rate_limits

    client, accounts = demo
    page = accounts["facebook"]
    # Meta's code 4: the limit is on Cadenza's app, whichever page asks.
    sandbox.fault("facebook", "rate_limit", code=4, write_only=True)
    first = _due(session, client, page, "Prima pagina, primo post")
    run_pipeline(worker_env)
    assert _state(session, first)[0] == "retry"
    assert Redis.from_url(worker_env.redis_url).exists(f"{rate_limits.APP_PREFIX}facebook")
    other_page = SocialAccount(
        agency_id=page.agency_id,
        client_id=page.client_id,
        network="facebook",
        remote_id="another-page",
        handle="Another page",
        access_token_enc=page.access_token_enc,
        extra=dict(page.extra or {}),
    )
    session.add(other_page)
    session.commit()
    calls_before = len(sandbox.published(network="facebook"))
    second = _due(session, client, other_page, "Altra pagina")
    run_pipeline(worker_env)
    assert _state(session, second)[0] == "retry"
    session.expire_all()
    target = session.scalars(select(PostTarget).where(PostTarget.post_id == second.id)).one()
    detail = session.scalars(select(PublishAttempt.detail).where(PublishAttempt.target_id == target.id)).one()
    assert detail == "Rate limited by the network."  # held: the network was not asked
    assert len(sandbox.published(network="facebook")) == calls_before
