import re

from sqlalchemy import select

from tenants.models import Agency, Membership, OutboxMessage, User
from tests.factories import PASSWORD, AgencyFactory, member
from tests.web.forms import submit


def test_sign_up_creates_agency_and_owner_and_logs_in(csrf_app, session):
    client = csrf_app.test_client()
    resp = submit(
        client,
        "/signup",
        {
            "agency_name": "Studio Nord",
            "name": "Ada",
            "email": "ada@nord.example",
            "password": "a long password",
        },
        follow=True,
    )
    assert resp.status_code == 200
    assert "Studio Nord" in resp.get_data(as_text=True)
    agency = session.scalars(select(Agency)).one()
    owner = session.scalars(select(User)).one()
    assert (agency.slug, owner.email) == ("studio-nord", "ada@nord.example")
    assert session.scalars(select(Membership.role)).one() == "owner"
    assert owner.password_hash.startswith("$argon2")


def test_post_without_csrf_token_is_refused(csrf_app, session):
    resp = csrf_app.test_client().post(
        "/signup", data={"agency_name": "X", "email": "x@x.example", "password": "a long password"}
    )
    assert resp.status_code == 400
    assert session.scalars(select(Agency)).all() == []


def test_sign_up_with_taken_email_says_so_and_writes_nothing(csrf_app, session):
    agency = AgencyFactory()
    member(agency, email="ada@nord.example")
    resp = submit(
        csrf_app.test_client(),
        "/signup",
        {"agency_name": "Again", "email": "ADA@nord.example", "password": "a long password"},
    )
    assert resp.status_code == 200
    assert "already exists" in resp.get_data(as_text=True)
    assert session.scalars(select(Agency.name)).all() == [agency.name]


def test_sign_up_can_be_switched_off(settings, session):
    from web import create_app

    app = create_app(settings.with_overrides(signup_enabled=False))
    client = app.test_client()
    assert client.get("/signup").status_code == 404
    assert "/signup" not in client.get("/login").get_data(as_text=True)
    app.extensions["cadenza"]["engine"].dispose()


def test_login_wrong_password_then_right_then_logout(csrf_app, session):
    user = member(AgencyFactory(), email="bo@agency.example")
    client = csrf_app.test_client()
    resp = submit(client, "/login", {"email": user.email, "password": "wrong"})
    assert "Wrong email or password" in resp.get_data(as_text=True)
    resp = submit(client, "/login", {"email": user.email, "password": PASSWORD})
    assert resp.status_code == 302
    assert client.get("/").status_code == 200
    page = client.get("/").get_data(as_text=True)
    resp = client.post(
        "/logout",
        data={"csrf_token": re.search(r'value="([^"]+)"', page.split('action="/logout"')[1]).group(1)},
    )
    assert resp.status_code == 302
    assert client.get("/").status_code == 302


def _login_from(client, ip: str, email: str, password: str = "wrong") -> int:
    html = client.get("/login", environ_base={"REMOTE_ADDR": ip}).get_data(as_text=True)
    from tests.web.forms import csrf_token

    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(html)},
        environ_base={"REMOTE_ADDR": ip},
    ).status_code


def test_login_is_rate_limited_per_email_across_addresses(csrf_app, session):
    user = member(AgencyFactory())
    client = csrf_app.test_client()
    statuses = [_login_from(client, f"10.0.0.{n}", user.email) for n in range(6)]
    assert statuses == [200] * 5 + [429]
    # Guessing cannot continue even with the right password, from yet another address.
    assert _login_from(client, "10.0.0.99", user.email, PASSWORD) == 429


def test_login_is_rate_limited_per_address_across_emails(csrf_app, session):
    client = csrf_app.test_client()
    statuses = [_login_from(client, "10.0.1.1", f"guess{n}@x.example") for n in range(6)]
    assert statuses == [200] * 5 + [429]
    assert _login_from(client, "10.0.1.2", "guess0@x.example") == 200


def test_login_redirect_only_follows_local_paths(app, session):
    user = member(AgencyFactory())
    client = app.test_client()
    resp = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert resp.headers["Location"] == "/"


def test_session_cookie_is_httponly_and_samesite(csrf_app, session):
    user = member(AgencyFactory())
    resp = submit(csrf_app.test_client(), "/login", {"email": user.email, "password": PASSWORD})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_over_https(settings, session):
    from web import create_app

    app = create_app(
        settings.with_overrides(session_cookie_secure=True),
        config={"TESTING": True, "WTF_CSRF_ENABLED": False},
    )
    user = member(AgencyFactory())
    resp = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    assert "Secure" in resp.headers["Set-Cookie"]
    app.extensions["cadenza"]["engine"].dispose()


def test_password_reset_through_the_outbox(csrf_app, session):
    agency = AgencyFactory()
    user = member(agency, email="cleo@agency.example")
    client = csrf_app.test_client()
    client.get("/")
    resp = submit(client, "/password/forgot", {"email": "cleo@agency.example"}, follow=True)
    assert "If an account exists" in resp.get_data(as_text=True)
    mail = session.scalars(select(OutboxMessage)).one()
    assert (mail.to_address, mail.agency_id, mail.status) == (user.email, agency.id, "outbox")
    link = re.search(r"http://\S+/password/reset/\S+", mail.body).group(0)
    path = link.split("5000", 1)[1]
    resp = submit(client, path, {"password": "a fresh password", "confirm": "a fresh password"})
    assert resp.status_code == 302
    assert submit(client, "/login", {"email": user.email, "password": "a fresh password"}).status_code == 302
    again = client.get(path)
    assert again.status_code == 410 and "expired or was already used" in again.get_data(as_text=True)


def test_reset_link_of_a_person_in_two_agencies_is_in_no_agency_outbox(app, session):
    first, second = AgencyFactory(), AgencyFactory()
    user = member(first, "viewer", client=None)
    from tests.factories import MembershipFactory

    MembershipFactory(user_id=user.id, agency_id=second.id, role="owner")
    app.test_client().post("/password/forgot", data={"email": user.email})
    mail = session.scalars(select(OutboxMessage)).one()
    assert mail.to_address == user.email and mail.agency_id is None


def test_forgot_password_for_unknown_address_says_the_same_and_sends_nothing(csrf_app, session):
    resp = submit(csrf_app.test_client(), "/password/forgot", {"email": "ghost@x.example"}, follow=True)
    assert "If an account exists" in resp.get_data(as_text=True)
    assert session.scalars(select(OutboxMessage)).all() == []


def test_old_sessions_end_when_the_password_changes(app, session, hasher):
    from tenants.services import accounts
    from tests.factories import login

    user = member(AgencyFactory())
    client = app.test_client()
    login(client, user)
    assert client.get("/").status_code == 200
    accounts.change_password(
        session=session, hasher=hasher, user=user, current=PASSWORD, new="another password"
    )
    session.commit()
    assert client.get("/").status_code == 302
