"""Setting up a client's inbox: hours, targets and crisis alerts; saved replies; moderation rules and tags."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tenants.crypto import TokenCipher
from tenants.models import Agency, AuditEntry, InboxSettings, InboxTag, ModerationRule, SavedReply
from tests.factories import AgencyFactory, ClientFactory, login, member
from tests.web.forms import submit

WEBHOOK = "https://hooks.slack.example/services/T000/B000/SECRET-PART"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def live_app(settings):
    """The app against the live networks, where a webhook must be https://."""
    from web import create_app

    application = create_app(
        settings.with_overrides(networks_mode="live"), config={"TESTING": True, "WTF_CSRF_ENABLED": False}
    )
    yield application
    application.extensions["cadenza"]["engine"].dispose()


def _setup(role="manager"):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="mario", name="Mario Bakery", timezone="Europe/Rome")
    return client, member(agency, role)


def _web(app, user):
    web = app.test_client()
    login(web, user)
    return web


def _form(**changes):
    data = {day: "09:00-18:00" for day in DAYS[:5]} | {"sat": "", "sun": "", "holidays": ""}
    data |= {
        "first_response": "60",
        "first_response_unit": "minutes",
        "resolution": "8",
        "resolution_unit": "hours",
        "sync_minutes": "5",
        "crisis_enabled": "y",
        "window_minutes": "30",
        "baseline_hours": "168",
        "sensitivity": "3",
        "min_negative": "5",
        "cooldown_minutes": "120",
        "holding_statement": "",
        "crisis_webhook": "",
    }
    return data | changes


def _row(session, client) -> InboxSettings | None:
    session.expire_all()
    return session.scalars(select(InboxSettings).where(InboxSettings.client_id == client.id)).one_or_none()


def test_manager_saves_hours_targets_sync_and_crisis_settings(app, session):
    client, manager = _setup()
    web = _web(app, manager)
    page = web.get("/c/mario/inbox/settings").get_data(as_text=True)
    assert 'name="mon" placeholder="09:00-13:00, 14:00-18:00" type="text" value="09:00-18:00"' in page
    assert "Europe/Rome" in page and 'id="webhook-state"' in page and "No webhook" in page
    resp = web.post(
        "/c/mario/inbox/settings",
        data=_form(
            mon="9:00-13:00, 14:00 - 18:30",
            fri="09:00-13:00",
            sat="22:00-24:00",
            holidays="2026-12-25\n\n2026-12-26\n",
            first_response="30",
            resolution="2",
            resolution_unit="hours",
            sync_minutes="15",
            crisis_enabled="",
            window_minutes="60",
            sensitivity="2.5",
            min_negative="8",
            holding_statement="  We are looking into it and will update you soon.  ",
        ),
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/c/mario/inbox/settings")
    row = _row(session, client)
    assert row.business_hours == {
        "timezone": "Europe/Rome",
        "weekly": {
            "mon": [["09:00", "13:00"], ["14:00", "18:30"]],
            "tue": [["09:00", "18:00"]],
            "wed": [["09:00", "18:00"]],
            "thu": [["09:00", "18:00"]],
            "fri": [["09:00", "13:00"]],
            "sat": [["22:00", "24:00"]],
            "sun": [],
        },
        "holidays": ["2026-12-25", "2026-12-26"],
    }
    assert (row.first_response_minutes, row.resolution_minutes, row.sync_minutes) == (30, 120, 15)
    assert row.crisis == {
        "window_minutes": 60,
        "baseline_hours": 168,
        "sensitivity": 2.5,
        "min_negative": 8,
        "cooldown_minutes": 120,
        "enabled": False,
    }
    assert row.holding_statement == "We are looking into it and will update you soon."
    page = web.get("/c/mario/inbox/settings").get_data(as_text=True)
    assert 'value="09:00-13:00, 14:00-18:30"' in page and 'value="22:00-24:00"' in page
    assert "2026-12-25\n2026-12-26</textarea>" in page
    assert '<option selected value="hours">' in page and 'value="2"' in page
    assert 'id="crisis_enabled" name="crisis_enabled" type="checkbox" value="y">' in page


def test_business_hours_are_kept_in_the_client_time_zone(app, session):
    client, manager = _setup()
    client.timezone = "America/New_York"
    session.commit()
    assert _web(app, manager).post("/c/mario/inbox/settings", data=_form()).status_code == 302
    assert _row(session, client).business_hours["timezone"] == "America/New_York"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mon": "9-18"}, "Write times like 09:00-13:00"),
        ({"tue": "09:00-25:00"}, "Write times like 09:00-13:00"),
        ({"wed": "18:00-09:00"}, "Each range must end after it starts"),
        ({"thu": "09:00-13:00, 12:00-18:00"}, "ranges must not overlap"),
        ({"holidays": "25/12/2026"}, "Write one date per line, like 2026-12-25."),
        ({"holidays": "2026-02-30"}, "Write one date per line, like 2026-12-25."),
        ({d: "" for d in DAYS}, "Open the inbox on at least one day of the week."),
        (
            {
                "first_response": "2",
                "first_response_unit": "hours",
                "resolution": "30",
                "resolution_unit": "minutes",
            },
            "At least the first-response target and at most 30 days.",
        ),
        ({"first_response": "8", "first_response_unit": "days"}, "Not a valid choice"),
        ({"first_response": "0"}, "Number must be at least 1"),
        (
            {
                "resolution": "31",
                "resolution_unit": "hours",
                "mon": "09:00-09:01",
                "tue": "",
                "wed": "",
                "thu": "",
                "fri": "",
            },
            "The business hours leave too little open time to reach this target.",
        ),
        ({"sync_minutes": "2"}, "Not a valid choice"),
        ({"window_minutes": "1"}, "Number must be between 5 and 1440."),
        ({"cooldown_minutes": "10", "window_minutes": "60"}, "the cooldown must last at least one window"),
    ],
)
def test_bad_values_are_explained_and_nothing_is_saved(app, session, changes, message):
    client, manager = _setup()
    web = _web(app, manager)
    resp = web.post("/c/mario/inbox/settings", data=_form(**changes))
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert _row(session, client) is None
    assert (
        session.scalars(select(AuditEntry).where(AuditEntry.action == "inbox.settings_updated")).all() == []
    )


