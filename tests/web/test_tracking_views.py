"""The public short links and pixel, the conversions API with a per-client key, and the Tracking settings."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tenants.models import AuditEntry, Client, Conversion, LinkClick, LinkDailyStat, TrackingSettings, utcnow
from tenants.tracking import config, keys
from tests.factories import api_token, login, member
from tests.tenants.tracking.conftest import CHROME, link_for, make_shop


@pytest.fixture
def shop(session):
    return make_shop(session, slug="mario")


@pytest.fixture
def link(session, shop):
    return link_for(session, shop.targets["x"], "https://shop.example/menu?utm_source=x&utm_medium=social")


def _counts(session, client_id) -> tuple[int, int]:
    session.expire_all()
    row = session.execute(
        select(
            func.coalesce(func.sum(LinkDailyStat.clicks), 0),
            func.coalesce(func.sum(LinkDailyStat.filtered), 0),
        ).where(LinkDailyStat.client_id == client_id)
    ).one()
    return int(row[0]), int(row[1])


def _click_id(resp) -> str:
    return parse_qs(urlsplit(resp.headers["Location"]).query)["cz_click"][0]


def test_a_short_link_redirects_to_its_destination_with_a_click_id_and_counts(client, session, shop, link):
    resp = client.get(f"/l/{link.code}", headers={"User-Agent": CHROME})
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith("https://shop.example/menu?utm_source=x&utm_medium=social&cz_click=")
    assert "no-store" in resp.headers["Cache-Control"]
    stored = session.scalars(select(LinkClick)).one()
    assert stored.click_id == _click_id(resp) and not stored.is_bot
    assert (stored.post_id, stored.account_id) == (shop.post.id, shop.accounts["x"].id)
    assert _counts(session, shop.client.id) == (1, 0)


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("GET", {"User-Agent": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"}),
        ("GET", {"User-Agent": "LinkedInBot/1.0 (compatible; Mozilla/5.0)"}),
        ("GET", {"User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"}),
        ("GET", {"User-Agent": ""}),
        ("HEAD", {"User-Agent": CHROME}),
        ("GET", {"User-Agent": CHROME, "Sec-Purpose": "prefetch"}),
        ("GET", {"User-Agent": CHROME, "Purpose": "prefetch"}),
    ],
)
def test_bots_and_previews_still_get_the_redirect_but_are_not_clicks(
    client, session, shop, link, method, headers
):
    resp = client.open(f"/l/{link.code}", method=method, headers=headers)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("https://shop.example/menu?")
    assert _counts(session, shop.client.id) == (0, 1)


def test_unknown_codes_answer_404_and_the_request_never_chooses_the_destination(client, session, link):
    for path in (
        "/l/AAAAAAAAAA",
        "/l/" + link.code.swapcase(),
        "/l/" + link.code + "x",
        "/l/evil.example",
    ):
        assert client.get(path, headers={"User-Agent": CHROME}).status_code == 404, path
    # Werkzeug merges the slashes of "/l//evil.example": a redirect on this site, never off it.
    merged = client.get("/l/%2F%2Fevil.example", headers={"User-Agent": CHROME})
    assert merged.status_code in (308, 404)
    assert urlsplit(merged.headers.get("Location", "")).netloc in ("", "localhost")
    resp = client.get(
        f"/l/{link.code}?url=https://evil.example/&next=//evil.example&destination=https://evil.example",
        headers={"User-Agent": CHROME, "Referer": "https://evil.example/", "Host": "localhost"},
    )
    assert resp.status_code == 302
    assert urlsplit(resp.headers["Location"]).netloc == "shop.example"
    assert "evil" not in resp.headers["Location"]
    assert session.scalar(select(func.count(LinkClick.id))) == 1


def test_a_click_that_cannot_be_recorded_still_reaches_the_destination(
    client, session, shop, link, monkeypatch
):
    from tenants.tracking import clicks

    def broken(**_kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(clicks, "record_click", broken)
    resp = client.get(f"/l/{link.code}", headers={"User-Agent": CHROME})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "https://shop.example/menu?utm_source=x&utm_medium=social"


# The conversions API


@pytest.fixture
def key(session, shop):
    _key, plaintext = keys.create_key(session=session, **shop.scope, actor=None)
    session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def _unauthorized(resp):
    assert resp.status_code == 401
    assert resp.get_json() == {"error": {"code": "unauthorized", "message": "Unauthorized."}}


def test_conversions_need_the_clients_key_and_nothing_else(client, session, shop, key):
    body = {"order_id": "A-1"}
    _unauthorized(client.post("/api/v1/conversions", json=body))
    _unauthorized(client.post("/api/v1/conversions", json=body, headers={"Authorization": "Bearer czc_nope"}))
    _unauthorized(
        client.post("/api/v1/conversions", json=body, headers={"Authorization": key["Authorization"][7:]})
    )
    staff = api_token(_agency(session, shop))
    _unauthorized(client.post("/api/v1/conversions", json=body, headers={"Authorization": f"Bearer {staff}"}))
    assert session.scalar(select(func.count(Conversion.id))) == 0
    assert client.post("/api/v1/conversions", json=body, headers=key).status_code == 201


def _agency(session, shop):
    from tenants.models import Agency

    return session.get(Agency, shop.client.agency_id)


def test_a_conversion_after_a_click_is_attributed_and_a_resend_counts_once(client, session, shop, link, key):
    clicked = client.get(f"/l/{link.code}", headers={"User-Agent": CHROME})
    body = {
        "order_id": "A-1001",
        "event": "purchase",
        "value": "49.90",
        "currency": "EUR",
        "click_id": _click_id(clicked),
    }
    first = client.post("/api/v1/conversions", json=body, headers=key)
    assert first.status_code == 201
    answer = first.get_json()
    assert answer["attributed"] and answer["post_id"] == shop.post.id
    assert answer["account_id"] == shop.accounts["x"].id and answer["value"] == "49.90"
    again = client.post("/api/v1/conversions", json={**body, "value": "1.00"}, headers=key)
    assert again.status_code == 200 and again.get_json() == answer
    session.expire_all()
    stat = session.scalars(select(LinkDailyStat).where(LinkDailyStat.client_id == shop.client.id)).one()
    assert (stat.clicks, stat.conversions, stat.conversion_value_minor) == (1, 1, 4990)


def test_another_clients_key_cannot_claim_this_clients_clicks(client, session, shop, link):
    other = make_shop(session)
    _key, plaintext = keys.create_key(session=session, **other.scope, actor=None)
    session.commit()
    clicked = client.get(f"/l/{link.code}", headers={"User-Agent": CHROME})
    resp = client.post(
        "/api/v1/conversions",
        json={"order_id": "X-1", "click_id": _click_id(clicked)},
        headers={"Authorization": f"Bearer {plaintext}"},
    )
    assert resp.status_code == 201 and not resp.get_json()["attributed"]
    assert resp.get_json()["post_id"] is None
    conversion = session.scalars(select(Conversion)).one()
    assert conversion.client_id == other.client.id and conversion.link_click_id is None


def test_bad_bodies_are_explained(client, key):
    resp = client.post("/api/v1/conversions", data="order_id=1", headers=key)
    assert resp.status_code == 415
    resp = client.post("/api/v1/conversions", data="{", headers={**key, "Content-Type": "application/json"})
    assert resp.status_code == 400
    for body, field in (
        ([1], None),
        ({}, "order_id"),
        ({"order_id": "A", "value": "9"}, "currency"),
        ({"order_id": "A", "value": "9", "currency": "EURO"}, "currency"),
        ({"order_id": "A", "occurred_at": "2026-05-04"}, "occurred_at"),
        ({"order_id": "A", "amount": 9}, "amount"),
    ):
        resp = client.post("/api/v1/conversions", json=body, headers=key)
        assert resp.status_code == 422, body
        assert resp.get_json()["error"].get("field") == field


def test_hostile_bodies_are_a_400_or_an_unattributed_conversion_never_a_500(client, session, key):
    json_headers = {**key, "Content-Type": "application/json"}
    nested = "[" * 100_000 + "]" * 100_000  # under the size limit, too deep for the JSON parser
    resp = client.post("/api/v1/conversions", data=nested, headers=json_headers)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_request"
    # A click id can only be letters, digits, - and _: anything else is no click, not a database error.
    for n, click_id in enumerate(("\\ud800", "a b", "../x", "\\u00e8")):
        body = f'{{"order_id": "S-{n}", "click_id": "{click_id}"}}'
        resp = client.post("/api/v1/conversions", data=body, headers=json_headers)
        assert resp.status_code == 201 and resp.get_json()["attributed"] is False, click_id


def test_the_openapi_document_describes_the_conversion_key(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/conversions"]["post"]
    assert operation["security"] == [{"conversionKey": []}]
    assert "conversionKey" in doc["components"]["securitySchemes"]
    assert doc["components"]["schemas"]["ConversionCreate"]["required"] == ["order_id"]


# The pixel


def test_the_pixel_is_always_a_gif_and_counts_only_real_clicks_of_its_client(client, session, shop, link):
    pixel_id = config.get_settings(session=session, **shop.scope).pixel_id
    session.commit()
    clicked = client.get(f"/l/{link.code}", headers={"User-Agent": CHROME})
    for url in (
        f"/p/{pixel_id}.gif",
        f"/p/{pixel_id}.gif?click=forged&order=1",
        "/p/px_unknown.gif?click=" + _click_id(clicked),
        f"/p/{pixel_id}.gif?click={_click_id(clicked)}&order=P-1&value=12.50&currency=EUR",
    ):
        resp = client.get(url)
        assert resp.status_code == 200 and resp.mimetype == "image/gif", url
        assert resp.data.startswith(b"GIF89a") and "no-store" in resp.headers["Cache-Control"]
    conversion = session.scalars(select(Conversion)).one()
    assert (conversion.order_id, conversion.source, conversion.value_minor) == ("P-1", "pixel", 1250)
    assert conversion.post_id == shop.post.id


# The Tracking settings page


def test_a_manager_switches_tracking_sets_the_window_and_sees_the_snippets(app, session, shop):
    manager = member(_agency(session, shop), "manager")
    web = app.test_client()
    login(web, manager)
    assert "/c/mario/settings/tracking" in web.get("/c/mario/").get_data(as_text=True)
    page = web.get("/c/mario/settings/tracking").get_data(as_text=True)
    pixel_id = session.scalars(select(TrackingSettings.pixel_id)).one()
    assert f"/p/{pixel_id}.gif" in page and "/api/v1/conversions" in page
    assert 'id="link_tracking" checked' in page and "max-age=2592000" in page
    resp = web.post("/c/mario/settings/tracking", data={"attribution_days": "7", "currency": "usd"})
    assert resp.status_code == 302
    session.expire_all()
    row = session.scalars(select(TrackingSettings)).one()
    assert (row.attribution_days, row.currency, session.get(Client, shop.client.id).link_tracking) == (
        7,
        "USD",
        False,
    )
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "client.tracking_updated")).one()
    assert entry.details["after"] == {"link_tracking": False, "attribution_days": 7, "currency": "USD"}
    bad = web.post(
        "/c/mario/settings/tracking",
        data={"link_tracking": "1", "attribution_days": "365", "currency": "USD"},
    )
    assert bad.status_code == 422 and "from 1 to 90" in bad.get_data(as_text=True)
    session.expire_all()
    assert session.get(Client, shop.client.id).link_tracking is False


def test_a_key_is_shown_once_then_only_its_prefix_and_can_be_revoked(app, session, shop):
    manager = member(_agency(session, shop), "manager")
    web = app.test_client()
    login(web, manager)
    created = web.post("/c/mario/settings/tracking/keys")
    assert created.status_code == 201
    page = created.get_data(as_text=True)
    plaintext = page.split('id="new-key">', 1)[1].split("<", 1)[0]
    assert plaintext.startswith("czc_") and keys.authenticate_key(session=session, plaintext=plaintext)
    later = web.get("/c/mario/settings/tracking").get_data(as_text=True)
    assert plaintext not in later and plaintext[:10] in later
    key_id = keys.list_keys(session=session, **shop.scope)[0].id
    other = make_shop(session)
    assert web.post(f"/c/mario/settings/tracking/keys/{key_id + 1000}/revoke").status_code == 404
    other_key, _plain = keys.create_key(session=session, **other.scope, actor=None)
    session.commit()
    assert web.post(f"/c/mario/settings/tracking/keys/{other_key.id}/revoke").status_code == 404
    assert web.post(f"/c/mario/settings/tracking/keys/{key_id}/revoke").status_code == 302
    session.expire_all()
    assert keys.authenticate_key(session=session, plaintext=plaintext) is None
    assert keys.is_live(session.get(type(other_key), other_key.id))


def test_editors_analysts_and_contacts_cannot_open_tracking(app, session, shop):
    agency = _agency(session, shop)
    for user in (
        member(agency, "editor"),
        member(agency, "analyst"),
        member(agency, "viewer", client=shop.client),
    ):
        web = app.test_client()
        login(web, user)
        assert web.get("/c/mario/settings/tracking").status_code == 403
        assert web.post("/c/mario/settings/tracking/keys").status_code == 403
    assert keys.list_keys(session=session, **shop.scope) == []


def test_the_publishing_page_switches_tracking_and_an_old_form_leaves_it(app, session, shop):
    from tests.web.test_publishing_settings_views import _form

    manager = member(_agency(session, shop), "manager")
    web = app.test_client()
    login(web, manager)
    page = web.get("/c/mario/settings/publishing").get_data(as_text=True)
    assert 'id="link_tracking" checked' in page
    assert web.post("/c/mario/settings/publishing", data=_form(link_tracking="0")).status_code == 302
    session.expire_all()
    assert session.get(Client, shop.client.id).link_tracking is False
    assert web.post("/c/mario/settings/publishing", data=_form()).status_code == 302
    session.expire_all()
    assert session.get(Client, shop.client.id).link_tracking is False
    assert web.post("/c/mario/settings/publishing", data=_form(link_tracking=["0", "1"])).status_code == 302
    session.expire_all()
    assert session.get(Client, shop.client.id).link_tracking is True


def test_the_post_page_shows_its_short_links_and_their_counts(app, session, shop, link, key):
    web = app.test_client()
    clicked = web.get(f"/l/{link.code}", headers={"User-Agent": CHROME})
    web.get(f"/l/{link.code}", headers={"User-Agent": "Twitterbot/1.0"})
    web.post("/api/v1/conversions", json={"order_id": "1", "click_id": _click_id(clicked)}, headers=key)
    agency = _agency(session, shop)
    for role, kwargs in (("manager", {}), ("viewer", {"client": shop.client})):
        login(web, member(agency, role, **kwargs))
        page = web.get(f"/c/mario/posts/{shop.post.id}").get_data(as_text=True)
        assert 'id="post-links"' in page and f"/l/{link.code}</code>" in page, role
        row = page.split(f'id="links-account-{shop.accounts["x"].id}"', 1)[1].split("</tr>", 1)[0]
        assert '<td class="link-clicks">1</td>' in row and '<td class="link-conversions">1' in row
        assert "utm_source=x&amp;utm_medium=social" in row and shop.accounts["x"].handle in row


def test_a_deleted_clients_links_still_redirect_but_it_counts_nothing_more(client, session, shop, link):
    pixel_id = config.get_settings(session=session, **shop.scope).pixel_id
    session.commit()
    clicked = client.get(f"/l/{link.code}", headers={"User-Agent": CHROME})
    shop.client.deleted_at = utcnow()
    session.commit()
    # Posts stay on the networks: their readers still reach the site, with nothing recorded.
    resp = client.get(f"/l/{link.code}", headers={"User-Agent": CHROME})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "https://shop.example/menu?utm_source=x&utm_medium=social"
    resp = client.get(f"/p/{pixel_id}.gif?click={_click_id(clicked)}&order=P-1")
    assert resp.status_code == 200 and resp.mimetype == "image/gif"
    session.expire_all()
    assert session.scalar(select(func.count(LinkClick.id))) == 1
    assert session.scalar(select(func.count(Conversion.id))) == 0
    assert _counts(session, shop.client.id) == (1, 0)
