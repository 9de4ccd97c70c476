"""Publishing burst: many targets due in the same second, the real dispatcher and worker processes,
the sandbox answering in 150 ms (± jitter). Compared, in the same run, with a naive setup: one forking
RQ worker per core, one target per job, first in first out.

Needs PostgreSQL (CADENZA_BENCH_DATABASE_URL, default the local `postgres` server, database cadenza_bench)
and Redis (CADENZA_BENCH_REDIS_URL, default redis://127.0.0.1:6379/12).
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import timedelta

import httpx
from redis import Redis
from sqlalchemy import func, select, update

from bench.pipeline import (
    cpu_seconds,
    demo_world,
    fresh_database,
    percentile,
    process_cpu,
    process_env,
    serve_sandbox,
    spawn,
    stop,
)
from tenants.db import make_engine, make_session_factory
from tenants.migrate import upgrade
from tenants.models import Client, Post, PostTarget, SocialAccount, utcnow
from tenants.settings import Settings

DATABASE = os.environ.get(
    "CADENZA_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/cadenza_bench"
)
REDIS = os.environ.get("CADENZA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
CLIENTS, PER_CLIENT = 100, 50
BIG, SMALL = 3000, 10
LATENCY_MS, JITTER_MS = 150, 50
NAIVE_TARGETS = 300


def _accounts(settings: Settings, session, clients: int) -> list[SocialAccount]:
    """One real sandbox Mastodon login (through OAuth), shared by `clients` accounts of as many clients."""
    _client, _owner, accounts = demo_world(settings, session)  # the demo calendar is not part of the burst
    demo = next(a for a in accounts if a.network == "mastodon")
    accounts = []
    for n in range(clients):
        client = Client(
            agency_id=demo.agency_id, name=f"Bench {n}", slug=f"bench-{n}", approval_workflow="none"
        )
        session.add(client)
        session.flush()
        account = SocialAccount(
            agency_id=demo.agency_id,
            client_id=client.id,
            network="mastodon",
            remote_id=f"bench-{n}",
            handle=f"@bench{n}@social.example",
            access_token_enc=demo.access_token_enc,
            extra=dict(demo.extra or {}),
        )
        session.add(account)
        accounts.append(account)
    session.commit()
    return accounts


def _due(session, account: SocialAccount, count: int, due, label: str) -> list[int]:
    ids = []
    for n in range(count):
        post = Post(
            agency_id=account.agency_id,
            client_id=account.client_id,
            status="scheduled",
            base_text=f"{label} {account.client_id}-{n}",
            media_ids=[],
            scheduled_at=due,
            checks={},
            overrides=[],
        )
        post.targets.append(
            PostTarget(
                agency_id=account.agency_id,
                client_id=account.client_id,
                account_id=account.id,
                network="mastodon",
                text=post.base_text,
                media_ids=[],
            )
        )
        session.add(post)
        ids.append(post)
    session.flush()
    return [p.id for p in ids]


def _wait_published(session, post_ids: list[int], timeout: float) -> list[float]:
    """Lags (seconds from due to published) once every target of these posts is final."""
    # The posts of one phase have consecutive ids: a range keeps the poll cheap (a list of 5,000 ids
    # cost this process, which also runs the sandbox, more CPU than the sandbox itself).
    phase = Post.id.between(min(post_ids), max(post_ids))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.expire_all()
        unfinished = session.scalar(
            select(func.count())
            .select_from(PostTarget)
            .join(Post, Post.id == PostTarget.post_id)
            .where(phase, PostTarget.status.not_in(("published", "failed")))
        )
        if not unfinished:
            rows = session.execute(
                select(PostTarget.published_at, Post.scheduled_at)
                .join(Post, Post.id == PostTarget.post_id)
                .where(phase, PostTarget.published_at.is_not(None))
            ).all()
            return [(r.published_at - r.scheduled_at).total_seconds() for r in rows]
        time.sleep(0.5)
    raise TimeoutError("targets still unfinished")


def run() -> dict:
    """Targets/s and lag percentiles of the burst; the one-post clients' lag beside a 3,000-post client."""
    fresh_database(DATABASE)
    sandbox_url, server = serve_sandbox()
    Redis.from_url(REDIS).flushdb()
    with tempfile.TemporaryDirectory() as tmp:
        env = process_env(database_url=DATABASE, redis_url=REDIS, instance=tmp, sandbox_url=sandbox_url)
        settings = Settings.from_env(env)
        upgrade(settings)
        engine = make_engine(settings)
        session = make_session_factory(engine)()
        accounts = _accounts(settings, session, CLIENTS + SMALL + 1)
        http = httpx.Client(base_url=sandbox_url)
        http.post(
            "/_control/faults",
            json={
                "network": "mastodon",
                "kind": "latency",
                "latency_ms": LATENCY_MS,
                "jitter_ms": JITTER_MS,
                "times": -1,
            },
        ).raise_for_status()
        from worker.main import default_processes

        # The default setup: one `cadenza worker`, its default processes (CADENZA_BENCH_WORKERS overrides).
        workers = int(os.environ.get("CADENZA_BENCH_WORKERS") or 0) or default_processes()
        result: dict = {
            "benchmark": "publish_burst",
            "worker_processes": workers,
            "worker_fork": settings.worker_fork,
            "sandbox_latency_ms": LATENCY_MS,
        }

        # 1. The burst: 5,000 targets of 100 clients due in the same second.
        due = utcnow() + timedelta(seconds=8)
        burst = [
            pid for account in accounts[:CLIENTS] for pid in _due(session, account, PER_CLIENT, due, "Burst")
        ]
        session.commit()
        cpu_table = process_cpu()
        sandbox_cpu = cpu_seconds([])["sandbox"]
        processes = [spawn("worker", env, "--queues", "publish", "--processes", str(workers))]
        processes.append(spawn("scheduler", env))
        try:
            lags = _wait_published(session, burst, timeout=600)
            span = max(lags)
            result |= {
                "targets": len(burst),
                "published": len(lags),
                "targets_per_second": round(len(lags) / span, 1) if span else None,
                "lag_p50_s": round(percentile(lags, 50), 2),
                "lag_p95_s": round(percentile(lags, 95), 2),
                "lag_p99_s": round(percentile(lags, 99), 2),
            }
            # 2. Fairness: one client with 3,000 due, ten clients with one post each, same second.
            due = utcnow() + timedelta(seconds=5)
            big = _due(session, accounts[CLIENTS], BIG, due, "Grande")
            small = [
                pid
                for account in accounts[CLIENTS + 1 :]
                for pid in _due(session, account, 1, due, "Piccolo")
            ]
            session.commit()
            small_lags = _wait_published(session, small, timeout=300)
            big_lags = _wait_published(session, big, timeout=900)
            result |= {
                "small_clients_lag_p99_s": round(percentile(small_lags, 99), 2),
                "big_client_lag_p99_s": round(percentile(big_lags, 99), 2),
            }
            # Workers (all their processes) and the dispatcher; the in-process sandbox with this process's
            # polling; PostgreSQL's processes. Redis is not counted.
            cpu = cpu_seconds([p.pid for p in processes], before=cpu_table)
            cpu["sandbox"] -= sandbox_cpu
            published = len(burst) + len(big) + len(small)
            result["cpu_ms_per_target"] = {name: round(1000 * s / published, 2) for name, s in cpu.items()}
        finally:
            stop(processes)

        # 3. Naive baseline: one forking worker per core, one target per job, FIFO, no dispatcher.
        from worker.jobs.publish import publish_target
        from worker.queues import get_queue

        redis = Redis.from_url(REDIS)
        due = utcnow()
        naive = [
            pid
            for account in accounts[:CLIENTS]
            for pid in _due(session, account, NAIVE_TARGETS // CLIENTS, due, "Naive")
        ]
        session.commit()
        target_ids = session.scalars(select(PostTarget.id).where(PostTarget.post_id.in_(naive))).all()
        session.execute(
            update(PostTarget)
            .where(PostTarget.id.in_(target_ids))
            .values(status="queued", queued_at=utcnow())
        )
        session.commit()
        queue = get_queue("publish", connection=redis)
        for target_id in target_ids:
            queue.enqueue(publish_target, target_id, job_id=f"naive-{target_id}")
        # Forking workers, one per core, whatever the setup measured above.
        naive_env = {**env, "CADENZA_WORKER_FORK": "1"}
        processes = [
            spawn("worker", naive_env, "--queues", "publish", "--processes", "1")
            for _ in range(os.cpu_count() or 2)
        ]
        try:
            naive_lags = _wait_published(session, naive, timeout=900)
        finally:
            stop(processes)
        naive_rate = len(naive_lags) / max(naive_lags)
        result |= {
            "naive_targets": len(naive_lags),
            "naive_targets_per_second": round(naive_rate, 1),
            "speedup_vs_naive": round(result["targets_per_second"] / naive_rate, 1)
            if result.get("targets_per_second")
            else None,
        }
        copies = http.get("/_control/published", params={"network": "mastodon"}).json()["count"]
        result["published_in_sandbox"] = copies
        result["expected_in_sandbox"] = len(burst) + len(big) + len(small) + len(naive)
        session.close()
        engine.dispose()
        server.shutdown()
    return result