def test_the_webhook_is_stored_encrypted_and_never_shown(live_app, session):
    client, manager = _setup()
    web = _web(live_app, manager)
    assert web.post("/c/mario/inbox/settings", data=_form(crisis_webhook=WEBHOOK)).status_code == 302
    row = _row(session, client)
    cipher = TokenCipher.from_settings(live_app.extensions["cadenza"]["settings"])
    assert "SECRET" not in row.crisis_webhook_enc and cipher.decrypt(row.crisis_webhook_enc) == WEBHOOK
    page = web.get("/c/mario/inbox/settings").get_data(as_text=True)
    assert "A webhook is set" in page and 'id="remove_webhook"' in page
    assert "SECRET" not in page and "hooks.slack.example" not in page
    # Saving without typing one keeps it; the audit trail says what happened, never the address.
    assert web.post("/c/mario/inbox/settings", data=_form(sync_minutes="1")).status_code == 302
    row = _row(session, client)
    assert cipher.decrypt(row.crisis_webhook_enc) == WEBHOOK and row.sync_minutes == 1
    new = "https://chat.example/hooks/other"
    assert web.post("/c/mario/inbox/settings", data=_form(crisis_webhook=new)).status_code == 302
    assert cipher.decrypt(_row(session, client).crisis_webhook_enc) == new
    assert web.post("/c/mario/inbox/settings", data=_form(remove_webhook="y")).status_code == 302
    assert _row(session, client).crisis_webhook_enc is None
    assert "No webhook" in web.get("/c/mario/inbox/settings").get_data(as_text=True)
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "inbox.settings_updated").order_by(AuditEntry.id)
    ).all()
    assert [e.details["webhook"] for e in entries] == ["replaced", "kept", "replaced", "removed"]
    assert all("SECRET" not in str(e.details) and "chat.example" not in str(e.details) for e in entries)


@pytest.mark.parametrize(
    "url",
    ["http://hooks.slack.example/services/x", "https://", "javascript:alert(1)", "https://a b.example/"],
)
def test_a_webhook_must_be_an_https_address(live_app, session, url):
    client, manager = _setup()
    web = _web(live_app, manager)
    resp = web.post("/c/mario/inbox/settings", data=_form(crisis_webhook=url))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "The webhook address must start with https://." in page
    # What was typed is not echoed back either: the field always starts empty.
    assert re.search(r'<input [^>]*name="crisis_webhook"[^>]*>', page).group().endswith('value="">')
    assert _row(session, client) is None


def test_an_http_webhook_is_accepted_against_the_sandbox(app, session):
    client, manager = _setup()
    url = "http://127.0.0.1:5055/hooks/crisis"
    assert (
        _web(app, manager).post("/c/mario/inbox/settings", data=_form(crisis_webhook=url)).status_code == 302
    )
    cipher = TokenCipher.from_settings(app.extensions["cadenza"]["settings"])
    assert cipher.decrypt(_row(session, client).crisis_webhook_enc) == url


