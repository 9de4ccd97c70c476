"""The scheduler outlives a Redis that goes away (a restart, a failover): it waits, it does not exit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

from redis import Redis

from tenants.embedded_redis import EmbeddedRedis
from tenants.models import PostTarget, SocialAccount, utcnow
from tests.factories import AgencyFactory, ClientFactory, draft_post, member
from worker.queues import get_queue


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _due_target(session) -> PostTarget:
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    account = SocialAccount(
        agency_id=agency.id,
        client_id=client.id,
        network="mastodon",
        remote_id="1@social.example",
        handle="@cadenza@social.example",
        access_token_enc="not-used-here",
    )
    session.add(account)
    session.commit()
    post = draft_post(
        client,
        member(agency, "manager"),
        [account],
        "Ciao",
        scheduled_at=(utcnow() + timedelta(days=1)).isoformat(),
    )
    post.status, post.scheduled_at = "scheduled", utcnow() - timedelta(seconds=1)
    session.commit()
    return post.targets[0]


def test_the_scheduler_waits_for_redis_then_dispatches(process_env, session, tmp_path):
    port = _free_port()
    env = {**os.environ, "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = None
    try:
        time.sleep(3)
        assert scheduler.poll() is None, "the scheduler exited while Redis was away"
        target = _due_target(session)
        server = EmbeddedRedis(port=port, data_dir=tmp_path / "redis")
        queue = get_queue("publish", connection=Redis.from_url(server.start()))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and queue.count == 0:
            time.sleep(0.1)
        assert scheduler.poll() is None
        # Redis is back: the due target was claimed and its job is waiting for a worker.
        assert queue.count == 1
        session.expire_all()
        assert session.get(PostTarget, target.id).status == "queued"
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=20)
        if server is not None:
            server.stop()
