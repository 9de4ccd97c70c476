"""Deleting published posts at the networks, through the real job, connectors and sandbox: deleted and gone
from the sandbox, already gone counts as deleted, retry later waits for the network, reconnect needed
flags the account and keeps the post live; plus the sweep that re-queues what Redis lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.crypto import TokenCipher
from tenants.models import Agency, Post, PostTarget, PublishAttempt, SocialAccount, User, utcnow
from tenants.networks import NETWORKS as NETWORK_FACTS
from tenants.networks import deletes_posts
from tenants.services import remote_delete
from tests.factories import membership_of
from tests.worker.test_publish import _due_post
from tests.worker.test_publish_networks import _due
from tests.worker.test_token_refresh import _x_account
from tests.workers import drain
from worker import rate_limits
from worker.accounts import connector_for_account, credentials_for
from worker.jobs.publish import dispatch_due
from worker.jobs.remote_delete import (
    delete_remote_post,
    enqueue_due_deletes,
    enqueue_requested_delete,
)
from worker.networks.base import Connector
from worker.networks.registry import connector_class
from worker.queues import get_queue, redis_connection

DELETING = ("facebook", "linkedin", "x", "mastodon", "bluesky")


def _drain(settings) -> None:
    drain("publish", connection=redis_connection(settings.redis_url))


def _run(settings) -> None:
    """One dispatcher round, then the publish queue drained."""
    dispatch_due(redis_connection(settings.redis_url))
    _drain(settings)


def _target(session, post) -> PostTarget:
    session.expire_all()
    return session.scalars(select(PostTarget).where(PostTarget.post_id == post.id)).one()


def _ask(session, settings, post, *, enqueue: bool = True) -> PostTarget:
    """A person with posts.write asks for the post's only account to delete it, as the web view does."""
    session.expire_all()
    post = session.get(Post, post.id)
    author = session.get(User, post.created_by_id)
    target = remote_delete.request_delete(
        session=session,
        post=post,
        target_id=post.targets[0].id,
        membership=membership_of(author, session.get(Agency, post.agency_id)),
        actor=author,
    )
    session.commit()
    if enqueue:
        enqueue_requested_delete(redis_connection(settings.redis_url), target)
    return target


def _live_ids(sandbox, network) -> set[str]:
    return {p["remote_id"] for p in sandbox.published(network=network)}


def _last_attempt(session, target) -> PublishAttempt:
    return session.scalars(
        select(PublishAttempt)
        .where(PublishAttempt.target_id == target.id)
        .order_by(PublishAttempt.number.desc())
    ).first()


def _delete_at_the_network(session, settings, account, remote_id) -> None:
    cipher = TokenCipher.from_settings(settings)
    account = session.get(SocialAccount, account.id)
    connector = connector_for_account(settings=settings, session=session, cipher=cipher, account=account)
    connector.delete_post(credentials_for(cipher=cipher, account=account), remote_id)


@pytest.mark.parametrize("network", DELETING)
def test_each_network_deletes_and_each_failure_class_lands_right(network, worker_env, sandbox, session, demo):
    client, accounts = demo
    account = accounts[network]
    posts = {
        name: _due(session, client, account, f"{name} su {network}, da ritirare")
        for name in ("deleted", "gone", "busy", "revoked")
    }
    _run(worker_env)
    published = {name: _target(session, post) for name, post in posts.items()}
    assert {t.status for t in published.values()} == {"published"}
    assert {t.remote_id for t in published.values()} <= _live_ids(sandbox, network)

    # Published -> deleted, and the network no longer has it (it stays on record as deleted).
    assert _ask(session, worker_env, posts["deleted"]).status == "deleting"
    _drain(worker_env)
    target = _target(session, posts["deleted"])
    assert target.status == "deleted" and target.deleted_at is not None
    assert target.remote_id not in _live_ids(sandbox, network)
    (record,) = [
        p for p in sandbox.published(network=network, deleted=True) if p["remote_id"] == target.remote_id
    ]
    assert record["deleted_at"]
    attempt = _last_attempt(session, target)
    assert (attempt.kind, attempt.outcome) == ("delete", "deleted") and attempt.finished_at
    assert session.get(Post, target.post_id).status == "published"  # it did go out; the badge says the rest

    # Already gone at the network: what deleting wanted.
    gone = published["gone"]
    _delete_at_the_network(session, worker_env, account, gone.remote_id)
    _ask(session, worker_env, posts["gone"])
    _drain(worker_env)
    assert _target(session, posts["gone"]).status == "deleted"

    # Rate limited: still deleting, at the network's time; then the sweep hands it to a worker again.
    sandbox.fault(network, "rate_limit", write_only=True)
    _ask(session, worker_env, posts["busy"])
    _drain(worker_env)
    target = _target(session, posts["busy"])
    assert (target.status, target.error_class) == ("deleting", "retry_later")
    assert target.next_attempt_at > utcnow() and target.error_message
    assert _last_attempt(session, target).outcome == "retry_later"
    assert target.remote_id in _live_ids(sandbox, network)
    enqueue_due_deletes(redis_connection(worker_env.redis_url))
    _drain(worker_env)
    assert _target(session, posts["busy"]).status == "deleting"  # not due yet: nobody asked the network
    sandbox.advance_clock(16 * 60)  # the network's rate window resets
    redis_connection(worker_env.redis_url).delete(f"{rate_limits.PREFIX}{account.id}")
    target.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert enqueue_due_deletes(redis_connection(worker_env.redis_url)) == 1
    _drain(worker_env)
    target = _target(session, posts["busy"])
    assert target.status == "deleted" and target.remote_id not in _live_ids(sandbox, network)

    # Revoked token: the account is flagged, the post stays live and the reason is kept.
    sandbox.fault(network, "revoked", write_only=True)
    _ask(session, worker_env, posts["revoked"])
    _drain(worker_env)
    target = _target(session, posts["revoked"])
    assert (target.status, target.error_class) == ("published", "reconnect") and target.error_message
    assert target.deleted_at is None and target.remote_id in _live_ids(sandbox, network)
    assert session.get(SocialAccount, account.id).status == "needs_reconnect"
    assert _last_attempt(session, target).outcome == "reconnect"


