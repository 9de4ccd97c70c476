"""Publishing settings: approval workflow, check severities, extra offensive words, UTM template."""

from __future__ import annotations

from sqlalchemy import select

from tenants.checks.engine import DEFAULT_SEVERITY
from tenants.models import Agency, AuditEntry, Client
from tests.factories import AgencyFactory, ClientFactory, login, member


def _form(**changes):
    data = {f"severity_{code}": severity for code, severity in DEFAULT_SEVERITY.items()}
    data |= {"approval_workflow": "internal", "extra_offensive": "", "utm_template": ""}
    return data | changes


def _setup(session, role="manager"):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="mario")
    return client, member(agency, role)


def test_manager_saves_workflow_severities_words_and_utm(app, session):
    client, manager = _setup(session)
    web = app.test_client()
    login(web, manager)
    home = web.get("/c/mario/").get_data(as_text=True)
    assert "/c/mario/settings/publishing" in home
    page = web.get("/c/mario/settings/publishing").get_data(as_text=True)
    assert 'id="severity-spelling-warning"' in page and 'id="workflow-internal" checked' in page
    resp = web.post(
        "/c/mario/settings/publishing",
        data=_form(
            approval_workflow="client",
            severity_spelling="blocking",
            severity_offensive="warning",
            extra_offensive="Schifezza\n\n  porcheria*  \nschifezza",
            utm_template="utm_source={network}&utm_medium=social&utm_campaign={client}",
        ),
    )
    assert resp.status_code == 302
    session.expire_all()
    client = session.get(Client, client.id)
    assert client.approval_workflow == "client"
    assert client.check_severities == {"offensive": "warning", "spelling": "blocking"}
    assert client.extra_offensive == ["schifezza", "porcheria*"]
    assert client.utm_template == "utm_source={network}&utm_medium=social&utm_campaign={client}"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "client.publishing_updated")).one()
    assert entry.details["after"]["approval_workflow"] == "client"
    page = web.get("/c/mario/settings/publishing").get_data(as_text=True)
    assert 'id="severity-spelling-blocking" aria-label="Spelling: Blocking" checked' in page
    assert "schifezza\nporcheria*" in page


def test_bad_values_are_explained_and_nothing_is_saved(app, session):
    client, manager = _setup(session)
    web = app.test_client()
    login(web, manager)
    resp = web.post("/c/mario/settings/publishing", data=_form(utm_template="utm_source={nope}"))
    assert resp.status_code == 422 and "Unknown placeholder {nope}" in resp.get_data(as_text=True)
    assert 'value="utm_source={nope}"' in resp.get_data(as_text=True)
    resp = web.post("/c/mario/settings/publishing", data=_form(approval_workflow="sometimes"))
    assert resp.status_code == 422
    resp = web.post("/c/mario/settings/publishing", data=_form(severity_length="fatal"))
    assert resp.status_code == 422
    session.expire_all()
    client = session.get(Client, client.id)
    assert (client.utm_template, client.approval_workflow, client.check_severities) == ("", "internal", {})
    assert (
        session.scalars(select(AuditEntry).where(AuditEntry.action == "client.publishing_updated")).all()
        == []
    )


def test_editors_and_contacts_cannot_open_the_settings(app, session):
    client, editor = _setup(session, "editor")
    contact = member(session.get(Agency, client.agency_id), "approver", client=client)
    for user in (editor, contact):
        web = app.test_client()
        login(web, user)
        assert web.get("/c/mario/settings/publishing").status_code == 403
        assert (
            web.post("/c/mario/settings/publishing", data=_form(approval_workflow="none")).status_code == 403
        )
    session.expire_all()
    assert session.get(Client, client.id).approval_workflow == "internal"
