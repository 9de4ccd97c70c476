"""Chaos at full size: 1,000 targets of three clients on all six sandbox networks, due within seconds, while
a worker is SIGKILLed three times, Redis is emptied and restarted, the dispatcher is restarted, and the
sandbox answers 10% of writes with a 5xx, 5% with a 429, loses 2% of the answers (the write happened) and
revokes one account's token. Read back from the sandbox: every target of the healthy accounts published
exactly once, the revoked account's failed as "reconnect needed", nothing left in flight.

Needs PostgreSQL (the server of CADENZA_BENCH_DATABASE_URL, default the local `postgres`; its own database
cadenza_bench_chaos) and starts a redis-server of its own, which it must be free to empty and restart.
CADENZA_BENCH_WORKERS sets the worker count (default: one per core); CADENZA_BENCH_LOG_DIR keeps the
processes' logs.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from bench import chaos, readback
from bench.pipeline import demo_picture, demo_world, due_post, fresh_database, serve_sandbox
from tenants.db import make_engine, make_session_factory
from tenants.migrate import upgrade
from tenants.models import Client, Membership, Post, SocialAccount, User, utcnow
from tenants.settings import Settings

SERVER = os.environ.get("CADENZA_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
DATABASE = SERVER.rsplit("/", 1)[0] + "/cadenza_bench_chaos"
# Targets per network of each client. Each client's accounts are sandbox accounts of their own, and each
# stays within its network's own limits: X takes 100 posts a day and 100 calls in 15 minutes per account,
# Instagram 100 posts a day, LinkedIn 150 a day per member (giulia administers both organisations).
DEMO_TARGETS = {"facebook": 100, "instagram": 65, "linkedin": 60, "x": 60, "mastodon": 100, "bluesky": 85}
# Other clients: name, then network -> (sandbox login, which of its accounts) and targets.
OTHER_CLIENTS = {
    "Gelateria del Porto": {
        "facebook": (("luca", None), 100),
        "instagram": (("luca", None), 65),
        "linkedin": (("giulia", "Oleificio Verdi"), 60),
        "x": (("studio", None), 60),
        "mastodon": (("cafe", None), 100),
        "bluesky": (("cafe.bsky.social", None), 85),
    },
    "Bar Sport": {"facebook": (("maria", "Bar Sport"), 20), "mastodon": (("studio", None), 40)},
}
REVOKED = ("Bar Sport", "facebook")
DUE_WITHIN = timedelta(seconds=10)
STUCK_SECONDS = 20
DEADLINE = 900


def _clients(settings: Settings, session) -> list[tuple[Client, dict[str, int]]]:
    """The demo client and the others, each with its accounts connected through the sandbox's OAuth."""
    from tenants.services import clients
    from web.demo_accounts import connect_sandbox_account

    demo, owner, _accounts = demo_world(settings, session)
    membership = session.scalars(select(Membership).where(Membership.user_id == owner.id)).one()
    made = [(demo, DEMO_TARGETS)]
    for name, networks in OTHER_CLIENTS.items():
        client = clients.create_client(
            session=session, agency_id=demo.agency_id, membership=membership, actor=owner, data={"name": name}
        )
        for network, ((login, pick), _count) in networks.items():
            if not connect_sandbox_account(
                settings, session, client=client, network=network, username=login, pick=pick
            ):
                raise RuntimeError(f"{name}: the sandbox has no {network} account {pick!r} for {login}")
        made.append((client, {network: count for network, (_login, count) in networks.items()}))
    session.commit()
    return made


def _picture(settings: Settings, session, demo: Client, client: Client, owner: User) -> int:
    """The demo's seeded picture, uploaded to this client's media library too (media are per client)."""
    from tenants.services import media

    picture = demo_picture(session, demo)
    if client.id == demo.id:
        return picture.id
    membership = session.scalars(select(Membership).where(Membership.user_id == owner.id)).one()
    copy = media.store_upload(
        session=session,
        settings=settings,
        agency_id=client.agency_id,
        client_id=client.id,
        membership=membership,
        actor=owner,
        filename=picture.original_name,
        data=media.media_path_of(settings, picture).read_bytes(),
    )
    return copy.id


