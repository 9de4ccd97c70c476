"""The KPIs page: progress against targets over a chosen range, "not available" shown as such, targets
saved by those allowed to, and read-only for client contacts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tenants.models import ClientMetricDay, KpiTarget
from tests.factories import AgencyFactory, ClientFactory, login, member


def _shop(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="mario", timezone="Europe/Rome")
    session.add(
        ClientMetricDay(
            agency_id=agency.id,
            client_id=client.id,
            day=date(2026, 11, 2),
            followers=1200,
            followers_gain=120,
            posts_published=2,
        )
    )
    session.commit()
    return agency, client


def test_a_manager_sets_targets_and_sees_progress(app, session):
    agency, client = _shop(session)
    manager = member(agency, "manager")
    web = app.test_client()
    login(web, manager)
    form = {
        "target_follower_growth": "300",
        "period_follower_growth": "month",
        "target_engagement_rate": "2,5",
        "period_engagement_rate": "week",
    }
    assert web.post("/c/mario/kpis", data=form).status_code == 302
    saved = {t.kpi: (t.target, t.period) for t in session.scalars(select(KpiTarget))}
    assert saved == {"follower_growth": (300.0, "month"), "engagement_rate": (2.5, "week")}
    page = web.get("/c/mario/kpis?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert 'id="kpi-follower_growth"' in page and "40%" in page  # 120 of 300 this month
    assert "not available" in page  # impressions: nothing measured them
    assert 'id="kpi-targets-form"' in page


def test_bad_targets_are_explained_and_nothing_changes(app, session):
    agency, _client = _shop(session)
    web = app.test_client()
    login(web, member(agency, "manager"))
    response = web.post("/c/mario/kpis", data={"target_follower_growth": "-3"}, follow_redirects=True)
    assert "out of range" in response.get_data(as_text=True)
    assert session.scalars(select(KpiTarget)).all() == []
    assert web.get("/c/mario/kpis?from=2026-11-30&to=2026-11-01").status_code == 200  # falls back, explains


def test_contacts_read_progress_and_cannot_set_targets(app, session):
    agency, client = _shop(session)
    editor, contact = member(agency, "editor"), member(agency, "viewer", client=client)
    for user in (editor, contact):
        web = app.test_client()
        login(web, user)
        page = web.get("/c/mario/kpis")
        assert page.status_code == 200 and 'id="kpi-targets-form"' not in page.get_data(as_text=True)
        assert web.post("/c/mario/kpis", data={"target_followers": "5"}).status_code == 403
    assert session.scalars(select(KpiTarget)).all() == []
