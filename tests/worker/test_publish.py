"""The publishing pipeline against the sandbox: due posts go out once, every failure class lands right,
lost responses and dead workers are reconciled before any retry, and clients are served fairly."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tenants.models import Notification, Post, PostTarget, PublishAttempt, SocialAccount, utcnow
from tests.factories import ClientFactory, draft_post, member
from tests.worker.test_token_refresh import _x_account
from tests.workers import drain
from worker import rate_limits
from worker.jobs.publish import dispatch_due, recover_stuck
from worker.queues import get_queue, redis_connection


def _due_post(session, account, text="Stasera pizza napoletana!", author=None):
    """A scheduled post of the account's client, due now (the clock is moved, not the rules)."""
    from tenants.models import Agency, Client

    client = session.get(Client, account.client_id)
    agency = session.get(Agency, client.agency_id)
    author = author or member(agency, "manager")
    post = draft_post(
        client, author, [account], text, scheduled_at=(utcnow() + timedelta(minutes=5)).isoformat()
    )
    post.status, post.scheduled_at = "scheduled", utcnow() - timedelta(seconds=1)
    session.commit()
    return post


def _run(settings) -> None:
    """One dispatcher round, then a worker drains the publish queue."""
    connection = redis_connection(settings.redis_url)
    dispatch_due(connection)
    drain("publish", connection=connection)


def _target(session, post) -> PostTarget:
    session.expire_all()
    return session.scalars(select(PostTarget).where(PostTarget.post_id == post.id)).one()


def _make_due(session, target) -> None:
    target.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()


