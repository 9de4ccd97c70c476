"""'Tell me when it is published', through the real pipeline against the sandbox: those who asked hear once,
in the app and by email, with each network's link; nobody else does, and contacts only of their client."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tenants.models import Agency, Client, Notification, OutboxMessage, Post, PostTarget, utcnow
from tenants.services import publish_notices
from tests.factories import ClientFactory, draft_post, member, membership_of
from tests.worker.test_publish import _due_post
from tests.workers import run_pipeline
from worker import rate_limits
from worker.queues import redis_connection

KIND = "post.published"


def _ask_for_client(session, user, client) -> None:
    agency = session.get(Agency, client.agency_id)
    publish_notices.set_published_alerts(
        session=session,
        agency_id=agency.id,
        client_id=client.id,
        membership=membership_of(user, agency),
        user=user,
        enabled=True,
    )
    session.commit()


def _due_again(session, post, settings, account) -> None:
    """The waiting account is due now, and the shared hold the network asked for is lifted."""
    for target in session.get(Post, post.id).targets:
        if target.status == "retry":
            target.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()
    redis_connection(settings.redis_url).delete(f"{rate_limits.PREFIX}{account.id}")


def _published_notices(session) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).where(Notification.kind == KIND)))


def test_those_who_asked_hear_once_in_the_app_and_by_email_with_the_link(worker_env, sandbox, session):
    from tests.worker.test_token_refresh import _x_account

    account = _x_account(worker_env, session)
    client = session.get(Client, account.client_id)
    agency = session.get(Agency, client.agency_id)
    asked_manager = member(agency, "manager", email="asked-manager@agency.example")
    silent_editor = member(agency, "editor", email="silent-editor@agency.example")
    asked_approver = member(agency, "approver", client=client, email="approver@client.example", locale="it")
    other_client = ClientFactory(agency_id=agency.id)
    other_contact = member(agency, "viewer", client=other_client, email="other@client.example")
    limited_elsewhere = member(agency, "manager", limited_to=[other_client], email="limited@agency.example")
    gone = member(agency, "manager", email="gone@agency.example")
    for user, their_client in (
        (asked_manager, client),
        (asked_approver, client),
        (other_contact, other_client),
        (limited_elsewhere, other_client),
        (gone, client),
    ):
        _ask_for_client(session, user, their_client)
    session.delete(membership_of(gone, agency))  # asked, then left the agency: hears nothing
    session.commit()
    post = _due_post(session, account, author=silent_editor)

    assert run_pipeline(worker_env) == 1
    session.expire_all()
    target = session.scalars(select(PostTarget).where(PostTarget.post_id == post.id)).one()
    assert target.status == "published" and target.remote_url
    notices = _published_notices(session)
    assert sorted(n.user_id for n in notices) == sorted([asked_manager.id, asked_approver.id])
    for notice in notices:
        assert notice.client_id == client.id and notice.link == f"/posts/{post.id}"
        assert notice.params["links"] == [
            {"network": "x", "name": "X", "handle": account.handle, "url": target.remote_url}
        ]
    mails = {m.to_address: m for m in session.scalars(select(OutboxMessage))}
    assert {"asked-manager@agency.example", "approver@client.example"} <= set(mails)
    unasked = {"silent-editor@agency.example", "other@client.example", "limited@agency.example"}
    assert not (unasked | {"gone@agency.example"}) & set(mails)
    english, italian = mails["asked-manager@agency.example"], mails["approver@client.example"]
    assert english.subject == f"Cadenza: A post of {client.name} is published"
    assert italian.subject == f"Cadenza: Un post di {client.name} è pubblicato"
    for mail in (english, italian):
        assert target.remote_url in mail.body and f"/posts/{post.id}" in mail.body

    run_pipeline(worker_env)  # nothing is due any more, and a post is announced only once
    again = publish_notices.announce_published(
        session=session, settings=worker_env, agency_id=agency.id, client_id=client.id, post_id=post.id
    )
    session.commit()
    assert again == [] and len(_published_notices(session)) == 2
    assert session.get(Post, post.id).published_notice_at is not None


def test_a_post_on_two_networks_is_announced_once_when_the_last_one_is_out(
    worker_env,
    sandbox,
    session,
    demo,
):
    client, accounts = demo
    agency = session.get(Agency, client.agency_id)
    watcher = member(agency, "editor", email="watcher@agency.example")
    bystander = member(agency, "manager", email="bystander@agency.example")
    both = [accounts["x"], accounts["mastodon"]]
    post = draft_post(client, bystander, both, "Domenica: pranzo di famiglia.")
    publish_notices.set_watching(
        session=session, post=post, membership=membership_of(watcher, agency), user=watcher, enabled=True
    )
    post.status, post.scheduled_at = "scheduled", utcnow() - timedelta(seconds=1)
    session.commit()

    sandbox.fault("mastodon", "rate_limit", write_only=True)
    run_pipeline(worker_env)
    session.expire_all()
    statuses = {t.network: t.status for t in session.get(Post, post.id).targets}
    assert statuses == {"x": "published", "mastodon": "retry"}
    assert _published_notices(session) == []  # half out is not out

    sandbox.clear_faults()
    sandbox.advance_clock(16 * 60)  # Mastodon's rate window resets
    _due_again(session, post, worker_env, accounts["mastodon"])
    run_pipeline(worker_env)
    session.expire_all()
    assert session.get(Post, post.id).status == "published"
    (notice,) = _published_notices(session)
    assert notice.user_id == watcher.id
    assert [link["network"] for link in notice.params["links"]] == ["x", "mastodon"]
    assert all(link["url"].startswith("http") for link in notice.params["links"])
    (mail,) = session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == watcher.email)).all()
    for link in notice.params["links"]:
        assert link["url"] in mail.body


def test_a_notice_that_cannot_be_written_never_undoes_the_publication(
    worker_env, sandbox, session, monkeypatch
):
    from tests.worker.test_token_refresh import _x_account

    account = _x_account(worker_env, session)
    client = session.get(Client, account.client_id)
    _ask_for_client(session, member(session.get(Agency, client.agency_id), "manager"), client)
    post = _due_post(session, account)

    def broken(**_kwargs):
        raise RuntimeError("the notices table is on fire")

    monkeypatch.setattr(publish_notices, "recipients", broken)
    run_pipeline(worker_env)
    session.expire_all()
    assert session.get(Post, post.id).status == "published"
    assert session.scalars(select(PostTarget.status)).all() == ["published"]
    assert len(sandbox.published(network="x")) == 1 and _published_notices(session) == []