def test_the_settings_form_posts_with_its_csrf_token(csrf_app, session):
    client, manager = _setup()
    web = _web(csrf_app, manager)
    assert web.post("/c/mario/inbox/settings", data=_form(sync_minutes="60")).status_code == 400
    resp = submit(web, "/c/mario/inbox/settings", _form(sync_minutes="60"))
    assert resp.status_code == 302 and _row(session, client).sync_minutes == 60


def test_an_editor_writes_saved_replies_but_cannot_change_settings_or_rules(app, session):
    client, editor = _setup("editor")
    web = _web(app, editor)
    for url in ("/c/mario/inbox/settings", "/c/mario/inbox/rules"):
        assert web.get(url).status_code == 403
        assert web.post(url, data=_form(name="x", keywords="x")).status_code == 403
    page = web.get("/c/mario/inbox/saved-replies").get_data(as_text=True)
    assert "{first_name}" in page and "{brand}" in page and "{handle}" in page and "{name}" in page
    assert 'id="setup-settings"' not in page and 'id="setup-rules"' not in page
    resp = web.post(
        "/c/mario/inbox/saved-replies",
        data={"title": "Thanks", "text": "Hi {first_name}, thanks from {brand}!"},
    )
    assert resp.status_code == 302
    saved = session.scalars(select(SavedReply)).one()
    assert (saved.client_id, saved.title, saved.created_by_id) == (client.id, "Thanks", editor.id)
    page = web.get("/c/mario/inbox/saved-replies").get_data(as_text=True)
    assert "Hi {first_name}, thanks from {brand}!" in page and f'id="saved-reply-{saved.id}"' in page
    resp = web.post(
        f"/c/mario/inbox/saved-replies/{saved.id}",
        data={f"reply-{saved.id}-title": "Thank you", f"reply-{saved.id}-text": "Thank you, {name}."},
    )
    assert resp.status_code == 302
    session.expire_all()
    assert (saved.title, saved.text) == ("Thank you", "Thank you, {name}.")
    saved_id = saved.id
    assert web.post(f"/c/mario/inbox/saved-replies/{saved_id}/delete").status_code == 302
    session.expire_all()
    assert session.scalars(select(SavedReply)).all() == []
    assert web.post(f"/c/mario/inbox/saved-replies/{saved_id}/delete").status_code == 404


def test_saved_replies_are_checked(app, session):
    client, manager = _setup()
    web = _web(app, manager)
    web.post("/c/mario/inbox/saved-replies", data={"title": "Thanks", "text": "Thanks!"})
    cases = [
        ({"title": "Bye", "text": "Bye {surname}"}, "Unknown variable: surname."),
        ({"title": "Thanks", "text": "Thanks again"}, "A saved reply with this title exists."),
        ({"title": "", "text": "No title"}, "This field is required."),
    ]
    for data, message in cases:
        resp = web.post("/c/mario/inbox/saved-replies", data=data)
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), data
    saved = session.scalars(select(SavedReply)).one()
    resp = web.post(
        f"/c/mario/inbox/saved-replies/{saved.id}",
        data={f"reply-{saved.id}-title": "Thanks", f"reply-{saved.id}-text": "Hi {nickname}"},
    )
    page = resp.get_data(as_text=True)
    assert (
        resp.status_code == 422
        and "Unknown variable: nickname." in page
        and "Hi {nickname}</textarea>" in page
    )
    session.expire_all()
    assert [(s.title, s.text) for s in session.scalars(select(SavedReply))] == [("Thanks", "Thanks!")]


