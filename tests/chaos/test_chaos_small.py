"""Chaos, small enough for `make test`: real worker and scheduler processes, workers SIGKILLed mid-run,
Redis emptied and restarted, the dispatcher restarted, the sandbox failing at random and one account
revoked. Read back from the sandbox: every healthy target published exactly once, the revoked account's
failed as "reconnect needed", nothing left queued or publishing. The full run is `make bench` publish_chaos;
both drive the same harness (bench/chaos.py, bench/readback.py)."""

from __future__ import annotations

import os

import pytest

from bench import chaos, pipeline, readback

POSTS = 8
REVOKED = "linkedin"
DEADLINE = 150


@pytest.fixture
def world(worker_env, sandbox, session):
    client, owner, accounts = pipeline.demo_world(worker_env, session)
    picture = pipeline.demo_picture(session, client)
    posts = [
        pipeline.due_post(
            session,
            client=client,
            author=owner,
            accounts=accounts,
            text=f"Caos numero {n}: la pizza resiste",
            media_ids=[picture.id],
        )
        for n in range(POSTS)
    ]
    session.commit()
    return accounts, posts


@pytest.fixture
def redis(tmp_path):
    server = chaos.PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_nothing_lost_nothing_twice(world, worker_env, sandbox, session, redis):
    accounts, posts = world
    networks = sorted({a.network for a in accounts})
    # Lost responses more often than in the full run: with 48 targets, 2% would hardly ever happen.
    chaos.inject_faults(sandbox.http, networks, revoked=(REVOKED, None), lost_responses=0.05)
    env = chaos.pipeline_env(dict(os.environ), redis_url=redis.url, sandbox_url=sandbox.url, stuck_seconds=12)
    post_ids = [p.id for p in posts]
    done = chaos.run_chaos(session=session, redis=redis, env=env, post_ids=post_ids, deadline=DEADLINE)

    assert (done.kills, done.redis_restarts, done.scheduler_restarts) == (3, 1, 1), done.events
    revoked = {a.id for a in accounts if a.network == REVOKED}
    outcome = readback.read_back(session, sandbox.http, post_ids, revoked_account_ids=revoked)
    assert outcome.problems == {}, (outcome.problems, outcome.histories)
    assert outcome.published_exactly_once == POSTS * (len(accounts) - 1)
    assert outcome.reconnect_failed == outcome.revoked_targets == POSTS
