"""Taking a published post back: who may ask, which targets can be deleted, one winner when two ask at once,
the audit trail, each outcome the worker records, and what the post says about itself afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.db import make_session_factory
from tenants.errors import Conflict, Forbidden, NotFound
from tenants.models import AuditEntry, Post, PostTarget, PublishAttempt, utcnow
from tenants.services import calendar_feeds, publish_actions, publishing, remote_delete
from tests.factories import SocialAccountFactory, draft_post, member, membership_of

TEXT = "Stasera pizza al forno a legna, vi aspettiamo!"


def _m(world, role):
    agency, _c, _a, people = world
    return membership_of(people[role], agency)


def _published(session, world, account=None, *, status="published", remote_id="111", **fields) -> Post:
    """A post that went out on one account (the pipeline's end state, set directly)."""
    _agency, client, default, people = world
    post = draft_post(client, people["editor"], [account or default], TEXT)
    post.status, post.scheduled_at = "published", utcnow() - timedelta(hours=1)
    target = post.targets[0]
    target.status, target.remote_id = status, remote_id
    target.remote_url, target.published_at = "https://mastodon.example/@mario/111", utcnow()
    for name, value in fields.items():
        setattr(target, name, value)
    session.commit()
    return post


def _ask(session, world, post, role="editor", target_id=None) -> PostTarget:
    target = remote_delete.request_delete(
        session=session,
        post=post,
        target_id=target_id or post.targets[0].id,
        membership=_m(world, role),
        actor=world[3][role],
    )
    session.commit()
    return target


def test_a_published_account_is_marked_deleting_and_the_request_is_audited(session, world):
    post = _published(session, world)
    target = _ask(session, world, post)
    session.expire_all()
    target = session.get(PostTarget, target.id)
    assert target.status == "deleting" and target.next_attempt_at is not None
    assert target.retry_window_from == target.next_attempt_at and target.remote_id == "111"
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "post.remote_delete_requested"))
    assert (entry.client_id, entry.target_id) == (post.client_id, str(post.id))
    assert entry.details == {"target": target.id, "network": "mastodon", "remote_id": "111"}
    assert entry.actor_user_id == world[3]["editor"].id
    assert remote_delete.due(session=session) == [
        remote_delete.DueDelete(target.id, post.agency_id, post.client_id)
    ]
    assert remote_delete.job_id_for(target.id) == f"remote-delete-{target.id}"


def test_instagram_is_refused_with_a_reason_to_translate(session, world):
    agency, client, _account, _people = world
    instagram = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="instagram")
    post = _published(session, world, instagram)
    with pytest.raises(Conflict) as refused:
        _ask(session, world, post)
    assert refused.value.message == (
        "%(network)s does not let apps delete posts: delete it in %(network)s itself."
    )
    assert refused.value.params == {"network": "Instagram"}
    session.rollback()
    assert session.get(PostTarget, post.targets[0].id).status == "published"
    assert not remote_delete.can_delete(post.targets[0])


@pytest.mark.parametrize(
    ("status", "remote_id"),
    [
        ("pending", None),
        ("publishing", None),
        ("failed", None),
        ("cancelled", None),
        ("deleting", "111"),
        ("deleted", "111"),
        ("published", None),
    ],
)
def test_only_a_published_account_with_a_remote_post_can_be_deleted(session, world, status, remote_id):
    post = _published(session, world, status=status, remote_id=remote_id)
    with pytest.raises(Conflict):
        _ask(session, world, post)
    session.rollback()
    assert session.get(PostTarget, post.targets[0].id).status == status
    assert session.scalars(select(AuditEntry).where(AuditEntry.action.like("post.remote_%"))).all() == []


@pytest.mark.parametrize("role", ["approver", "viewer"])
def test_client_contacts_never_delete(session, world, role):
    post = _published(session, world)
    with pytest.raises(Forbidden):
        _ask(session, world, post, role=role)


def test_analysts_cannot_delete(session, world):
    analyst = member(world[0], "analyst")
    post = _published(session, world)
    with pytest.raises(Forbidden):
        remote_delete.request_delete(
            session=session,
            post=post,
            target_id=post.targets[0].id,
            membership=membership_of(analyst, world[0]),
            actor=analyst,
        )


def test_an_account_of_another_post_is_not_found(session, world):
    post = _published(session, world)
    other = _published(session, world)
    with pytest.raises(NotFound):
        _ask(session, world, post, target_id=other.targets[0].id)
    session.rollback()
    assert session.get(PostTarget, other.targets[0].id).status == "published"


def test_two_people_asking_at_once_leave_one_request(session, world, engine):
    post = _published(session, world)
    second = make_session_factory(engine)()
    try:
        # The second person loaded the page (and the post) while the account was still published.
        their_post = second.get(Post, post.id)
        assert their_post.targets[0].status == "published"
        _ask(session, world, post, role="editor")
        with pytest.raises(Conflict):
            remote_delete.request_delete(
                session=second,
                post=their_post,
                target_id=their_post.targets[0].id,
                membership=membership_of(world[3]["manager"], world[0]),
                actor=world[3]["manager"],
            )
        second.rollback()
    finally:
        second.close()
    session.expire_all()
    requests = session.scalars(select(AuditEntry).where(AuditEntry.action == "post.remote_delete_requested"))
    assert len(requests.all()) == 1


