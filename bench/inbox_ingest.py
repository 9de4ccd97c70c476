"""Inbox ingest: 200 Mastodon accounts x 1,000 new mentions read through the real sync path into PostgreSQL.

The accounts are real sandbox logins connected through OAuth (67 instance hosts x 3 users, one app per
host), spread over 50 clients, each client with the demo's complaint rule and an offensive-words rule.
The sandbox, served in this process, holds 1,000 mentions per account (`/_control/audience/bulk`).
`cadenza worker` (its default processes) runs the jobs `enqueue_due_syncs` queues; the clock runs from
that call until every item is in the database. A second full sync ("sync now" on every client) must
store nothing new.

The sandbox shares the machine's cores with the workers and PostgreSQL, so the breakdown times the two
halves apart, in this one process: reading every page from the sandbox through the connector (no
database), then `ingest()` of those same pages, committed page by page as the job does (no network).

Needs PostgreSQL (CADENZA_BENCH_DATABASE_URL, default the local `postgres` server, database
cadenza_bench_inbox) and Redis (CADENZA_BENCH_REDIS_URL, default redis://127.0.0.1:6379/13).
CADENZA_BENCH_INBOX_ACCOUNTS and CADENZA_BENCH_INBOX_ITEMS make a shorter run while developing;
CADENZA_BENCH_WORKER_LOG names a file for the workers' log.
"""

from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
from redis import Redis
from rq import Worker
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select, text

from bench.pipeline import cpu_seconds, fresh_database, process_cpu, process_env, serve_sandbox, spawn, stop
from tenants.db import make_engine, make_session_factory
from tenants.inbox import moderation, sync_state, triage
from tenants.inbox.ingest import IngestContext, ingest
from tenants.migrate import upgrade
from tenants.models import Client, InboxItem, InboxSyncState, Membership, SocialAccount, utcnow
from tenants.passwords import make_password_hasher
from tenants.services.agencies import create_agency
from tenants.services.clients import create_client
from tenants.settings import Settings

