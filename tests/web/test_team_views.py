import re

from sqlalchemy import select

from tenants.models import Membership, OutboxMessage
from tests.factories import AgencyFactory, ClientFactory, login, member


def _invite_link(session, email: str) -> str:
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == email)).one()
    return re.search(r"/invite/\S+", mail.body).group(0)


def test_owner_invites_a_limited_editor_who_joins_and_sees_only_that_client(app, session):
    agency = AgencyFactory()
    mine, other = ClientFactory(agency_id=agency.id), ClientFactory(agency_id=agency.id)
    owner = member(agency)
    web = app.test_client()
    login(web, owner)
    resp = web.post(
        "/team/invite",
        data={"email": "ed@agency.example", "role": "editor", "clients": [mine.id]},
        follow_redirects=True,
    )
    assert "Invitation sent to ed@agency.example" in resp.get_data(as_text=True)
    assert "ed@agency.example" in web.get("/outbox").get_data(as_text=True)
    link = _invite_link(session, "ed@agency.example")

    newcomer = app.test_client()
    page = newcomer.get(link).get_data(as_text=True)
    assert agency.name in page
    resp = newcomer.post(link, data={"name": "Ed", "password": "a long password"})
    assert resp.status_code == 302
    listing = newcomer.get("/").get_data(as_text=True)
    assert mine.name in listing and other.name not in listing
    assert newcomer.get(f"/c/{other.slug}/").status_code == 404
    reused = app.test_client().get(link)
    assert reused.status_code == 410 and "already used" in reused.get_data(as_text=True)


def test_client_contact_invited_from_the_workspace(app, session):
    agency = AgencyFactory()
    client, other = ClientFactory(agency_id=agency.id), ClientFactory(agency_id=agency.id)
    manager = member(agency, "manager")
    web = app.test_client()
    login(web, manager)
    web.post(f"/c/{client.slug}/contacts/invite", data={"email": "cmo@client.example", "role": "approver"})
    link = _invite_link(session, "cmo@client.example")
    contact = app.test_client()
    contact.post(link, data={"password": "a long password"})
    assert contact.get("/").headers["Location"] == f"/c/{client.slug}/"
    assert contact.get(f"/c/{other.slug}/").status_code == 404
    assert "cmo@client.example" in web.get(f"/c/{client.slug}/contacts").get_data(as_text=True)


def test_manager_cannot_invite_staff(app, session):
    agency = AgencyFactory()
    manager = member(agency, "manager")
    web = app.test_client()
    login(web, manager)
    assert web.post("/team/invite", data={"email": "x@x.example", "role": "admin"}).status_code == 403
    assert session.scalars(select(OutboxMessage)).all() == []


def test_owner_changes_a_role_and_removes_a_member(app, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    owner = member(agency)
    analyst = member(agency, "analyst")
    web = app.test_client()
    login(web, owner)
    target = session.scalars(select(Membership).where(Membership.user_id == analyst.id)).one()
    resp = web.post(f"/team/{target.id}/role", data={"role": "manager", "clients": [client.id]})
    assert resp.status_code == 302
    session.refresh(target)
    assert (target.role, target.limited, [c.id for c in target.limited_clients]) == (
        "manager",
        True,
        [client.id],
    )
    assert web.post(f"/team/{target.id}/remove").status_code == 302
    assert session.scalars(select(Membership).where(Membership.user_id == analyst.id)).first() is None


def test_roles_page_lists_the_permission_table(app, session):
    web = app.test_client()
    login(web, member(AgencyFactory(), "analyst"))
    page = web.get("/roles").get_data(as_text=True)
    assert "posts.approve_client" in page and "Client approver" in page


def test_api_tokens_page_shows_a_new_token_once(app, session):
    web = app.test_client()
    login(web, member(AgencyFactory(), "admin"))
    page = web.post("/api-tokens", data={"name": "Zapier"}).get_data(as_text=True)
    token = re.search(r'id="new-token">(cdz_[^<]+)<', page).group(1)
    assert token not in web.get("/api-tokens").get_data(as_text=True)
    assert (
        app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )


def test_with_smtp_configured_the_invitation_is_queued_for_the_mail_worker(settings, session):
    from redis import Redis
    from rq import Queue

    from web import create_app

    smtp = settings.smtp.__class__(host="127.0.0.1", port=2525, starttls=False)
    app = create_app(settings.with_overrides(smtp=smtp), config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    owner = member(AgencyFactory())
    web = app.test_client()
    login(web, owner)
    web.post("/team/invite", data={"email": "ed@agency.example", "role": "editor"})
    message = session.scalars(select(OutboxMessage)).one()
    assert message.status == "queued"
    queue = Queue("default", connection=Redis.from_url(settings.redis_url))
    assert queue.job_ids == [f"mail-{message.id}"]
    app.extensions["cadenza"]["engine"].dispose()


def test_an_existing_user_accepts_only_after_logging_in_as_themselves(app, session):
    agency, other = AgencyFactory(), AgencyFactory()
    owner = member(agency)
    existing = member(other, "editor", email="known@agency.example")
    web = app.test_client()
    login(web, owner)
    web.post("/team/invite", data={"email": "known@agency.example", "role": "analyst"})
    link = _invite_link(session, "known@agency.example")

    stranger = app.test_client()
    page = stranger.get(link).get_data(as_text=True)
    assert "Log in to accept" in page and 'type="password"' not in page
    from tests.factories import PASSWORD

    assert stranger.post(link, data={"password": PASSWORD}).status_code == 200  # nothing accepted
    assert (
        session.scalars(
            select(Membership).where(Membership.user_id == existing.id, Membership.agency_id == agency.id)
        ).first()
        is None
    )
    invitee = app.test_client()
    login(invitee, existing)
    assert invitee.post(link).status_code == 302
    joined = session.scalars(
        select(Membership).where(Membership.user_id == existing.id, Membership.agency_id == agency.id)
    ).one()
    assert joined.role == "analyst"


def test_admins_do_not_read_the_outbox(app, session):
    web = app.test_client()
    login(web, member(AgencyFactory(), "admin"))
    assert web.get("/outbox").status_code == 403


def test_an_api_token_dies_with_its_creators_power(app, session):
    agency = AgencyFactory()
    owner = member(agency)
    admin = member(agency, "admin")
    web = app.test_client()
    login(web, admin)
    page = web.post("/api-tokens", data={"name": "Script"}).get_data(as_text=True)
    token = re.search(r'id="new-token">(cdz_[^<]+)<', page).group(1)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    boss = app.test_client()
    login(boss, owner)
    target = session.scalars(select(Membership).where(Membership.user_id == admin.id)).one()
    boss.post(f"/team/{target.id}/role", data={"role": "editor"})
    assert api.get("/api/v1/me", headers=headers).status_code == 401
