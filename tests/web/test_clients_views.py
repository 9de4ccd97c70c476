from sqlalchemy import select

from tenants.models import AuditEntry, Client
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, login, member


def _owner_client(app):
    agency = AgencyFactory()
    owner = member(agency)
    client = app.test_client()
    login(client, owner)
    return agency, owner, client


def test_create_edit_archive_restore_delete_a_client(app, session):
    agency, _owner, web = _owner_client(app)
    resp = web.post(
        "/clients/new",
        data={
            "name": "Pasticceria Dolce",
            "timezone": "Europe/Rome",
            "locale": "it",
            "brand_color": "#aa3300",
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/c/pasticceria-dolce/"
    home = web.get("/c/pasticceria-dolce/").get_data(as_text=True)
    assert "Pasticceria Dolce" in home and "Europe/Rome" in home
    resp = web.post(
        "/c/pasticceria-dolce/settings",
        data={
            "name": "Pasticceria Dolce",
            "slug": "dolce",
            "timezone": "America/New_York",
            "locale": "en",
            "brand_color": "#aa3300",
        },
    )
    assert resp.headers["Location"] == "/c/dolce/"
    assert web.get("/c/pasticceria-dolce/").status_code == 404
    web.post("/c/dolce/archive")
    assert 'href="/c/dolce/"' not in web.get("/").get_data(as_text=True)
    assert 'href="/c/dolce/"' in web.get("/?archived=1").get_data(as_text=True)
    web.post("/c/dolce/restore")
    assert web.post("/c/dolce/delete").status_code == 302
    gone = web.get("/c/dolce/")
    assert gone.status_code == 404 and "does not exist" in gone.get_data(as_text=True)
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.agency_id == agency.id).order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "client.created",
        "client.updated",
        "client.archived",
        "client.restored",
        "client.deleted",
    ]
    assert "client.deleted" in web.get("/audit").get_data(as_text=True)


def test_invalid_timezone_and_duplicate_slug_show_field_messages(app, session):
    agency, _owner, web = _owner_client(app)
    ClientFactory(agency_id=agency.id, slug="taken")
    resp = web.post(
        "/clients/new",
        data={"name": "X", "timezone": "Europe/Atlantis", "locale": "it", "brand_color": "#aa3300"},
    )
    assert resp.status_code == 200 and "Unknown time zone" in resp.get_data(as_text=True)
    resp = web.post(
        "/clients/new",
        data={
            "name": "X",
            "slug": "taken",
            "timezone": "Europe/Rome",
            "locale": "it",
            "brand_color": "#aa3300",
        },
    )
    assert "This address is not available" in resp.get_data(as_text=True)
    assert session.scalars(select(Client.slug)).all() == ["taken"]


def test_workspace_shows_connected_account_count(app, session):
    agency, _owner, web = _owner_client(app)
    client = ClientFactory(agency_id=agency.id)
    SocialAccountFactory(agency_id=agency.id, client_id=client.id)
    SocialAccountFactory(agency_id=agency.id, client_id=client.id)
    assert '<dd id="account-count">2</dd>' in web.get(f"/c/{client.slug}/").get_data(as_text=True)


def test_ui_speaks_italian_when_chosen_and_follows_the_browser(app, session):
    agency, owner, web = _owner_client(app)
    assert "Clients" in web.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Clienti" in web.get("/", headers={"Accept-Language": "it-IT,it;q=0.9"}).get_data(as_text=True)
    web.post("/language", data={"locale": "it"})
    page = web.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="it">' in page and "Nuovo cliente" in page
    session.refresh(owner)
    assert owner.locale == "it"
    resp = web.post(
        "/clients/new", data={"name": "X", "timezone": "Nowhere", "locale": "it", "brand_color": "#aa3300"}
    )
    assert "Fuso orario sconosciuto" in resp.get_data(as_text=True)


def test_anonymous_visitors_can_switch_language_before_logging_in(app, session):
    web = app.test_client()
    web.post("/language", data={"locale": "it", "next": "/login"})
    assert "Accedi" in web.get("/login").get_data(as_text=True)


def test_client_contact_lands_in_their_workspace_and_cannot_manage(app, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    contact = member(agency, "viewer", client=client)
    web = app.test_client()
    login(web, contact)
    assert web.get("/").headers["Location"] == f"/c/{client.slug}/"
    page = web.get(f"/c/{client.slug}/").get_data(as_text=True)
    assert client.name in page and "/settings" not in page
    assert web.get(f"/c/{client.slug}/settings").status_code == 403
    assert web.get("/team").status_code == 403


def test_user_text_is_escaped(app, session):
    agency, _owner, web = _owner_client(app)
    ClientFactory(agency_id=agency.id, name="<script>alert(1)</script>", slug="xss")
    page = web.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_oversized_form_gets_413(app, session):
    _agency, _owner, web = _owner_client(app)
    resp = web.post("/clients/new", data={"name": "x" * (2 * 1024 * 1024)})
    assert resp.status_code == 413 and "too large" in resp.get_data(as_text=True)


def test_reports_link_is_signed_and_points_at_the_reports_app(app, session, settings):
    agency, _owner, web = _owner_client(app)
    client = ClientFactory(agency_id=agency.id)
    resp = web.get(f"/c/{client.slug}/reports")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith(settings.reports_url + "/?t=")
