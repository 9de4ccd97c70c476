"""Chaos, small enough for `make test`: real worker and scheduler processes, workers SIGKILLed mid-run,
Redis emptied, the dispatcher restarted, the sandbox failing at random and one account revoked.
Read back from the sandbox: every healthy target published exactly once, the revoked account's failed
as "reconnect needed", nothing left queued or publishing."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select, update

from tenants.models import Client, MediaAsset, Post, PostTarget, PublishAttempt, SocialAccount, User, utcnow
from tests.factories import draft_post
from worker import rate_limits

POSTS = 8
REVOKED = "linkedin"
DEADLINE = 150


def _spawn(kind: str, env: dict[str, str]) -> subprocess.Popen:
    # A session of its own, so a SIGKILL takes the RQ work-horse child down with the worker.
    return subprocess.Popen(
        [sys.executable, "-m", "web.cli", kind],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture
def world(worker_env, sandbox, session):
    from tenants.demo import seed_demo_data
    from tenants.passwords import make_password_hasher
    from web.demo_accounts import connect_demo_accounts

    seed_demo_data(session=session, hasher=make_password_hasher(worker_env))
    session.commit()
    connect_demo_accounts(worker_env)
    session.expire_all()
    client = session.scalars(select(Client)).one()
    # The demo calendar is not part of this run: only the posts made here are due.
    session.execute(update(Post).where(Post.client_id == client.id).values(status="draft"))
    owner = session.scalars(select(User).where(User.email == "demo@cadenza.example")).one()
    accounts = list(session.scalars(select(SocialAccount).where(SocialAccount.client_id == client.id)))
    picture = session.scalars(select(MediaAsset.id).where(MediaAsset.client_id == client.id)).all()[:1]
    posts = []
    for n in range(POSTS):
        post = draft_post(client, owner, accounts, f"Caos numero {n}: la pizza resiste", media_ids=picture)
        post.status, post.scheduled_at = "scheduled", utcnow() - timedelta(seconds=1)
        posts.append(post)
    session.commit()
    return client, accounts, posts


def _time_passes(session, redis: Redis) -> None:
    """Waits of minutes (the networks' rate windows, backoff) pass in seconds: retries are made due now."""
    session.execute(
        update(PostTarget)
        .where(PostTarget.status.in_(("retry", "unconfirmed")), PostTarget.next_attempt_at > utcnow())
        .values(next_attempt_at=utcnow())
    )
    session.commit()
    for key in redis.scan_iter(f"{rate_limits.PREFIX}*"):
        redis.delete(key)


def test_nothing_lost_nothing_twice(world, worker_env, sandbox, session, monkeypatch):
    client, accounts, posts = world
    networks = sorted({a.network for a in accounts})
    revoked = next(a for a in accounts if a.network == REVOKED)
    sandbox.fault(REVOKED, "revoked", write_only=True, times=-1)
    for network in networks:
        if network == REVOKED:
            continue
        sandbox.fault(network, "error", status=503, probability=0.10, times=-1, write_only=True)
        if network != "x":
            # X's 429 empties its whole 15-minute window on the sandbox's own clock; the other networks
            # answer 429 with their reset time, which "time passes" below fast-forwards.
            sandbox.fault(network, "rate_limit", probability=0.05, times=-1, write_only=True)
        sandbox.fault(network, "response_lost", probability=0.05, times=-1, write_only=True)
    monkeypatch.setenv("CADENZA_PUBLISH_STUCK_SECONDS", "6")
    monkeypatch.setenv("CADENZA_PUBLISH_JOB_TIMEOUT", "12")
    env = {**os.environ, "CADENZA_SANDBOX_URL": sandbox.url, "CADENZA_NETWORK_TIMEOUT": "5"}
    redis = Redis.from_url(worker_env.redis_url)
    workers = [_spawn("worker", env), _spawn("worker", env)]
    scheduler = _spawn("scheduler", env)
    started = time.monotonic()
    chaos = {4: "kill", 8: "kill", 12: "flush", 16: "restart-scheduler", 20: "kill"}
    try:
        while time.monotonic() - started < DEADLINE:
            elapsed = int(time.monotonic() - started)
            action = chaos.pop(min(chaos), None) if chaos and elapsed >= min(chaos) else None
            if action == "kill":
                _kill(workers.pop(0))
                workers.append(_spawn("worker", env))
            elif action == "flush":
                redis.flushdb()  # Redis restarted without its data: queued jobs and holds are gone
            elif action == "restart-scheduler":
                _kill(scheduler)
                scheduler = _spawn("scheduler", env)
            if elapsed > 20:
                _time_passes(session, redis)
            session.expire_all()
            open_targets = session.scalars(
                select(PostTarget).where(
                    PostTarget.post_id.in_([p.id for p in posts]),
                    PostTarget.status.not_in(("published", "failed", "cancelled")),
                )
            ).all()
            if not chaos and not open_targets:
                break
            time.sleep(1)
    finally:
        for process in [*workers, scheduler]:
            _kill(process)

    session.expire_all()
    mine = [p.id for p in posts]
    targets = session.scalars(select(PostTarget).where(PostTarget.post_id.in_(mine))).all()
    stuck = [(t.id, t.network, t.status) for t in targets if t.status not in ("published", "failed")]
    history = {
        t.id: [
            (a.number, a.outcome, a.detail)
            for a in session.scalars(
                select(PublishAttempt).where(PublishAttempt.target_id == t.id).order_by(PublishAttempt.number)
            )
        ]
        for t in targets
        if t.status not in ("published", "failed")
    }
    assert not stuck, f"left unfinished: {stuck} {history}"
    healthy = [t for t in targets if t.account_id != revoked.id]
    assert all(t.status == "published" for t in healthy), [
        (t.network, t.error_message) for t in healthy if t.status != "published"
    ]
    assert all(
        t.status == "failed" and t.error_class == "reconnect" for t in targets if t.account_id == revoked.id
    )
    for network in networks:
        if network == REVOKED:
            continue
        texts = [p.get("text", "") for p in sandbox.published(network=network)]
        for post in posts:
            copies = sum(post.base_text in text for text in texts)
            assert copies == 1, f"{network}: {post.base_text!r} published {copies} times"
