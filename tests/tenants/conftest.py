"""Fixtures shared by the approval tests: an agency whose client wants internal then client approval."""

from __future__ import annotations

import pytest

from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, member


@pytest.fixture
def world(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, approval_workflow="client")
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    people = {
        "editor": member(agency, "editor"),
        "manager": member(agency, "manager"),
        "approver": member(agency, "approver", client=client),
        "viewer": member(agency, "viewer", client=client),
    }
    return agency, client, account, people
