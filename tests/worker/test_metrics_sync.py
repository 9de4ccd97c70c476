"""Reading every demo account's metrics through the real job, connectors and sandbox: readings are kept
raw, the client's day is rolled up, the audience's activity shows as gains, and failures follow the
publishing classes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tenants.metrics.vocabulary import reports
from tenants.models import (
    AccountMetricDay,
    ClientMetricDay,
    MetricReading,
    MetricSyncState,
    Post,
    PostMetricDay,
    SocialAccount,
    User,
    utcnow,
)
from tests.factories import draft_post
from tests.workers import drain, run_pipeline
from worker.jobs.metrics_sync import enqueue_due_metric_syncs, roll_up_missed_days, sync_account_metrics
from worker.queues import redis_connection


def _publish_everywhere(session, settings, client, accounts) -> Post:
    author = session.scalars(select(User).where(User.email == "demo@cadenza.example")).one()
    targets = [a for a in accounts.values() if a.network != "instagram"]  # Instagram needs a picture
    post = draft_post(client, author, targets, "Da oggi il menu d'autunno: zucca, funghi e castagne!")
    post.status, post.scheduled_at = "scheduled", utcnow() - timedelta(seconds=1)
    session.commit()
    run_pipeline(settings)
    session.expire_all()
    return session.get(Post, post.id)


def test_every_network_s_metrics_are_read_and_rolled_up(demo, sandbox, session, worker_env):
    client, accounts = demo
    post = _publish_everywhere(session, worker_env, client, accounts)
    assert {t.status for t in post.targets} == {"published"}
    connection = redis_connection(worker_env.redis_url)
    assert enqueue_due_metric_syncs(connection) == len(accounts)
    drain("metrics", connection=connection)
    session.expire_all()
    states = session.scalars(select(MetricSyncState)).all()
    assert {s.error_class for s in states} == {None} and all(s.last_synced_at for s in states)
    assert {r.name for r in session.scalars(select(MetricReading))} >= {"followers", "likes"}
    first = {r.target_id: r.likes for r in session.scalars(select(PostMetricDay))}
    assert set(first) == {t.id for t in post.targets}

    sandbox.tick(steps=25)  # the audience sees, likes and shares the post
    for account in accounts.values():
        assert sync_account_metrics(account.id)["outcome"] == "synced"
    session.expire_all()
    later = {r.target_id: r for r in session.scalars(select(PostMetricDay))}
    for target in post.targets:
        network = session.get(SocialAccount, target.account_id).network
        row = later[target.id]
        for counter in ("impressions", "reach", "saves", "clicks"):
            # What a network does not count stays "not available", never a made-up zero.
            assert (getattr(row, counter) is None) == (not reports(network, counter)), (network, counter)
        assert row.likes is not None and row.likes >= (first[target.id] or 0)
    gained = sum(r.likes_gain or 0 for r in later.values())
    assert gained > 0, "25 audience steps brought no like to any network"
    day = session.scalars(select(ClientMetricDay).where(ClientMetricDay.client_id == client.id)).one()
    assert day.likes_gain == sum(
        a.likes_gain or 0
        for a in session.scalars(select(AccountMetricDay).where(AccountMetricDay.day == day.day))
    )
    assert day.posts_published == len(post.targets) and day.followers > 0


def test_a_revoked_token_flags_the_account_and_an_outage_backs_off(demo, sandbox, session, worker_env):
    _client, accounts = demo
    sandbox.fault("mastodon", "revoked", times=-1)
    assert sync_account_metrics(accounts["mastodon"].id)["outcome"] == "reconnect"
    sandbox.fault("x", "error", status=503, times=1)
    assert sync_account_metrics(accounts["x"].id)["outcome"] == "retry_later"
    session.expire_all()
    assert session.get(SocialAccount, accounts["mastodon"].id).status == "needs_reconnect"
    state = session.scalars(
        select(MetricSyncState).where(MetricSyncState.account_id == accounts["x"].id)
    ).one()
    assert state.error_class == "retry_later" and state.next_sync_at > utcnow()
    assert not session.scalars(
        select(MetricReading).where(MetricReading.account_id == accounts["x"].id)
    ).all()


def test_a_day_nobody_read_is_still_rolled_up(demo, sandbox, session, worker_env):
    client, accounts = demo
    sync_account_metrics(accounts["x"].id)
    session.expire_all()
    today = session.scalars(select(ClientMetricDay)).one().day
    # Pretend the reads happened yesterday: today's roll-up job must fill the missed day.
    session.execute(ClientMetricDay.__table__.update().values(day=today - timedelta(days=2)))
    session.execute(AccountMetricDay.__table__.update().values(day=today - timedelta(days=2)))
    session.commit()
    assert roll_up_missed_days(redis_connection(worker_env.redis_url)) >= 1
    session.expire_all()
    days = sorted(
        r.day for r in session.scalars(select(ClientMetricDay).where(ClientMetricDay.client_id == client.id))
    )
    assert days == [today - timedelta(days=2), today - timedelta(days=1)]
    carried = session.scalars(
        select(ClientMetricDay).where(ClientMetricDay.day == today - timedelta(days=1))
    ).one()
    assert carried.followers and carried.followers_gain == 0