def _posts(settings: Settings, session, made: list[tuple[Client, dict[str, int]]]) -> list[Post]:
    """Each client's posts, unique texts: text posts on as many of its other accounts as it still has
    targets for, and picture posts on Instagram (which takes no post without one), interleaved."""
    owner = session.scalars(select(User).where(User.email == "demo@cadenza.example")).one()
    demo = made[0][0]
    posts = []
    for number, (client, targets) in enumerate(made):
        owned = session.scalars(select(SocialAccount).where(SocialAccount.client_id == client.id))
        accounts = {account.network: account for account in owned}
        picture = _picture(settings, session, demo, client, owner) if "instagram" in targets else None
        text_targets = {network: count for network, count in targets.items() if network != "instagram"}
        plan = [(n / targets["instagram"], "instagram") for n in range(targets.get("instagram", 0))]
        plan += [(n / max(text_targets.values()), n) for n in range(max(text_targets.values(), default=0))]
        for _share, n in sorted(plan, key=lambda item: item[0]):
            networks = ["instagram"] if n == "instagram" else [k for k, v in text_targets.items() if v > n]
            posts.append(
                due_post(
                    session,
                    client=client,
                    author=owner,
                    accounts=[accounts[network] for network in networks],
                    text=f"Caos {number} {len(posts):04d}: la pizza resiste anche oggi",
                    media_ids=[picture] if n == "instagram" else [],
                )
            )
    due = utcnow()
    for index, post in enumerate(posts):
        post.scheduled_at = due + DUE_WITHIN * index / len(posts)
    session.commit()
    return posts


def run() -> dict:
    """Exactly-once under chaos: the read-back counts, what was done to the pipeline, attempts by outcome."""
    fresh_database(DATABASE)
    sandbox_url, server = serve_sandbox()
    workers = int(os.environ.get("CADENZA_BENCH_WORKERS") or os.cpu_count() or 2)
    log_dir = Path(os.environ["CADENZA_BENCH_LOG_DIR"]) if os.environ.get("CADENZA_BENCH_LOG_DIR") else None
    with tempfile.TemporaryDirectory() as tmp, httpx.Client(base_url=sandbox_url, timeout=30) as http:
        redis = chaos.PrivateRedis(Path(tmp))
        redis.start()
        base = {**os.environ, "DATABASE_URL": DATABASE, "CADENZA_INSTANCE_PATH": tmp}
        env = chaos.pipeline_env(
            base, redis_url=redis.url, sandbox_url=sandbox_url, stuck_seconds=STUCK_SECONDS
        )
        settings = Settings.from_env(env)
        upgrade(settings)
        engine = make_engine(settings)
        session = make_session_factory(engine)()
        try:
            made = _clients(settings, session)
            posts = _posts(settings, session, made)
            revoked_client = next(c for c, _targets in made if c.name == REVOKED[0])
            revoked = session.scalars(
                select(SocialAccount).where(
                    SocialAccount.client_id == revoked_client.id, SocialAccount.network == REVOKED[1]
                )
            ).one()
            revoked_label = f"{revoked.network}:{revoked.handle}"
            networks = sorted({network for _client, targets in made for network in targets})
            chaos.inject_faults(http, networks, revoked=(revoked.network, revoked.remote_id))
            post_ids = [p.id for p in posts]
            done = chaos.run_chaos(
                session=session,
                redis=redis,
                env=env,
                post_ids=post_ids,
                deadline=DEADLINE,
                workers=workers,
                log_dir=log_dir,
            )
            outcome = readback.read_back(session, http, post_ids, revoked_account_ids={revoked.id})
            by_network = Counter(t.network for p in posts for t in p.targets)
        finally:
            session.close()
            engine.dispose()
            redis.stop()
            server.shutdown()
    result = {
        "benchmark": "publish_chaos",
        "workers": workers,
        "clients": len(made),
        "targets": outcome.targets,
        "targets_by_network": dict(sorted(by_network.items())),
        "published_exactly_once": outcome.published_exactly_once,
        "duplicates": len(outcome.duplicates),
        "missing": len(outcome.missing),
        "failed_healthy": len(outcome.failed_healthy),
        "reconnect_failed": outcome.reconnect_failed,
        "revoked_targets": outcome.revoked_targets,
        "left_in_flight": len(outcome.left_in_flight),
        "kills": done.kills,
        "redis_flushes": done.redis_flushes,
        "redis_restarts": done.redis_restarts,
        "scheduler_restarts": done.scheduler_restarts,
        "processes_revived": done.processes_revived,
        "seconds": done.seconds,
        "attempts": outcome.attempts,
        "most_attempts_of_a_target": outcome.most_attempts,
        "faults": {"5xx": chaos.ERRORS, "429": chaos.RATE_LIMITS, "lost_response": chaos.LOST_RESPONSES},
        "revoked_account": revoked_label,
        "events": done.events,
    }
    if outcome.problems:
        result |= {"problems": outcome.problems, "histories": outcome.histories}
    return result