def test_rules_tag_assign_or_hide_and_tags_are_listed(app, session):
    client, manager = _setup()
    helper = member(session.get(Agency, client.agency_id), "editor", name="Giulia Rossi")
    web = _web(app, manager)
    page = web.get("/c/mario/inbox/rules").get_data(as_text=True)
    assert "Giulia Rossi" in page and 'id="no-rules"' in page
    rule = {
        "name": "Refunds",
        "keywords": "refund, never arrived, broken*",
        "action": "tag",
        "tag": " Complaint ",
    }
    assert web.post("/c/mario/inbox/rules", data=rule).status_code == 302
    tag = session.scalars(select(InboxTag)).one()
    assert (tag.client_id, tag.name) == (client.id, "complaint")
    data = {"name": "Press", "keywords": "journalist", "action": "assign", "assignee_id": str(helper.id)}
    assert web.post("/c/mario/inbox/rules", data=data).status_code == 302
    data = {"name": "Insults", "keywords": "", "match_offensive": "y", "action": "hide"}
    assert web.post("/c/mario/inbox/rules", data=data).status_code == 302
    rules = session.scalars(select(ModerationRule).order_by(ModerationRule.id)).all()
    assert [(r.name, r.keywords, r.action, r.tag_id, r.assignee_id, r.match_offensive) for r in rules] == [
        ("Refunds", ["refund", "never arrived", "broken*"], "tag", tag.id, None, False),
        ("Press", ["journalist"], "assign", None, helper.id, False),
        ("Insults", [], "hide", None, None, True),
    ]
    page = web.get("/c/mario/inbox/rules").get_data(as_text=True)
    assert "refund, never arrived, broken*" in page and "Giulia Rossi" in page
    assert '<span class="tag">complaint</span>' in page and 'id="tags"' in page
    first_id = rules[0].id
    assert web.post(f"/c/mario/inbox/rules/{first_id}/delete").status_code == 302
    session.expire_all()
    assert [r.name for r in session.scalars(select(ModerationRule))] == ["Press", "Insults"]
    assert web.post(f"/c/mario/inbox/rules/{first_id}/delete").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Empty", "keywords": "", "action": "hide"}, "Give keywords or match offensive words."),
        ({"name": "No tag", "keywords": "x", "action": "tag", "tag": ""}, "Choose a tag of this client."),
        ({"name": "Nobody", "keywords": "x", "action": "assign", "assignee_id": ""}, "Choose a team member"),
        (
            {"name": "Stranger", "keywords": "x", "action": "assign", "assignee_id": "999999"},
            "Not a valid choice",
        ),
        ({"name": "Odd", "keywords": "x", "action": "delete"}, "Not a valid choice"),
        ({"name": "", "keywords": "x", "action": "hide"}, "This field is required."),
    ],
)
def test_bad_rules_are_explained(app, session, data, message):
    client, manager = _setup()
    resp = _web(app, manager).post("/c/mario/inbox/rules", data=data)
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert session.scalars(select(ModerationRule)).all() == []


def test_what_people_typed_is_shown_escaped(app, session):
    client, manager = _setup()
    web = _web(app, manager)
    evil = "<script>alert(1)</script>"
    web.post("/c/mario/inbox/settings", data=_form(holding_statement=evil))
    web.post("/c/mario/inbox/saved-replies", data={"title": evil, "text": evil})
    web.post("/c/mario/inbox/rules", data={"name": evil, "keywords": evil, "action": "tag", "tag": evil})
    for url in ("/c/mario/inbox/settings", "/c/mario/inbox/saved-replies", "/c/mario/inbox/rules"):
        page = web.get(url).get_data(as_text=True)
        assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


@pytest.mark.parametrize("role", ["viewer", "approver"])
def test_client_contacts_cannot_open_the_inbox_set_up(app, session, role):
    client, _manager = _setup()
    contact = member(session.get(Agency, client.agency_id), role, client=client)
    web = _web(app, contact)
    for url in ("/c/mario/inbox/settings", "/c/mario/inbox/saved-replies", "/c/mario/inbox/rules"):
        assert web.get(url).status_code == 403
        assert web.post(url, data={"title": "x", "text": "x", "name": "x"}).status_code == 403
    home = web.get("/c/mario/").get_data(as_text=True)
    assert 'id="open-inbox"' not in home and 'id="nav-inbox"' not in home
    assert (
        session.scalars(select(SavedReply)).all() == []
        and session.scalars(select(ModerationRule)).all() == []
    )


def test_an_analyst_reads_the_inbox_but_sets_nothing_up(app, session):
    client, analyst = _setup("analyst")
    web = _web(app, analyst)
    for url in ("/c/mario/inbox/settings", "/c/mario/inbox/saved-replies", "/c/mario/inbox/rules"):
        assert web.get(url).status_code == 403
    page = web.get("/c/mario/inbox").get_data(as_text=True)
    assert 'id="inbox-settings"' not in page and 'id="saved-replies-link"' not in page


def test_the_inbox_is_reached_from_the_nav_the_workspace_and_links_to_its_set_up(app, session):
    client, manager = _setup()
    web = _web(app, manager)
    home = web.get("/c/mario/").get_data(as_text=True)
    assert 'href="/c/mario/inbox" id="open-inbox"' in home
    assert 'href="/c/mario/inbox" id="nav-client-inbox"' in home and 'id="nav-inbox"' not in home
    assert 'href="/inbox" id="nav-inbox"' in web.get("/").get_data(as_text=True)
    page = web.get("/c/mario/inbox").get_data(as_text=True)
    assert 'href="/c/mario/inbox/settings" id="inbox-settings"' in page
    assert 'href="/c/mario/inbox/saved-replies" id="saved-replies-link"' in page
    settings_page = web.get("/c/mario/inbox/settings").get_data(as_text=True)
    assert 'href="/c/mario/inbox/rules" id="setup-rules"' in settings_page