DATABASE = os.environ.get(
    "CADENZA_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/cadenza_bench_inbox"
)
REDIS = os.environ.get("CADENZA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
ACCOUNTS = int(os.environ.get("CADENZA_BENCH_INBOX_ACCOUNTS") or 200)
ITEMS = int(os.environ.get("CADENZA_BENCH_INBOX_ITEMS") or 1000)
USERS = ("brand", "cafe", "studio")  # the sandbox's Mastodon logins, the same on every instance
ACCOUNTS_PER_CLIENT = 4
GOAL_ITEMS_PER_S = 5000
STALL_S = 60  # no new row and no read finished for this long: stop waiting


def run() -> dict:
    """Items/s of the real sync, a re-sync's new rows, and the fetch/ingest breakdown."""
    fresh_database(DATABASE)
    sandbox_url, server = serve_sandbox()
    redis = Redis.from_url(REDIS)
    redis.flushdb()
    with tempfile.TemporaryDirectory() as tmp:
        env = process_env(database_url=DATABASE, redis_url=REDIS, instance=tmp, sandbox_url=sandbox_url)
        settings = Settings.from_env(env)
        upgrade(settings)
        engine = make_engine(settings)
        session = make_session_factory(engine)()
        started = time.perf_counter()
        accounts = _world(settings, session)
        result: dict = {
            "benchmark": "inbox_ingest",
            "accounts": len(accounts),
            "instances": len({_instance(a) for a in accounts}),
            "clients": len({a.client_id for a in accounts}),
            "items_per_account": ITEMS,
            "connect_s": round(time.perf_counter() - started, 1),
        }
        http = httpx.Client(base_url=sandbox_url, timeout=60)
        started = time.perf_counter()
        for account in accounts:
            http.post(
                "/_control/audience/bulk",
                json={"network": "mastodon", "kind": "mention", "account": account.remote_id, "count": ITEMS},
            ).raise_for_status()
        result["seed_s"] = round(time.perf_counter() - started, 1)
        expected = len(accounts) * ITEMS

        from worker.main import default_processes

        workers = int(os.environ.get("CADENZA_BENCH_WORKERS") or 0) or default_processes()
        result["worker_processes"] = workers
        log = os.environ.get("CADENZA_BENCH_WORKER_LOG")  # the workers' output, to look into a run
        processes = [spawn("worker", env, "--processes", str(workers), log=Path(log) if log else None)]
        try:
            _wait_for_workers(redis, workers)
            result["sync"] = _timed_sync(env, engine, redis, processes, expected, first=True)
            for client_id in sorted({a.client_id for a in accounts}):
                sync_state.sync_now(session=session, agency_id=accounts[0].agency_id, client_id=client_id)
            session.commit()
            result["resync"] = _timed_sync(env, engine, redis, processes, expected, first=False)
        finally:
            stop(processes)
        result["breakdown"] = _breakdown(settings, session, accounts, expected)
        rate = result["sync"]["items_per_s"]
        result["goal_items_per_s"] = GOAL_ITEMS_PER_S
        result["goal_met"] = bool(rate and rate >= GOAL_ITEMS_PER_S) and result["resync"]["new_rows"] == 0
        result["load_average"] = [round(x, 2) for x in os.getloadavg()]
        session.close()
        engine.dispose()
        server.shutdown()
    return result


def _world(settings: Settings, session) -> list[SocialAccount]:
    """An agency, its clients with moderation rules, and their Mastodon accounts connected by OAuth."""
    from web.demo_accounts import connect_sandbox_account

    agency, owner = create_agency(
        session=session,
        hasher=make_password_hasher(settings),
        name="Bench Inbox Agency",
        owner_email="owner@inbox-bench.example",
        owner_password="inbox-bench-password",
    )
    membership = session.scalars(select(Membership).where(Membership.user_id == owner.id)).one()
    clients = []
    for n in range(-(-ACCOUNTS // ACCOUNTS_PER_CLIENT)):
        client = create_client(
            session=session,
            agency_id=agency.id,
            membership=membership,
            actor=owner,
            data={"name": f"Inbox client {n}", "slug": f"inbox-client-{n}", "timezone": "Europe/Rome"},
        )
        _rules(session, client)
        clients.append(client)
    session.commit()
    for n in range(ACCOUNTS):
        connect_sandbox_account(
            settings,
            session,
            client=clients[n // ACCOUNTS_PER_CLIENT],
            network="mastodon",
            username=USERS[n % len(USERS)],
            instance=f"inbox{n // len(USERS)}.example",
        )
        session.commit()
    return list(session.scalars(select(SocialAccount).order_by(SocialAccount.id)))


def _rules(session, client: Client) -> None:
    """The demo client's complaint rule, and offensive words tagged for review."""
    for name, keywords, offensive in (
        ("Reclami", ["terrible", "pessimo", "rimborso", "refund"], False),
        ("Offensivi", [], True),
    ):
        tag = triage.get_or_create_tag(
            session=session, agency_id=client.agency_id, client_id=client.id, name=name.lower()
        )
        moderation.create_rule(
            session=session,
            agency_id=client.agency_id,
            client_id=client.id,
            name=name,
            keywords=keywords,
            match_offensive=offensive,
            action="tag",
            tag_id=tag.id,
        )


def _instance(account: SocialAccount) -> str:
    return account.remote_id.rsplit("@", 1)[-1]


def _wait_for_workers(redis: Redis, count: int, timeout: float = 60) -> None:
    """Until the pool's workers are listening (their start-up is not part of the sync)."""
    deadline = time.monotonic() + timeout
    while len(Worker.all(connection=redis)) < count:
        if time.monotonic() > deadline:
            raise TimeoutError("workers did not start")
        time.sleep(0.2)


@contextmanager
def _worker_environment(env: dict[str, str]):
    """enqueue_due_syncs builds its job context from the environment, as in the scheduler process."""
    from worker.context import job_context

    saved = dict(os.environ)
    os.environ.update(env)
    job_context.cache_clear()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        job_context.cache_clear()


def _timed_sync(env, engine, redis: Redis, processes, expected: int, *, first: bool) -> dict:
    """Queue every due read, then wait until the items are stored and every read has finished."""
    from worker.jobs.inbox_sync import enqueue_due_syncs

    rows_before = _count(engine)
    database = DATABASE.rsplit("/", 1)[1]
    groups = [p.pid for p in processes]
    cpu_before = process_cpu()
    before = cpu_seconds(groups, database=database)
    since = utcnow()
    started = time.perf_counter()
    with _worker_environment(env):
        due = enqueue_due_syncs(redis)
    enqueued = time.perf_counter() - started
    all_in = None
    failed = FailedJobRegistry("inbox", connection=redis)
    failed_before = len(failed)
    progress, last_change = None, time.monotonic()
    while True:
        rows, finished = _count(engine), _finished(engine, since)
        if all_in is None and rows - rows_before >= expected:
            all_in = time.perf_counter() - started
        crashed = len(failed) - failed_before
        if finished + crashed >= due and (all_in is not None or not first or crashed):
            break
        if (rows, finished) != progress:
            progress, last_change = (rows, finished), time.monotonic()
        elif time.monotonic() - last_change > STALL_S:
            break  # reported as unfinished reads below, rather than waiting for ever
        time.sleep(0.25)
    done = time.perf_counter() - started
    after = cpu_seconds(groups, before=cpu_before, database=database)
    # The workers' and this process's CPU since the start; PostgreSQL's already counted from cpu_before.
    cpu = {
        "workers": round(after["pipeline"] - before["pipeline"], 1),
        "sandbox_and_bench": round(after["sandbox"] - before["sandbox"], 1),
        "postgresql": round(after["postgresql"], 1),
    }
    report = {
        "reads_queued": due,
        "reads_failed": crashed,
        "reads_unfinished": due - crashed - finished,
        "enqueue_s": round(enqueued, 2),
        "new_rows": _count(engine) - rows_before,
        "all_reads_done_s": round(done, 2) if finished + crashed >= due else None,
        "cpu_s": cpu,
    }
    if first:
        report["all_items_in_s"] = round(all_in, 2) if all_in else None
        report["items_per_s"] = round(expected / all_in) if all_in else None
    return report


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(InboxItem))


def _finished(engine, since) -> int:
    """Reads that completed (or failed at the network, and were put off) since `since`."""
    with engine.connect() as conn:
        return conn.scalar(
            select(func.count())
            .select_from(InboxSyncState)
            .where(
                (InboxSyncState.last_synced_at >= since)
                | (InboxSyncState.error_class.is_not(None) & (InboxSyncState.next_sync_at > since))
            )
        )


def _breakdown(settings: Settings, session, accounts: list[SocialAccount], expected: int) -> dict:
    """The network half and the database half of the same work, apart, one after the other in this process."""
    from tenants.crypto import TokenCipher
    from worker.accounts import connector_for_account, credentials_for
    from worker.jobs.inbox_sync import incoming

    cipher = TokenCipher.from_settings(settings)
    pages: list[tuple[SocialAccount, list]] = []
    started, cpu = time.perf_counter(), time.process_time()
    for account in accounts:
        connector = connector_for_account(settings=settings, session=session, cipher=cipher, account=account)
        creds = credentials_for(cipher=cipher, account=account)
        cursor = None
        while True:
            page = connector.read_inbox(creds, kind="mention", cursor=cursor)
            if page.items:
                pages.append((account, [incoming(i) for i in page.items]))
            cursor = page.cursor
            if not cursor:
                break
    fetch_s, fetch_cpu = time.perf_counter() - started, time.process_time() - cpu
    fetched = sum(len(items) for _, items in pages)

    # The same pages again as new items: the table emptied, ingest() and a commit per page, as the job does.
    session.execute(text("TRUNCATE inbox_items CASCADE"))
    session.commit()
    started, cpu = time.perf_counter(), time.process_time()
    contexts: dict[int, IngestContext] = {}  # one per account's read, as the job keeps it
    for account, items in pages:
        ingest(
            session=session,
            account=account,
            items=items,
            context=contexts.setdefault(account.id, IngestContext()),
        )
        session.commit()
    ingest_s, ingest_cpu = time.perf_counter() - started, time.process_time() - cpu
    stored = _count(session.get_bind())

    # And once more, every page: nothing may be stored twice.
    started = time.perf_counter()
    again = 0
    contexts = {}
    for account, items in pages:
        context = contexts.setdefault(account.id, IngestContext())
        again += len(ingest(session=session, account=account, items=items, context=context).new_ids)
        session.commit()
    reingest_s = time.perf_counter() - started
    return {
        "fetch_only": {
            "what": "connector.read_inbox of every page, this process (the sandbox serves in it too)",
            "pages": len(pages),
            "items": fetched,
            "s": round(fetch_s, 1),
            "items_per_s": round(fetched / fetch_s),
            "process_cpu_s": round(fetch_cpu, 1),
        },
        "ingest_only": {
            "what": "ingest() of the pre-fetched pages, one process, commit per page, no network",
            "items": fetched,
            "stored": stored,
            "s": round(ingest_s, 1),
            "items_per_s": round(fetched / ingest_s),
            "process_cpu_s": round(ingest_cpu, 1),
        },
        "reingest_all": {
            "what": "ingest() of every pre-fetched page again (a resync that reads the whole history)",
            "new_rows": again,
            "s": round(reingest_s, 1),
            "items_per_s": round(fetched / reingest_s),
        },
        "expected_items": expected,
    }
