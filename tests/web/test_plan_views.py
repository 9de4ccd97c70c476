"""The plan page: managers edit it as new versions, client contacts read it, editors cannot change it."""

from __future__ import annotations

from sqlalchemy import select

from tenants.models import CommunicationPlan
from tests.factories import AgencyFactory, ClientFactory, login, member

FORM = {
    "objectives": "Più prenotazioni a pranzo\nMenù vegetariano",
    "channel_instagram": "1",
    "per_week_instagram": "4",
    "role_instagram": "ispirazione",
    "channel_x": "1",
    "per_week_x": "2",
    "pillars": "educational = 50\npromotional = 20\nentertainment = 30",
    "personas": "name: Giulia\nage_range: 25-34\ninterests: cucina sana\n\nname: Paolo\npains: poco tempo",
    "address": "lei",
    "emoji": "none",
    "adjectives": "elegante",
    "dont_words": "economico",
    "brand_hashtags": "#DaMario",
    "forbidden_words": "concorrenza",
    "brand_words": "Mariolino",
}


def test_manager_saves_versions_and_contact_reads_them(app, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="mario")
    manager, contact = member(agency, "manager"), member(agency, "viewer", client=client)
    web = app.test_client()
    login(web, manager)
    assert web.post("/c/mario/plan/edit", data=FORM).status_code == 302
    assert web.post("/c/mario/plan/edit", data={**FORM, "objectives": "Solo cene"}).status_code == 302
    plan = session.scalars(select(CommunicationPlan).order_by(CommunicationPlan.version.desc())).first()
    assert plan.version == 2 and [p["name"] for p in plan.data["personas"]] == ["Giulia", "Paolo"]
    assert {c["network"]: c["posts_per_week"] for c in plan.data["channels"]} == {"instagram": 4, "x": 2}
    reader = app.test_client()
    login(reader, contact)
    page = reader.get("/c/mario/plan").get_data(as_text=True)
    assert "Solo cene" in page and "Giulia" in page and "/plan/edit" not in page
    assert reader.get("/c/mario/plan/edit").status_code == 403


def test_bad_shares_are_explained_and_nothing_saved(app, session):
    agency = AgencyFactory()
    ClientFactory(agency_id=agency.id, slug="mario")
    web = app.test_client()
    login(web, member(agency, "manager"))
    resp = web.post("/c/mario/plan/edit", data={**FORM, "pillars": "educational = 50\npromotional = 20"})
    assert resp.status_code == 200 and "add up to 100%" in resp.get_data(as_text=True)
    assert "educational = 50" in resp.get_data(as_text=True)  # what was typed stays in the form
    assert session.scalars(select(CommunicationPlan)).all() == []
