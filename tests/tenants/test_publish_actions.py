"""Publishing from a person's hand: publish now (approved or scheduled), reopen a failed post, the log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.errors import Conflict, Forbidden, Invalid
from tenants.models import AuditEntry, PostTarget, PublishAttempt, SocialAccount, utcnow
from tenants.services import approvals, publish_actions, publishing
from tests.factories import ClientFactory, SocialAccountFactory, draft_post, member, membership_of

SOON = (utcnow() + timedelta(days=3)).replace(microsecond=0).isoformat()
TEXT = "Stasera pizza al forno a legna, vi aspettiamo!"


def _m(world, role):
    agency, _c, _a, people = world
    return membership_of(people[role], agency)


def _post(session, world, status="approved"):
    _agency, client, account, people = world
    post = draft_post(client, people["editor"], [account], TEXT, scheduled_at=SOON)
    post.status = status
    session.commit()
    return post


def _now(session, world, post, role="editor"):
    publish_actions.publish_now(session=session, post=post, membership=_m(world, role), actor=world[3][role])
    session.commit()


def test_an_approved_post_is_scheduled_for_now_and_audited(session, world):
    post = _post(session, world)
    _now(session, world, post)
    session.expire_all()
    assert post.status == "scheduled" and post.scheduled_at <= utcnow()
    claimed = publishing.claim_due(session=session)
    assert [c.target_id for c in claimed] == [post.targets[0].id]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "post.publish_now")).one()
    assert entry.details["from"] == "approved" and entry.target_id == str(post.id)


def test_a_scheduled_post_moves_to_now(session, world):
    post = _post(session, world, status="scheduled")
    _now(session, world, post)
    session.expire_all()
    assert post.status == "scheduled" and post.scheduled_at <= utcnow()


def test_publish_now_needs_posts_write(session, world):
    post = _post(session, world)
    for role in ("approver", "viewer"):
        with pytest.raises(Forbidden):
            _now(session, world, post, role)
    session.rollback()
    analyst = member(world[0], "analyst")
    with pytest.raises(Forbidden):
        publish_actions.publish_now(
            session=session, post=post, membership=membership_of(analyst, world[0]), actor=analyst
        )


@pytest.mark.parametrize("status", ["draft", "in_review", "awaiting_client", "published", "failed"])
def test_only_approved_or_scheduled_posts_are_published_now(session, world, status):
    post = _post(session, world, status=status)
    with pytest.raises(Conflict):
        _now(session, world, post)


def test_an_approved_post_on_a_disconnected_account_is_refused(session, world):
    post = _post(session, world)
    session.get(SocialAccount, world[2].id).status = "needs_reconnect"
    session.commit()
    with pytest.raises(Invalid, match="Reconnect"):
        _now(session, world, post)


def test_blocking_findings_stop_publish_now(session, world):
    _agency, client, account, people = world
    post = draft_post(client, people["editor"], [account], "x" * 600, scheduled_at=SOON)
    post.status = "approved"
    session.commit()
    with pytest.raises(approvals.ChecksBlocked):
        _now(session, world, post)


def test_a_scheduled_post_already_publishing_is_not_published_again(session, world):
    post = _post(session, world, status="scheduled")
    post.targets[0].status = "queued"
    session.commit()
    with pytest.raises(Conflict):
        _now(session, world, post)


def test_a_failed_post_reopens_to_approved_with_its_accounts_waiting(session, world):
    post = _post(session, world, status="failed")
    target = post.targets[0]
    target.status, target.error_class, target.error_message = "failed", "rejected", "Too long."
    session.commit()
    publish_actions.reopen_failed(
        session=session, post=post, membership=_m(world, "editor"), actor=world[3]["editor"]
    )
    session.commit()
    session.expire_all()
    assert post.status == "approved"
    assert (target.status, target.error_class, target.error_message) == ("pending", None, None)
    approvals.edit(
        session=session,
        post=post,
        membership=_m(world, "editor"),
        actor=world[3]["editor"],
        data={"text": TEXT + " Ora anche da asporto."},
    )
    assert post.status == "in_review"  # changed content goes through approval again


def test_a_partly_published_post_cannot_be_reopened(session, world):
    agency, client, account, people = world
    other = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    post = draft_post(client, people["editor"], [account, other], TEXT, scheduled_at=SOON)
    post.status = "failed"
    post.targets[0].status, post.targets[1].status = "published", "failed"
    session.commit()
    with pytest.raises(Conflict):
        publish_actions.reopen_failed(
            session=session, post=post, membership=_m(world, "editor"), actor=people["editor"]
        )


def _attempt(session, target, number, outcome, detail=None):
    start = utcnow() - timedelta(minutes=10 - number)
    session.add(
        PublishAttempt(
            agency_id=target.agency_id,
            client_id=target.client_id,
            post_id=target.post_id,
            target_id=target.id,
            number=number,
            started_at=start,
            finished_at=start + timedelta(seconds=2) if outcome else None,
            outcome=outcome,
            detail=detail,
        )
    )
    session.commit()


def test_the_log_lists_the_clients_attempts_newest_first_and_filters_by_outcome(session, world):
    agency, client, _account, people = world
    post = _post(session, world, status="scheduled")
    _attempt(session, post.targets[0], 1, "retry_later", "Rate limited.")
    _attempt(session, post.targets[0], 2, "published", "https://x.example/1")
    _attempt(session, post.targets[0], 3, None)
    stranger = ClientFactory(agency_id=agency.id)
    foreign_account = SocialAccountFactory(agency_id=agency.id, client_id=stranger.id)
    foreign = draft_post(stranger, people["editor"], [foreign_account], TEXT)
    _attempt(
        session, session.scalars(select(PostTarget).where(PostTarget.post_id == foreign.id)).one(), 1, "lost"
    )
    log = publish_actions.publish_log(session=session, client=client, membership=_m(world, "editor"))
    assert [e.attempt.number for e in log] == [3, 2, 1]
    assert log[1].duration == timedelta(seconds=2) and log[0].duration is None
    assert log[0].excerpt.startswith("Stasera") and log[0].handle == world[2].handle
    only = publish_actions.publish_log(
        session=session, client=client, membership=_m(world, "editor"), outcome="retry_later"
    )
    assert [e.attempt.outcome for e in only] == ["retry_later"]
    running = publish_actions.publish_log(
        session=session, client=client, membership=_m(world, "editor"), outcome="running"
    )
    assert [e.attempt.number for e in running] == [3]


@pytest.mark.parametrize("role", ["approver", "viewer"])
def test_client_contacts_never_read_the_log(session, world, role):
    with pytest.raises(Forbidden):
        publish_actions.publish_log(session=session, client=world[1], membership=_m(world, role))


def test_backoff_stays_within_its_cap_however_many_attempts():
    from datetime import timedelta

    from tenants.models import utcnow
    from tenants.services import publishing

    for attempts in (1, 5, 43, 1000):
        wait = publishing.backoff(attempts) - utcnow()
        assert timedelta(0) < wait <= publishing.BACKOFF_CAP * 1.2


def test_a_publishing_target_is_stuck_only_once_its_job_is_surely_over(session, world):
    post = _post(session, world, status="scheduled")
    target = post.targets[0]
    target.status, target.started_at = "publishing", utcnow() - timedelta(seconds=30)
    session.commit()
    # Past the stuck threshold, but the job (timeout 60 s) may still be in its call: not yet.
    found = publishing.stuck(
        session=session, after=timedelta(seconds=10), publishing_after=timedelta(seconds=60)
    )
    assert found == []
    target.started_at = utcnow() - timedelta(seconds=61)
    session.commit()
    found = publishing.stuck(
        session=session, after=timedelta(seconds=10), publishing_after=timedelta(seconds=60)
    )
    assert [t.id for t in found] == [target.id]
