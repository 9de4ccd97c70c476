"""The approval state machine: every allowed step, every refused one, links, edits and overrides."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.errors import Conflict, Forbidden, Gone, Invalid
from tenants.models import AuditEntry, Notification, OutboxMessage, PostComment, utcnow
from tenants.services import approvals
from tests.factories import (
    draft_post,
    membership_of,
)

SOON = (utcnow() + timedelta(days=3)).replace(microsecond=0).isoformat()


def _m(world, role):
    agency, _c, _a, people = world
    return membership_of(people[role], agency)


def _post(world, text="Stasera pizza al forno a legna, vi aspettiamo!", **data):
    _agency, client, account, people = world
    return draft_post(client, people["editor"], [account], text, scheduled_at=SOON, **data)


def test_full_path_draft_to_scheduled_with_client_approval(session, world):
    _agency, _client, _account, people = world
    post = _post(world)
    outcome = approvals.submit(
        session=session, post=post, membership=_m(world, "editor"), actor=people["editor"]
    )
    assert post.status == "in_review"
    assert {n.user_id for n in outcome.notified} == {people["manager"].id} | _owner_ids(session, world)
    outcome = approvals.approve(
        session=session, post=post, membership=_m(world, "manager"), actor=people["manager"]
    )
    assert post.status == "awaiting_client"
    assert set(outcome.approval_links) == {people["approver"].id}
    approvals.approve(session=session, post=post, membership=_m(world, "approver"), actor=people["approver"])
    assert post.status == "approved"
    approvals.schedule(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    assert post.status == "scheduled"
    session.commit()
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(post.id))).all()
    assert actions == [
        "post.created",
        "post.submitted",
        "post.approved_internally",
        "post.approved_by_client",
        "post.scheduled",
    ]


def _owner_ids(session, world):
    agency = world[0]
    from tenants.models import Membership

    return set(
        session.scalars(
            select(Membership.user_id).where(Membership.agency_id == agency.id, Membership.role == "owner")
        )
    )


def test_editor_cannot_approve_and_staff_cannot_approve_for_the_client(session, world):
    _agency, _client, _account, people = world
    post = _post(world)
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    with pytest.raises(Forbidden):
        approvals.approve(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    with pytest.raises(Forbidden):
        approvals.approve(
            session=session, post=post, membership=_m(world, "approver"), actor=people["approver"]
        )
    approvals.approve(session=session, post=post, membership=_m(world, "manager"), actor=people["manager"])
    with pytest.raises(Forbidden):
        approvals.approve(
            session=session, post=post, membership=_m(world, "manager"), actor=people["manager"]
        )
    with pytest.raises(Forbidden):
        approvals.approve(session=session, post=post, membership=_m(world, "viewer"), actor=people["viewer"])


def test_refused_transitions_say_the_current_state(session, world):
    _agency, _client, _account, people = world
    post = _post(world)
    with pytest.raises(Conflict):
        approvals.approve(
            session=session, post=post, membership=_m(world, "manager"), actor=people["manager"]
        )
    with pytest.raises(Conflict):
        approvals.schedule(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    with pytest.raises(Conflict):
        approvals.unschedule(
            session=session, post=post, membership=_m(world, "editor"), actor=people["editor"]
        )


def test_reject_needs_a_reason_and_returns_to_draft_with_the_reason_in_the_thread(session, world):
    _agency, _client, _account, people = world
    post = _post(world)
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    with pytest.raises(Invalid):
        approvals.reject(
            session=session, post=post, membership=_m(world, "manager"), actor=people["manager"], reason=" "
        )
    outcome = approvals.reject(
        session=session,
        post=post,
        membership=_m(world, "manager"),
        actor=people["manager"],
        reason="Troppo lungo",
    )
    assert post.status == "draft"
    assert people["editor"].id in {n.user_id for n in outcome.notified}
    bodies = session.scalars(select(PostComment.body).where(PostComment.post_id == post.id)).all()
    assert "Troppo lungo" in bodies


def test_editing_an_approved_post_sends_it_back_and_spends_old_links(session, world):
    _agency, _client, _account, people = world
    post = _post(world)
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    outcome = approvals.approve(
        session=session, post=post, membership=_m(world, "manager"), actor=people["manager"]
    )
    token = outcome.approval_links[people["approver"].id]
    approvals.edit(
        session=session,
        post=post,
        membership=_m(world, "editor"),
        actor=people["editor"],
        data={"text": "Nuovo testo per la pizza"},
    )
    assert post.status == "in_review" and post.revision == 2
    with pytest.raises(Gone):
        approvals.decide_by_link(session=session, token=token, decision="approve")


def test_moving_the_date_keeps_the_approval(session, world):
    _agency, _client, _account, people = world
    post = _post(world)
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    approvals.approve(session=session, post=post, membership=_m(world, "manager"), actor=people["manager"])
    approvals.edit(
        session=session,
        post=post,
        membership=_m(world, "editor"),
        actor=people["editor"],
        data={"scheduled_at": (utcnow() + timedelta(days=5)).isoformat()},
    )
    assert post.status == "awaiting_client" and post.revision == 1


def test_approval_link_works_once(session, world):
    _agency, _client, _account, people = world
    post = _post(world)
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    outcome = approvals.approve(
        session=session, post=post, membership=_m(world, "manager"), actor=people["manager"]
    )
    token = outcome.approval_links[people["approver"].id]
    session.commit()
    approvals.decide_by_link(session=session, token=token, decision="approve")
    session.commit()
    assert post.status == "approved"
    with pytest.raises(Gone):
        approvals.decide_by_link(session=session, token=token, decision="approve")
    with pytest.raises(Gone):
        approvals.decide_by_link(session=session, token="apv_forged", decision="approve")


def test_expired_link_and_approver_who_lost_the_role(session, world):
    _agency, _client, _account, people = world
    post = _post(world)
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    outcome = approvals.approve(
        session=session, post=post, membership=_m(world, "manager"), actor=people["manager"]
    )
    token = outcome.approval_links[people["approver"].id]
    membership = _m(world, "approver")
    membership.role = "viewer"
    session.commit()
    with pytest.raises(Forbidden):
        approvals.decide_by_link(session=session, token=token, decision="approve")
    membership.role = "approver"
    from tenants.models import ApprovalToken

    session.scalars(select(ApprovalToken)).first().expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    with pytest.raises(Gone):
        approvals.decide_by_link(session=session, token=token, decision="approve")


def test_internal_workflow_skips_the_client_and_none_skips_review(session, world):
    agency, client, _account, people = world
    client.approval_workflow = "internal"
    post = _post(world)
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    approvals.approve(session=session, post=post, membership=_m(world, "manager"), actor=people["manager"])
    assert post.status == "approved"
    client.approval_workflow = "none"
    other = _post(world, text="Domenica pranzo in famiglia")
    approvals.submit(session=session, post=other, membership=_m(world, "editor"), actor=people["editor"])
    assert other.status == "approved"


def test_blocking_checks_stop_submission_until_a_manager_overrides_with_a_reason(session, world):
    _agency, _client, _account, people = world
    post = _post(world, text="Che cazzo di pizza, la migliore!")
    with pytest.raises(approvals.ChecksBlocked) as caught:
        approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    assert caught.value.details["unresolved"] == [{"code": "offensive", "network": "mastodon"}]
    with pytest.raises(Forbidden):
        approvals.override(
            session=session,
            post=post,
            membership=_m(world, "editor"),
            actor=people["editor"],
            code="offensive",
            network="mastodon",
            reason="citazione del cliente",
        )
    with pytest.raises(Invalid):
        approvals.override(
            session=session,
            post=post,
            membership=_m(world, "manager"),
            actor=people["manager"],
            code="offensive",
            network="mastodon",
            reason="",
        )
    approvals.override(
        session=session,
        post=post,
        membership=_m(world, "manager"),
        actor=people["manager"],
        code="offensive",
        network="mastodon",
        reason="citazione del cliente",
    )
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    assert post.status == "in_review"
    session.commit()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "post.check_overridden")).one()
    assert entry.details["reason"] == "citazione del cliente"


def test_scheduling_refuses_the_past_and_disconnected_accounts(session, world):
    _agency, client, account, people = world
    client.approval_workflow = "none"
    post = _post(world)
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    post.scheduled_at = utcnow() - timedelta(minutes=5)
    with pytest.raises(Invalid, match="past"):
        approvals.schedule(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    post.scheduled_at = utcnow() + timedelta(hours=2)
    account.status = "needs_reconnect"
    with pytest.raises(Invalid, match="Reconnect"):
        approvals.schedule(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    assert post.status == "approved"


def test_comments_notify_the_other_participants_only(session, world):
    _agency, _client, _account, people = world
    post = _post(world)
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    approvals.approve(session=session, post=post, membership=_m(world, "manager"), actor=people["manager"])
    _comment, notified = approvals.add_comment(
        session=session,
        post=post,
        membership=_m(world, "approver"),
        actor=people["approver"],
        body="Mi piace!",
    )
    assert {n.user_id for n in notified} == {people["editor"].id, people["manager"].id}
    session.commit()
    assert session.scalars(select(Notification).where(Notification.kind == "post.comment")).all()
    assert not session.scalars(select(OutboxMessage)).all()