def test_a_due_post_is_published_once_with_its_link(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    post = _due_post(session, account)
    _run(worker_env)
    target = _target(session, post)
    assert target.status == "published" and target.remote_url and target.remote_id
    assert session.get(Post, post.id).status == "published"
    assert len(sandbox.published(network="x")) == 1
    (attempt,) = session.scalars(select(PublishAttempt)).all()
    assert attempt.outcome == "published" and attempt.finished_at is not None
    _run(worker_env)  # nothing is due any more: nothing is sent again
    assert len(sandbox.published(network="x")) == 1


def test_rate_limited_waits_for_the_networks_time_then_publishes(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    post = _due_post(session, account)
    sandbox.fault("x", "rate_limit", write_only=True)
    _run(worker_env)
    target = _target(session, post)
    assert target.status == "retry" and target.error_class == "retry_later"
    assert target.next_attempt_at > utcnow()
    _run(worker_env)  # not due yet: untouched
    assert _target(session, post).status == "retry"
    sandbox.advance_clock(16 * 60)  # X's rate window resets
    # Cadenza's shared hold runs on real time; the sandbox's clock jumped, so lift the hold too.
    redis_connection(worker_env.redis_url).delete(f"{rate_limits.PREFIX}{account.id}")
    _make_due(session, target)
    _run(worker_env)
    assert _target(session, post).status == "published" and len(sandbox.published(network="x")) == 1


def test_a_revoked_token_fails_the_target_flags_the_account_and_tells_people(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    post = _due_post(session, account)
    sandbox.fault("x", "revoked", write_only=True)
    _run(worker_env)
    target = _target(session, post)
    assert target.status == "failed" and target.error_class == "reconnect"
    assert session.get(SocialAccount, account.id).status == "needs_reconnect"
    assert session.get(Post, post.id).status == "failed"
    kinds = set(session.scalars(select(Notification.kind)))
    assert {"post.publish_failed", "account.needs_reconnect"} <= kinds
    assert sandbox.published(network="x") == []


def test_a_rejection_fails_with_the_networks_reason_and_can_be_retried(worker_env, sandbox, session):
    from tenants.services import publishing
    from tests.factories import membership_of

    account = _x_account(worker_env, session)
    post = _due_post(session, account)
    sandbox.fault("x", "error", status=400, write_only=True)
    _run(worker_env)
    target = _target(session, post)
    assert target.status == "failed" and target.error_class == "rejected" and target.error_message
    author = session.get(type(post), post.id).created_by_id
    from tenants.models import Agency, User

    user = session.get(User, author)
    publishing.retry_target(
        session=session,
        post=session.get(Post, post.id),
        target_id=target.id,
        membership=membership_of(user, session.get(Agency, post.agency_id)),
        actor=user,
    )
    session.commit()
    _run(worker_env)
    assert _target(session, post).status == "published" and len(sandbox.published(network="x")) == 1


def test_a_lost_response_is_reconciled_not_posted_twice(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    post = _due_post(session, account)
    sandbox.fault("x", "response_lost", write_only=True)
    _run(worker_env)
    target = _target(session, post)
    assert target.status == "unconfirmed" and target.error_class == "unknown"
    assert len(sandbox.published(network="x")) == 1  # the network did make it
    _make_due(session, target)
    _run(worker_env)
    target = _target(session, post)
    assert target.status == "published" and len(sandbox.published(network="x")) == 1
    outcomes = session.scalars(select(PublishAttempt.outcome).order_by(PublishAttempt.number)).all()
    assert outcomes == ["unknown", "found"]


def test_a_worker_killed_mid_publish_is_recovered_and_reconciled(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    post = _due_post(session, account)
    connection = redis_connection(worker_env.redis_url)
    dispatch_due(connection)
    target = _target(session, post)
    # What a SIGKILL leaves behind: the attempt on record, the target 'publishing', the job gone.
    from tenants.services import publishing

    started = publishing.start_attempt(session=session, target_id=target.id, job_id="killed")
    session.commit()
    assert started is not None
    get_queue("publish", connection=connection).empty()
    target = _target(session, post)
    target.started_at = utcnow() - timedelta(minutes=10)
    session.commit()
    assert recover_stuck(connection) == 1
    target = _target(session, post)
    assert target.status == "unconfirmed"
    _run(worker_env)
    target = _target(session, post)
    assert target.status == "published" and len(sandbox.published(network="x")) == 1
    outcomes = session.scalars(select(PublishAttempt.outcome).order_by(PublishAttempt.number)).all()
    assert outcomes == ["lost", "published"]


def test_a_queued_target_whose_job_redis_lost_goes_back_in_line(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    post = _due_post(session, account)
    connection = redis_connection(worker_env.redis_url)
    dispatch_due(connection)
    connection.flushdb()  # Redis restarted without its data
    target = _target(session, post)
    target.queued_at = utcnow() - timedelta(minutes=10)
    session.commit()
    assert recover_stuck(connection) == 1
    _run(worker_env)
    assert _target(session, post).status == "published" and len(sandbox.published(network="x")) == 1


def test_a_burst_from_one_client_does_not_hold_back_another(worker_env, sandbox, session):
    from tenants.services import publishing

    account = _x_account(worker_env, session)
    for n in range(12):
        _due_post(session, account, text=f"Offerta numero {n}")
    other_client = ClientFactory(agency_id=account.agency_id)
    other_account = SocialAccount(
        agency_id=account.agency_id,
        client_id=other_client.id,
        network="x",
        remote_id="other",
        handle="@other",
        access_token_enc=account.access_token_enc,
    )
    session.add(other_account)
    session.commit()
    lonely = _due_post(session, other_account, text="Un solo post")
    claimed = publishing.claim_due(session=session, per_client=8)
    session.commit()
    lonely_target = _target(session, lonely)
    assert lonely_target.id in [c.target_id for c in claimed]
    by_client = {}
    for item in claimed:
        by_client[item.client_id] = by_client.get(item.client_id, 0) + 1
    assert by_client[account.client_id] == 8
    # While the burst's first jobs are in flight, the dispatcher adds no more of them.
    assert publishing.claim_due(session=session, per_client=8) == []


def test_two_dispatchers_never_claim_the_same_target(worker_env, sandbox, session, engine):
    from tenants.db import make_session_factory
    from tenants.services import publishing

    account = _x_account(worker_env, session)
    clients = [ClientFactory(agency_id=account.agency_id) for _ in range(4)]
    for client in clients:
        twin = SocialAccount(
            agency_id=account.agency_id,
            client_id=client.id,
            network="x",
            remote_id=f"twin-{client.id}",
            handle=f"@twin{client.id}",
            access_token_enc=account.access_token_enc,
        )
        session.add(twin)
        session.commit()
        for n in range(3):
            _due_post(session, twin, text=f"Post {n} di {client.id}")
    factory = make_session_factory(engine)
    with factory() as first, factory() as second:
        mine = publishing.claim_due(session=first)
        if engine.dialect.name == "postgresql":
            # Both at once: the second skips the rows the first holds locked instead of waiting.
            theirs = publishing.claim_due(session=second)
            first.commit()
            second.commit()
        else:  # SQLite has one writer at a time: the second dispatcher runs after the first commits
            first.commit()
            theirs = publishing.claim_due(session=second)
            second.commit()
    ids_a, ids_b = {c.target_id for c in mine}, {c.target_id for c in theirs}
    assert ids_a and not ids_a & ids_b
    total = session.scalars(select(PostTarget).where(PostTarget.status == "queued")).all()
    assert len(total) == len(ids_a | ids_b)


def test_once_an_account_is_rate_limited_other_workers_do_not_ask_again(worker_env, sandbox, session):
    account = _x_account(worker_env, session)
    first = _due_post(session, account, text="Primo")
    sandbox.fault("x", "rate_limit", write_only=True)
    _run(worker_env)
    second = _due_post(session, account, text="Secondo")
    _run(worker_env)
    held = _target(session, second)
    assert held.status == "retry" and held.next_attempt_at >= _target(
        session, first
    ).next_attempt_at - timedelta(seconds=1)
    detail = session.scalars(select(PublishAttempt.detail).where(PublishAttempt.target_id == held.id)).one()
    assert detail == "Rate limited by the network."


def test_an_unknown_outcome_that_ran_out_of_time_is_still_checked_before_a_manual_retry(
    worker_env, sandbox, session
):
    from tenants.models import Agency, User
    from tenants.services import publishing
    from tests.factories import membership_of

    account = _x_account(worker_env, session)
    post = _due_post(session, account)
    sandbox.fault("x", "response_lost", write_only=True)
    _run(worker_env)
    target = _target(session, post)
    assert target.status == "unconfirmed"
    # Hours later the retry window is over: it fails, but stays "unknown".
    session.get(Post, post.id).scheduled_at = utcnow() - timedelta(hours=7)
    _make_due(session, target)
    sandbox.fault("x", "error", status=503, times=-1)  # X down, lookups included
    _run(worker_env)
    sandbox.clear_faults()
    redis_connection(worker_env.redis_url).delete(
        f"{rate_limits.PREFIX}{account.id}"
    )  # X's Retry-After passed
    target = _target(session, post)
    assert (target.status, target.error_class) == ("failed", "unknown")
    user = session.get(User, session.get(Post, post.id).created_by_id)
    publishing.retry_target(
        session=session,
        post=session.get(Post, post.id),
        target_id=target.id,
        membership=membership_of(user, session.get(Agency, post.agency_id)),
        actor=user,
    )
    session.commit()
    _run(worker_env)
    final = _target(session, post)
    history = session.scalars(
        select(PublishAttempt.outcome).where(PublishAttempt.target_id == final.id)
    ).all()
    assert final.status == "published", (final.status, final.error_class, final.error_message, history)
    assert len(sandbox.published(network="x")) == 1  # found, not posted again


def test_a_post_whose_accounts_finish_in_separate_jobs_at_once_is_published(worker_env, sandbox, session):
    """Each job settles the post after its own target: without the post's lock, on PostgreSQL each job
    saw the others' targets still publishing and the post stayed "scheduled" for ever."""
    import threading

    from tenants.services import publishing
    from worker.jobs.publish import publish_targets

    account = _x_account(worker_env, session)
    siblings = [
        SocialAccount(
            agency_id=account.agency_id,
            client_id=account.client_id,
            network="x",
            remote_id=f"{account.remote_id}-{n}",
            handle=f"@sibling{n}",
            access_token_enc=account.access_token_enc,
            refresh_token_enc=account.refresh_token_enc,
            token_expires_at=account.token_expires_at,
            extra=dict(account.extra or {}),
        )
        for n in range(2)
    ]
    session.add_all(siblings)
    session.commit()
    posts = []
    for n in range(3):
        post = _due_post(session, account, text=f"Tre account, giro {n}")
        for sibling in siblings:
            post.targets.append(
                PostTarget(
                    agency_id=post.agency_id,
                    client_id=post.client_id,
                    account_id=sibling.id,
                    network="x",
                    text=f"{post.base_text} ({sibling.handle})",
                    customised=True,
                    media_ids=[],
                )
            )
        posts.append(post)
    session.commit()
    claimed = publishing.claim_due(session=session)
    session.commit()
    assert len(claimed) == 9
    # One job per account, all at once: every post's three targets finish side by side.
    by_account: dict[int, list[int]] = {}
    for target in session.scalars(select(PostTarget)):
        by_account.setdefault(target.account_id, []).append(target.id)
    barrier = threading.Barrier(len(by_account))

    def job(target_ids: list[int]) -> None:
        barrier.wait()
        publish_targets(target_ids, job_id=None)

    threads = [threading.Thread(target=job, args=(ids,)) for ids in by_account.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    session.expire_all()
    assert {t.status for t in session.scalars(select(PostTarget))} == {"published"}
    assert [session.get(Post, post.id).status for post in posts] == ["published"] * 3
    assert len(sandbox.published(network="x")) == 9