def _start(session, target_id):
    started = remote_delete.start_delete(session=session, target_id=target_id, job_id="job-1")
    session.commit()
    return started


def test_the_worker_takes_a_due_deletion_once_and_logs_the_attempt(session, world):
    post = _published(session, world, attempts=1)
    target = _ask(session, world, post)
    target, attempt = _start(session, target.id)
    assert (attempt.kind, attempt.number, attempt.job_id) == ("delete", 2, "job-1")
    assert target.next_attempt_at is None and remote_delete.due(session=session) == []
    assert _start(session, target.id) is None  # a second job finds it in flight
    remote_delete.record_deleted(session=session, target=target, attempt=attempt)
    session.commit()
    session.expire_all()
    target = session.get(PostTarget, target.id)
    assert target.status == "deleted" and target.deleted_at is not None
    assert session.get(PublishAttempt, attempt.id).outcome == "deleted"
    post = session.get(Post, post.id)
    assert post.status == "published" and remote_delete.taken_down(post)
    assert session.scalars(select(AuditEntry.action).where(AuditEntry.action == "post.remote_deleted")).one()


def test_a_deletion_waiting_for_the_network_is_not_taken_early(session, world):
    post = _published(session, world)
    target = _ask(session, world, post)
    target, attempt = _start(session, target.id)
    later = utcnow() + timedelta(minutes=5)
    remote_delete.record_delete_retry(
        session=session, target=target, attempt=attempt, reason="Slow down.", retry_at=later
    )
    session.commit()
    assert target.status == "deleting" and target.next_attempt_at >= later
    assert (target.error_class, target.error_message) == ("retry_later", "Slow down.")
    assert _start(session, target.id) is None and remote_delete.due(session=session) == []
    assert remote_delete.due(session=session, now=later + timedelta(minutes=1))[0].target_id == target.id


def test_retrying_stops_after_the_window_and_the_post_stays_published_with_the_reason(session, world):
    post = _published(session, world)
    target = _ask(session, world, post)
    target.retry_window_from = utcnow() - remote_delete.DELETE_WINDOW
    session.commit()
    target, attempt = _start(session, target.id)
    remote_delete.record_delete_retry(
        session=session, target=target, attempt=attempt, reason="Still busy.", retry_at=None
    )
    session.commit()
    assert (target.status, target.error_class) == ("published", "retry_later")
    assert target.error_message == "Still busy."
    failed = session.scalars(select(AuditEntry).where(AuditEntry.action == "post.remote_delete_failed")).one()
    assert failed.details["error_class"] == "retry_later"


def test_a_refusal_keeps_the_reason_and_a_new_request_clears_it(session, world):
    post = _published(session, world)
    target = _ask(session, world, post)
    target, attempt = _start(session, target.id)
    remote_delete.record_delete_refused(
        session=session, target=target, attempt=attempt, error_class="rejected", reason="Not yours."
    )
    session.commit()
    assert (target.status, target.error_message) == ("published", "Not yours.")
    assert attempt.outcome == "rejected" and remote_delete.can_delete(target)
    again = _ask(session, world, post)
    assert again.status == "deleting" and again.error_message is None and again.error_class is None


def test_a_worker_that_died_mid_call_is_recovered(session, world):
    post = _published(session, world)
    target = _ask(session, world, post)
    target, attempt = _start(session, target.id)
    assert remote_delete.recover_stuck(session=session) == 0  # still within its time
    target.started_at = utcnow() - timedelta(minutes=10)
    session.commit()
    assert remote_delete.recover_stuck(session=session) == 1
    session.commit()
    session.expire_all()
    assert session.get(PublishAttempt, attempt.id).outcome == "lost"
    assert [d.target_id for d in remote_delete.due(session=session)] == [target.id]


def test_a_deleted_account_counts_as_gone_out_when_the_rest_of_the_post_settles(session, world):
    agency, client, account, people = world
    other = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    post = draft_post(client, people["editor"], [account, other], TEXT)
    post.status = "scheduled"
    first, second = post.targets
    first.status, first.remote_id, first.deleted_at = "deleted", "111", utcnow()
    second.status = "published"
    session.commit()
    publishing.settle_post(session=session, post_id=post.id)
    assert session.get(Post, post.id).status == "published"
    assert not remote_delete.taken_down(post)  # X still has it


def test_a_failed_post_being_deleted_elsewhere_cannot_be_reopened(session, world):
    agency, client, account, people = world
    other = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    post = draft_post(client, people["editor"], [account, other], TEXT)
    post.status = "failed"
    post.targets[0].status, post.targets[0].remote_id = "deleting", "111"
    post.targets[1].status = "failed"
    session.commit()
    with pytest.raises(Conflict):
        publish_actions.reopen_failed(session=session, post=post, membership=_m(world, "editor"), actor=None)


def test_the_ical_feed_marks_a_taken_down_post_cancelled(session, world):
    _agency, client, _account, _people = world
    live = _published(session, world)
    gone = _published(session, world, status="deleted", deleted_at=utcnow())
    feed = calendar_feeds.feed_ics(session=session, client=client).decode()
    events = {
        block.split("UID:post-", 1)[1].split("@", 1)[0]: block for block in feed.split("BEGIN:VEVENT")[1:]
    }
    assert "STATUS:CONFIRMED" in events[str(live.id)]
    assert "STATUS:CANCELLED" in events[str(gone.id)]
