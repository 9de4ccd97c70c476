"""update_publishing_settings: validation, only deviations from default severities kept, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tenants.errors import Forbidden, Invalid
from tenants.models import Agency, AuditEntry
from tenants.services.clients import update_publishing_settings
from tests.factories import AgencyFactory, ClientFactory, member, membership_of


def _update(session, client, user, **data):
    return update_publishing_settings(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        membership=membership_of(user, session.get(Agency, client.agency_id)),
        actor=user,
        data=data,
    )


def test_settings_are_cleaned_and_audited_once(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    manager = member(agency, "manager")
    _update(
        session,
        client,
        manager,
        approval_workflow="none",
        check_severities={"length": "blocking", "spelling": "blocking"},
        extra_offensive=["  Brutto  ", "brutto", ""],
        utm_template="?utm_medium=social",
    )
    assert client.approval_workflow == "none"
    assert client.check_severities == {"spelling": "blocking"}  # length is blocking by default anyway
    assert client.extra_offensive == ["brutto"] and client.utm_template == "utm_medium=social"
    _update(session, client, manager, approval_workflow="none")  # no change, no audit entry
    session.commit()
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "client.publishing_updated")
    ).all()
    assert len(entries) == 1 and entries[0].details["before"]["approval_workflow"] == "internal"


@pytest.mark.parametrize(
    "data",
    [
        {"approval_workflow": "always"},
        {"check_severities": {"length": "fatal"}},
        {"check_severities": {"unknown_check": "warning"}},
        {"check_severities": ["length"]},
        {"extra_offensive": "not a list"},
        {"extra_offensive": ["x" * 81]},
        {"utm_template": "utm_source"},
        {"timezone": "Europe/Rome"},
    ],
)
def test_bad_values_are_refused(session, data):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    with pytest.raises(Invalid):
        _update(session, client, member(agency, "manager"), **data)


def test_editors_cannot_change_publishing_settings(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    with pytest.raises(Forbidden):
        _update(session, client, member(agency, "editor"), approval_workflow="none")
