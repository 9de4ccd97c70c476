"""The composer: write once, a variant per account, live checks, previews, DST choice, blocked submissions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tenants.models import AuditEntry, Post, utcnow
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, login, member
from tests.web.forms import csrf_token

BASE = "Stasera pizza al forno a legna, vi aspettiamo!"


@pytest.fixture
def world(session):
    agency = AgencyFactory()
    client = ClientFactory(
        agency_id=agency.id,
        slug="mario",
        approval_workflow="internal",
        utm_template="utm_source={network}&utm_medium=social&utm_campaign={client}",
    )
    mastodon = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="mastodon", handle="@mario@mastodon.example"
    )
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x", handle="@damario")
    people = {
        "editor": member(agency, "editor"),
        "manager": member(agency, "manager"),
        "analyst": member(agency, "analyst"),
        "viewer": member(agency, "viewer", client=client),
    }
    return client, mastodon, x, people


def _web(app, user):
    web = app.test_client()
    login(web, user)
    return web


def _soon() -> str:
    return (utcnow() + timedelta(days=3)).astimezone(ZoneInfo("Europe/Rome")).strftime("%Y-%m-%dT%H:%M")


def _form(accounts, text=BASE, variants=None, **extra):
    """What the composer posts: base text, ticked accounts, each variant with its follow/edited flag."""
    data = {"text": text, "accounts": [str(a.id) for a in accounts], **extra}
    for account in accounts:
        custom = (variants or {}).get(account.id)
        data[f"text_{account.id}"] = custom if custom is not None else text
        data[f"original_{account.id}"] = custom if custom is not None else text
        data[f"customised_{account.id}"] = "1" if custom is not None else "0"
    return data


def _create(web, accounts, **kwargs) -> Post:
    resp = web.post("/c/mario/posts/new", data=_form(accounts, **kwargs))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def test_create_with_two_accounts_one_variant_customised_one_following_the_base(app, session, world):
    _client, mastodon, x, people = world
    web = _web(app, people["editor"])
    page = web.get("/c/mario/posts/new").get_data(as_text=True)
    assert 'id="composer"' in page and "Europe/Rome" in page and 'id="media-picker"' in page
    post_id = _create(web, [mastodon, x], variants={x.id: "Pizza stasera! #DaMario"}, scheduled_local=_soon())
    post = session.get(Post, post_id)
    targets = {t.account_id: t for t in post.targets}
    assert (targets[mastodon.id].customised, targets[mastodon.id].text) == (False, BASE)
    assert (targets[x.id].customised, targets[x.id].text) == (True, "Pizza stasera! #DaMario")

    # The base changes: the following variant follows, the edited one keeps its text.
    new_base = "Domani pranzo della domenica: https://damario.example/menu"
    form = _form([mastodon, x], text=new_base, variants={x.id: "Pizza stasera! #DaMario"})
    form[f"text_{mastodon.id}"] = form[f"original_{mastodon.id}"] = BASE  # as rendered before, no JS
    assert web.post(f"/c/mario/posts/{post_id}/edit", data=form).status_code == 302
    session.expire_all()
    targets = {t.account_id: t for t in session.get(Post, post_id).targets}
    assert (targets[mastodon.id].customised, targets[mastodon.id].text) == (False, new_base)
    assert targets[x.id].text == "Pizza stasera! #DaMario"

    # "Reset to base" makes the edited variant follow the base again.
    form = _form([mastodon, x], text=new_base, variants={x.id: "Pizza stasera! #DaMario"}, reset=str(x.id))
    assert web.post(f"/c/mario/posts/{post_id}/edit", data=form).status_code == 302
    session.expire_all()
    targets = {t.account_id: t for t in session.get(Post, post_id).targets}
    assert (targets[x.id].customised, targets[x.id].text) == (False, new_base)

    page = web.get(f"/c/mario/posts/{post_id}").get_data(as_text=True)
    assert f'id="counter-{x.id}"' in page and f'id="counter-{mastodon.id}"' in page
    # The preview shows the link with the client's UTM parameters, per network.
    assert "https://damario.example/menu?utm_source=x&amp;utm_medium=social&amp;utm_campaign=mario" in page
    assert "menu?utm_source=mastodon&amp;utm_medium=social" in page


def test_a_variant_edited_without_javascript_becomes_customised(app, session, world):
    _client, mastodon, _x, people = world
    web = _web(app, people["editor"])
    form = _form([mastodon])
    form[f"text_{mastodon.id}"] = "Solo per Mastodon"
    post = session.get(Post, _create_raw(web, form))
    assert (post.targets[0].customised, post.targets[0].text) == (True, "Solo per Mastodon")


def _create_raw(web, form) -> int:
    resp = web.post("/c/mario/posts/new", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def test_check_endpoint_counts_by_each_network_and_lists_findings(app, session, world):
    _client, mastodon, x, people = world
    web = _web(app, people["editor"])
    text = "漢" * 130 + " https://damario.example/menu " + "cazzo"
    resp = web.post(
        "/c/mario/posts/check",
        json={
            "text": text,
            "variants": [{"account_id": x.id, "text": text}, {"account_id": mastodon.id, "text": text}],
        },
    )
    assert resp.status_code == 200
    by_account = {r["account_id"]: r for r in resp.get_json()["results"]}
    # X weighs CJK characters 2 and any link 23: 260 + 1 + 23 + 1 + 5 = 290 > 280.
    assert (by_account[x.id]["length"], by_account[x.id]["limit"], by_account[x.id]["over"]) == (
        290,
        280,
        True,
    )
    assert by_account[mastodon.id]["over"] is False and by_account[mastodon.id]["limit"] == 500
    codes = {f["code"]: f for f in by_account[x.id]["findings"]}
    assert codes["length"]["severity"] == "blocking" and "280" in codes["length"]["text"]
    assert codes["offensive"]["quotes"] == ["cazzo"]
    assert all(f["suggestions"] == [] for f in by_account[x.id]["findings"])  # live checks: no suggestions
    links = [value for kind, value in by_account[x.id]["preview"] if kind == "link"]
    assert links == ["https://damario.example/menu?utm_source=x&utm_medium=social&utm_campaign=mario"]
    assert resp.get_json()["blocking"] is True


def test_check_endpoint_refuses_other_clients_accounts_and_readers(app, session, world):
    client, _mastodon, x, people = world
    other = ClientFactory(agency_id=client.agency_id)
    foreign = SocialAccountFactory(agency_id=client.agency_id, client_id=other.id)
    web = _web(app, people["editor"])
    body = {"text": "Ciao", "variants": [{"account_id": foreign.id, "text": "Ciao"}]}
    assert web.post("/c/mario/posts/check", json=body).status_code == 400
    assert web.post("/c/mario/posts/check", data="not json").status_code == 400
    body = {"text": "Ciao", "variants": [{"account_id": x.id, "text": "Ciao"}]}
    assert _web(app, people["analyst"]).post("/c/mario/posts/check", json=body).status_code == 403


def test_submit_blocked_shows_findings_and_only_a_manager_overrides_with_a_reason(app, session, world):
    _client, mastodon, _x, people = world
    editor = _web(app, people["editor"])
    post_id = _create(editor, [mastodon], text="Che cazzo di pizza, la migliore!")
    resp = editor.post(f"/c/mario/posts/{post_id}/submit", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Some checks block this post" in page and 'id="blocking"' in page
    assert "<mark>cazzo</mark>" in page and "Reason for the override" not in page
    assert session.get(Post, post_id).status == "draft"
    override = {"code": "offensive", "network": "mastodon", "reason": "citazione del cliente"}
    assert editor.post(f"/c/mario/posts/{post_id}/override", data=override).status_code == 403

    manager = _web(app, people["manager"])
    assert "Reason for the override" in manager.get(f"/c/mario/posts/{post_id}").get_data(as_text=True)
    resp = manager.post(
        f"/c/mario/posts/{post_id}/override", data={**override, "reason": ""}, follow_redirects=True
    )
    assert "Give a reason for the override" in resp.get_data(as_text=True)
    assert manager.post(f"/c/mario/posts/{post_id}/override", data=override).status_code == 302
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "post.check_overridden")).one()
    assert entry.details["reason"] == "citazione del cliente" and entry.actor_user_id == people["manager"].id

    assert editor.post(f"/c/mario/posts/{post_id}/submit").status_code == 302
    session.expire_all()
    assert session.get(Post, post_id).status == "in_review"


def _ambiguous_local() -> str:
    """The next 02:30 that happens twice in Rome (last Sunday of October), at least a day away."""
    year = utcnow().year
    while True:
        day = date(year, 10, 31)
        day -= timedelta(days=(day.weekday() + 1) % 7)
        if datetime(day.year, day.month, day.day, tzinfo=UTC) > utcnow() + timedelta(days=1):
            return f"{day.isoformat()}T02:30"
        year += 1


def test_an_ambiguous_time_asks_which_one_and_keeps_what_was_typed(app, session, world):
    _client, mastodon, _x, people = world
    web = _web(app, people["editor"])
    form = _form([mastodon], text="Cambio dell'ora!", scheduled_local=_ambiguous_local())
    resp = web.post("/c/mario/posts/new", data=form)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and 'id="dst-choice"' in page
    assert 'value="earlier"' in page and 'value="later"' in page and "Cambio dell&#39;ora!" in page
    assert "CEST" in page and "CET" in page
    post = session.get(Post, _create_raw(web, {**form, "dst_choice": "later"}))
    assert post.scheduled_at.hour == 1 and post.scheduled_at.minute == 30  # 02:30 CET = 01:30 UTC


def test_readers_get_a_read_only_page_and_contacts_never_see_drafts(app, session, world):
    _client, mastodon, _x, people = world
    post_id = _create(_web(app, people["editor"]), [mastodon])
    page = _web(app, people["analyst"]).get(f"/c/mario/posts/{post_id}").get_data(as_text=True)
    assert 'id="composer"' not in page and BASE in page and "Submit for approval" not in page
    assert _web(app, people["analyst"]).get("/c/mario/posts/new").status_code == 403
    assert _web(app, people["viewer"]).get(f"/c/mario/posts/{post_id}").status_code == 404


def test_saving_a_past_date_or_unknown_account_keeps_the_form(app, session, world):
    client, mastodon, _x, people = world
    web = _web(app, people["editor"])
    resp = web.post("/c/mario/posts/new", data=_form([mastodon], scheduled_local="2020-01-01T10:00"))
    assert resp.status_code == 422 and "in the past" in resp.get_data(as_text=True)
    assert BASE in resp.get_data(as_text=True)
    assert session.scalars(select(Post)).all() == []


def test_delete_asks_nothing_of_the_server_but_removes_the_post(app, session, world):
    _client, mastodon, _x, people = world
    web = _web(app, people["editor"])
    post_id = _create(web, [mastodon])
    resp = web.post(f"/c/mario/posts/{post_id}/delete")
    assert resp.status_code == 302 and resp.headers["Location"] == "/c/mario/"
    assert session.get(Post, post_id) is None


def test_live_checks_send_the_csrf_token_in_a_header(csrf_app, session, world):
    _client, _mastodon, x, people = world
    web = csrf_app.test_client()
    login(web, people["editor"])
    token = csrf_token(web.get("/c/mario/posts/new").get_data(as_text=True))
    body = {"text": "Ciao", "variants": [{"account_id": x.id, "text": "Ciao"}]}
    assert web.post("/c/mario/posts/check", json=body).status_code == 400
    resp = web.post("/c/mario/posts/check", json=body, headers={"X-CSRFToken": token})
    assert resp.status_code == 200 and resp.get_json()["results"][0]["length"] == 4


def test_media_picked_from_the_library_are_saved_checked_live_and_shown_in_previews(
    app, session, settings, world
):
    from tenants.models import Agency
    from tenants.services import media
    from tests.factories import membership_of
    from tests.media_samples import image_bytes

    client, mastodon, _x, people = world
    instagram = SocialAccountFactory(agency_id=client.agency_id, client_id=client.id, network="instagram")
    agency = session.get(Agency, client.agency_id)
    upload = {
        "session": session,
        "settings": settings,
        "agency_id": client.agency_id,
        "client_id": client.id,
        "membership": membership_of(people["editor"], agency),
        "actor": people["editor"],
    }
    png = media.store_upload(**upload, filename="menu.png", data=image_bytes("PNG"), alt_text="Il menù")
    other_client = ClientFactory(agency_id=client.agency_id)
    foreign = media.store_upload(
        **{**upload, "client_id": other_client.id}, filename="theirs.jpg", data=image_bytes("JPEG")
    )
    session.commit()
    web = _web(app, people["editor"])
    page = web.get("/c/mario/posts/new").get_data(as_text=True)
    assert f'id="media-{png.id}"' in page and f'id="media-{foreign.id}"' not in page

    live = web.post(
        "/c/mario/posts/check",
        json={"text": BASE, "media_ids": [png.id], "variants": [{"account_id": instagram.id, "text": BASE}]},
        headers={"X-CSRFToken": csrf_token(page)},
    ).get_json()
    (result,) = live["results"]
    assert any(f["code"] == "media" and "PNG" in f["text"] for f in result["findings"])

    saved = web.post("/c/mario/posts/new", data={**_form([mastodon]), "media_ids": [str(png.id)]})
    assert saved.status_code == 302
    post = session.scalars(select(Post)).one()
    assert post.media_ids == [png.id] and post.targets[0].media_ids == [png.id]
    shown = web.get(saved.headers["Location"]).get_data(as_text=True)
    assert f"/c/mario/media/{png.id}/thumb" in shown and 'alt="Il menù"' in shown

    refused = web.post("/c/mario/posts/new", data={**_form([mastodon]), "media_ids": [str(foreign.id)]})
    assert refused.status_code == 422 and session.scalars(select(Post)).all() == [post]


def test_stored_findings_are_shown_in_the_readers_language(app, session, world):
    client, _mastodon, x, people = world
    from tenants.services import plans
    from tests.factories import membership_of

    agency = session.get(__import__("tenants.models", fromlist=["Agency"]).Agency, client.agency_id)
    plans.save_plan(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        membership=membership_of(people["manager"], agency),
        actor=people["manager"],
        data={"channels": [{"network": "mastodon", "posts_per_week": 2}]},
    )
    people["editor"].locale = "it"
    session.commit()
    web = _web(app, people["editor"])
    saved = web.post("/c/mario/posts/new", data=_form([x]))
    page = web.get(saved.headers["Location"]).get_data(as_text=True)
    assert "X non è tra i canali del piano di questo cliente." in page
