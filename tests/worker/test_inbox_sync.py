"""Reading every demo account's comments, mentions and DMs into the inbox through the real jobs, connectors
and sandbox: items arrive once, a second read adds nothing, failures follow the publishing classes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tenants.crypto import TokenCipher
from tenants.inbox import sync_state
from tenants.models import InboxItem, InboxSyncState, SocialAccount, utcnow
from tenants.networks import inbox_kinds
from tests.workers import drain
from worker import rate_limits
from worker.accounts import connector_for_account, credentials_for
from worker.jobs.inbox_sync import enqueue_due_syncs, sync_account_inbox
from worker.networks.types import PublishRequest
from worker.queues import get_queue, redis_connection


def _sync_all(settings) -> int:
    connection = redis_connection(settings.redis_url)
    due = enqueue_due_syncs(connection)
    drain("inbox", connection=connection)
    return due


def _count(session, **where) -> int:
    session.expire_all()
    query = select(func.count(InboxItem.id))
    for name, value in where.items():
        query = query.where(getattr(InboxItem, name) == value)
    return session.scalar(query)


def _due_again(session) -> None:
    for state in session.scalars(select(InboxSyncState)):
        state.next_sync_at = utcnow() - timedelta(seconds=1)
    session.commit()


def publish_linkedin_post(settings, session, account) -> None:
    """The sandbox's LinkedIn audience only comments on posts: give the demo organization one."""
    cipher = TokenCipher.from_settings(settings)
    connector = connector_for_account(settings=settings, session=session, cipher=cipher, account=account)
    connector.publish(
        credentials_for(cipher=cipher, account=account),
        PublishRequest(text="Siamo aperti anche a pranzo!", idempotency_key="inbox-test-post"),
    )


def test_every_network_fills_the_inbox_once_and_a_second_read_adds_nothing(
    demo, sandbox, session, worker_env
):
    client, accounts = demo
    publish_linkedin_post(worker_env, session, accounts["linkedin"])
    sandbox.tick(steps=30)
    due = _sync_all(worker_env)
    assert due == sum(len(inbox_kinds(a.network)) for a in accounts.values())
    first = _count(session, client_id=client.id)
    counts = session.execute(select(InboxItem.network, func.count(InboxItem.id)).group_by(InboxItem.network))
    by_network = {network: count for network, count in counts}
    # Every network with an inbox has an audience in the sandbox.
    assert {n for n in accounts if inbox_kinds(n)} <= set(by_network), by_network
    remote_ids = session.scalars(select(InboxItem.remote_id)).all()
    assert len(remote_ids) == len(set(remote_ids)) == first

    _due_again(session)
    _sync_all(worker_env)
    assert _count(session, client_id=client.id) == first

    sandbox.tick(steps=10)
    _due_again(session)
    _sync_all(worker_env)
    assert _count(session, client_id=client.id) > first
    remote_ids = session.scalars(select(InboxItem.remote_id)).all()
    assert len(remote_ids) == len(set(remote_ids))


def test_items_carry_sentiment_language_and_sla_due_times(demo, sandbox, session, worker_env):
    client, _accounts = demo
    sandbox.tick(steps=20)
    _sync_all(worker_env)
    session.expire_all()
    items = session.scalars(select(InboxItem).where(InboxItem.client_id == client.id)).all()
    assert items
    assert {i.sentiment for i in items} <= {"positive", "neutral", "negative"}
    assert all(i.first_response_due_at and i.first_response_due_at > i.created_at for i in items)
    assert all(i.resolution_due_at >= i.first_response_due_at for i in items)
    assert all(i.thread_key for i in items)


def test_a_revoked_token_flags_the_account_and_a_throttle_waits(demo, sandbox, session, worker_env):
    _client, accounts = demo
    mastodon, x = accounts["mastodon"], accounts["x"]
    sandbox.fault("mastodon", "revoked", times=-1)
    assert sync_account_inbox(mastodon.id, "mention")["outcome"] == "reconnect"
    session.expire_all()
    assert session.get(SocialAccount, mastodon.id).status == "needs_reconnect"
    state = session.scalars(select(InboxSyncState).where(InboxSyncState.account_id == mastodon.id)).first()
    assert state.error_class == "reconnect"

    sandbox.fault("x", "rate_limit", times=1, reset_seconds=120)
    assert sync_account_inbox(x.id, "mention")["outcome"] == "retry_later"
    session.expire_all()
    state = session.scalars(
        select(InboxSyncState).where(InboxSyncState.account_id == x.id, InboxSyncState.kind == "mention")
    ).one()
    assert state.error_class == "retry_later"
    assert state.next_sync_at > utcnow() + timedelta(seconds=60)
    # While the network's hold lasts, a read does not call it at all.
    assert sync_account_inbox(x.id, "mention")["outcome"] == "held"


def test_sync_now_makes_every_read_of_the_client_due(demo, session):
    client, _accounts = demo
    due = sync_state.sync_now(session=session, agency_id=client.agency_id, client_id=client.id)
    session.commit()
    assert due
    assert {d.client_id for d in due} == {client.id}
    assert len(sync_state.due_syncs(session=session)) == len(due)


def test_reads_through_a_failing_network_end_with_every_item_once(demo, sandbox, session, worker_env):
    """A third of the network's answers fail: each read keeps the pages it got, retries later, and in the
    end every mention is in the inbox exactly once."""
    _client, accounts = demo
    x = accounts["x"]
    seeded = sandbox.bulk("x", "mention", x.remote_id, 450)
    sandbox.fault("x", "error", status=503, probability=0.35, times=-1)
    redis = redis_connection(worker_env.redis_url)
    outcomes = []
    for _ in range(60):
        outcomes.append(sync_account_inbox(x.id, "mention")["outcome"])
        if outcomes[-1] == "synced":
            break
        # Time passes: the hold the network's answer set runs out before the next read.
        redis.delete(f"{rate_limits.PREFIX}{x.id}", f"{rate_limits.APP_PREFIX}x")
    sandbox.clear_faults()
    assert "retry_later" in outcomes and outcomes[-1] == "synced"
    session.expire_all()
    stored = session.scalars(select(InboxItem.remote_id).where(InboxItem.account_id == x.id)).all()
    assert len(stored) == len(set(stored))
    assert set(seeded["ids"]) <= set(stored)


def test_a_read_with_new_negative_items_asks_for_one_crisis_check(demo, sandbox, session, worker_env):
    client, accounts = demo
    x = accounts["x"]
    redis = redis_connection(worker_env.redis_url)
    queue = get_queue("inbox", connection=redis)
    sandbox.say("x", "mention", x.remote_id, "Servizio pessimo, vergognatevi: voglio un rimborso!")
    sandbox.bulk("x", "mention", x.remote_id, 120)  # several pages
    totals = sync_account_inbox(x.id, "mention")
    assert totals["pages"] > 1 and totals["negative"] >= 1
    assert queue.job_ids.count(f"crisis-check-{client.id}") == 1


def test_a_read_without_negative_items_asks_for_no_crisis_check(demo, sandbox, session, worker_env):
    client, accounts = demo
    x = accounts["x"]
    queue = get_queue("inbox", connection=redis_connection(worker_env.redis_url))
    sync_account_inbox(x.id, "mention")  # what the demo's audience already said
    queue.empty()
    sandbox.say("x", "mention", x.remote_id, "Grazie mille, bellissimo posto e personale gentilissimo!")
    totals = sync_account_inbox(x.id, "mention")
    assert totals["new"] == 1 and totals["negative"] == 0
    assert f"crisis-check-{client.id}" not in queue.job_ids