def test_a_refusal_keeps_the_networks_reason_and_the_post_can_be_asked_again(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    post = _due_post(session, account)
    _run(worker_env)
    sandbox.fault("x", "error", status=400, write_only=True)
    _ask(session, worker_env, post)
    _drain(worker_env)
    target = _target(session, post)
    assert (target.status, target.error_class) == ("published", "rejected") and target.error_message
    assert _last_attempt(session, target).outcome == "rejected"
    _ask(session, worker_env, post)
    _drain(worker_env)
    target = _target(session, post)
    assert target.status == "deleted" and target.error_message is None
    assert sandbox.published(network="x") == []


def test_a_deletion_redis_never_got_is_queued_by_the_sweep(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    post = _due_post(session, account)
    _run(worker_env)
    _ask(session, worker_env, post, enqueue=False)  # as if Redis was down when the person asked
    _drain(worker_env)
    assert _target(session, post).status == "deleting"
    assert enqueue_due_deletes(redis_connection(worker_env.redis_url)) == 1
    _drain(worker_env)
    assert _target(session, post).status == "deleted" and sandbox.published(network="x") == []


def test_asking_twice_queues_one_job_and_a_second_run_does_nothing(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    post = _due_post(session, account)
    _run(worker_env)
    target = _ask(session, worker_env, post)
    connection = redis_connection(worker_env.redis_url)
    enqueue_requested_delete(connection, target)
    queue = get_queue("publish", connection=connection)
    assert queue.job_ids == [remote_delete.job_id_for(target.id)]
    assert queue.fetch_job(queue.job_ids[0]).meta == {
        "agency_id": target.agency_id,
        "client_id": target.client_id,
        "target_id": target.id,
    }
    _drain(worker_env)
    assert delete_remote_post(target.id) == "skipped"
    session.expire_all()
    kinds = session.scalars(select(PublishAttempt.kind).where(PublishAttempt.target_id == target.id)).all()
    assert kinds == ["publish", "delete"]


def test_a_worker_that_died_mid_delete_is_recovered_and_deleting_is_tried_again(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    post = _due_post(session, account)
    _run(worker_env)
    target = _ask(session, worker_env, post, enqueue=False)
    started = remote_delete.start_delete(session=session, target_id=target.id, job_id="dead-worker")
    assert started is not None
    target, attempt = started
    target.started_at = utcnow() - timedelta(minutes=10)  # the worker was killed long ago
    session.commit()
    assert enqueue_due_deletes(redis_connection(worker_env.redis_url)) == 1
    _drain(worker_env)
    session.expire_all()
    assert session.get(PublishAttempt, attempt.id).outcome == "lost"
    assert _target(session, post).status == "deleted" and sandbox.published(network="x") == []


def test_the_delete_capability_matches_the_connectors():
    for network in NETWORK_FACTS:
        implemented = connector_class(network).delete_post is not Connector.delete_post
        assert deletes_posts(network) == implemented, network
    assert not deletes_posts("instagram")
