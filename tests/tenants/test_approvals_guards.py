"""What the review found: every step re-checks, decisions bind to a revision, threads keep internal notes
internal, scheduled posts keep a date, and files in use stay in the library."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tenants.errors import Conflict, Invalid
from tenants.models import Notification, Post
from tenants.services import approvals, media, posts
from tests.factories import SocialAccountFactory, draft_post, membership_of
from tests.tenants.test_approvals import SOON, _m


def _in_review(session, world):
    _agency, client, account, people = world
    post = draft_post(
        client, people["editor"], [account], "Stasera pizza al forno a legna!", scheduled_at=SOON
    )
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    session.commit()
    return post


def test_an_edit_after_submission_cannot_smuggle_a_blocking_finding_past_approval(session, world):
    _agency, _client, _account, people = world
    post = _in_review(session, world)
    approvals.edit(
        session=session,
        post=post,
        membership=_m(world, "editor"),
        actor=people["editor"],
        data={"text": "Che cazzo di pizza!"},
    )
    assert post.status == "in_review"
    with pytest.raises(approvals.ChecksBlocked):
        approvals.approve(
            session=session, post=post, membership=_m(world, "manager"), actor=people["manager"]
        )


def test_scheduling_rechecks_too(session, world):
    agency, client, account, people = world
    client.approval_workflow = "none"
    post = draft_post(client, people["editor"], [account], "Pranzo della domenica", scheduled_at=SOON)
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    client.extra_offensive = ["domenica"]  # the client's list grew after approval
    with pytest.raises(approvals.ChecksBlocked):
        approvals.schedule(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    assert post.status == "approved"


def test_a_decision_on_an_older_revision_is_refused(session, world):
    _agency, _client, _account, people = world
    post = _in_review(session, world)
    seen = post.revision
    approvals.edit(
        session=session,
        post=post,
        membership=_m(world, "editor"),
        actor=people["editor"],
        data={"text": "Altro"},
    )
    with pytest.raises(Conflict):
        approvals.approve(
            session=session,
            post=post,
            membership=_m(world, "manager"),
            actor=people["manager"],
            revision=seen,
        )
    with pytest.raises(Conflict):
        approvals.reject(
            session=session,
            post=post,
            membership=_m(world, "manager"),
            actor=people["manager"],
            reason="no",
            revision=seen,
        )


def test_two_approvals_at_once_leave_one_winner(session, world, engine):
    from tenants.db import make_session_factory

    _agency, _client, _account, people = world
    post = _in_review(session, world)
    with make_session_factory(engine)() as other:
        theirs = other.get(Post, post.id)
        mine = session.get(Post, post.id)
        approvals.approve(
            session=other, post=theirs, membership=_m(world, "manager"), actor=people["manager"]
        )
        other.commit()
        with pytest.raises(Conflict):
            approvals.approve(
                session=session, post=mine, membership=_m(world, "manager"), actor=people["manager"]
            )
    session.rollback()
    assert session.get(Post, post.id).status == "awaiting_client"


def test_a_scheduled_post_cannot_lose_its_date(session, world):
    _agency, client, account, people = world
    client.approval_workflow = "none"
    post = draft_post(client, people["editor"], [account], "Pranzo", scheduled_at=SOON)
    approvals.submit(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    approvals.schedule(session=session, post=post, membership=_m(world, "editor"), actor=people["editor"])
    with pytest.raises(Invalid):
        approvals.edit(
            session=session,
            post=post,
            membership=_m(world, "editor"),
            actor=people["editor"],
            data={"scheduled_local": ""},
        )


def test_client_stage_needs_a_client_approver(session, world):
    _agency, _client, _account, people = world
    post = _in_review(session, world)
    _m(world, "approver").role = "viewer"
    with pytest.raises(Conflict, match="no client approver"):
        approvals.approve(
            session=session, post=post, membership=_m(world, "manager"), actor=people["manager"]
        )
    assert post.status == "in_review"


def test_internal_notes_and_internal_review_steps_stay_inside_the_agency(session, world):
    _agency, _client, _account, people = world
    post = _in_review(session, world)
    approvals.add_comment(
        session=session,
        post=post,
        membership=_m(world, "manager"),
        actor=people["manager"],
        body="Tra noi: il cliente odia i punti esclamativi",
        internal=True,
    )
    approvals.approve(
        session=session, post=post, membership=_m(world, "manager"), actor=people["manager"], note="ok per me"
    )
    _c, notified = approvals.add_comment(
        session=session, post=post, membership=_m(world, "manager"), actor=people["manager"], body="Per Mario"
    )
    client_view = approvals.comments_of(session=session, post=post, membership=_m(world, "approver"))
    staff_view = approvals.comments_of(session=session, post=post, membership=_m(world, "editor"))
    assert [c.body for c in client_view] == ["Per Mario"]
    assert len(staff_view) == 3
    _c, notified = approvals.add_comment(
        session=session,
        post=post,
        membership=_m(world, "editor"),
        actor=people["editor"],
        body="Nota interna",
        internal=True,
    )
    assert people["approver"].id not in {n.user_id for n in notified}
    # A client contact cannot write an internal note.
    comment, _n = approvals.add_comment(
        session=session,
        post=post,
        membership=_m(world, "approver"),
        actor=people["approver"],
        body="Ok",
        internal=True,
    )
    assert comment.internal is False


def test_saving_while_in_review_does_not_notify_reviewers_again(session, world):
    _agency, _client, _account, people = world
    post = _in_review(session, world)
    before = session.scalars(select(Notification).where(Notification.kind == "post.review_requested")).all()
    outcome = approvals.edit(
        session=session,
        post=post,
        membership=_m(world, "editor"),
        actor=people["editor"],
        data={"text": "Ritocco"},
    )
    session.commit()
    after = session.scalars(select(Notification).where(Notification.kind == "post.review_requested")).all()
    assert outcome.notified == [] and len(after) == len(before)


def test_a_text_only_variant_keeps_no_media(session, world, settings):
    from tenants.models import Agency
    from tests.media_samples import image_bytes

    agency_row, client, account, people = world
    x = SocialAccountFactory(agency_id=client.agency_id, client_id=client.id, network="x")
    asset = media.store_upload(
        session=session,
        settings=settings,
        agency_id=client.agency_id,
        client_id=client.id,
        membership=membership_of(people["editor"], session.get(Agency, client.agency_id)),
        actor=people["editor"],
        filename="menu.jpg",
        data=image_bytes("JPEG"),
    )
    post = draft_post(
        client,
        people["editor"],
        [account],
        "Menù",
        media_ids=[asset.id],
        targets=[{"account_id": account.id}, {"account_id": x.id, "media_ids": []}],
    )
    assert {t.network: t.media_ids for t in post.targets} == {"mastodon": [asset.id], "x": []}
    approvals.edit(
        session=session,
        post=post,
        membership=_m(world, "editor"),
        actor=people["editor"],
        data={"text": "Menù!"},
    )
    assert {t.network: t.media_ids for t in post.targets} == {"mastodon": [asset.id], "x": []}
    with pytest.raises(Conflict):
        media.delete_media(
            session=session,
            agency_id=client.agency_id,
            client_id=client.id,
            membership=_m(world, "editor"),
            actor=people["editor"],
            media_id=asset.id,
        )


def test_tracking_parameters_count_towards_the_length(session, world):
    from tenants.services import post_checks

    _agency, client, _account, people = world
    linkedin = SocialAccountFactory(agency_id=client.agency_id, client_id=client.id, network="linkedin")
    client.utm_template = "utm_source={network}&utm_medium=social&utm_campaign=" + "primavera" * 8
    text = (
        "a" * 2950 + " https://trattoria.example/menu"
    )  # 2981 typed; LinkedIn counts whole links, 3000 at most
    post = draft_post(client, people["editor"], [linkedin], text, scheduled_at=SOON)
    result = post_checks.check_post(session=session, client=client, post=post, suggest=False)
    (variant,) = result["results"]
    assert variant["length"] > 3000 and any(f["code"] == "length" for f in variant["findings"])


def test_a_draft_may_lose_its_date(session, world):
    _agency, client, account, people = world
    post = draft_post(client, people["editor"], [account], "Pranzo", scheduled_at=SOON)
    posts.apply_changes(session=session, client=client, post=post, data={"scheduled_local": ""})
    assert post.scheduled_at is None
