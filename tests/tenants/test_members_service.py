from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.errors import Conflict, Forbidden, Gone, NotFound
from tenants.models import Invitation, Membership, utcnow
from tenants.services import members
from tenants.services.access import visible_client_ids
from tests.factories import PASSWORD, AgencyFactory, ClientFactory, member


def _m(session, user, agency):
    return session.scalars(
        select(Membership).where(Membership.user_id == user.id, Membership.agency_id == agency.id)
    ).one()


def test_invite_then_accept_creates_a_limited_manager(session, hasher):
    agency = AgencyFactory()
    a, b = ClientFactory(agency_id=agency.id), ClientFactory(agency_id=agency.id)
    owner = member(agency)
    invitation, token = members.invite(
        session=session,
        agency_id=agency.id,
        membership=_m(session, owner, agency),
        actor=owner,
        email="New.Person@Agency.example",
        role="manager",
        limited_client_ids=[a.id],
    )
    session.commit()
    assert invitation.email == "new.person@agency.example"
    assert invitation.token_hash != token  # only the hash is stored
    user = members.accept_invitation(
        session=session, hasher=hasher, token=token, name="New Person", password="a long enough password"
    )
    session.commit()
    m = _m(session, user, agency)
    assert (m.role, m.limited) == ("manager", True)
    assert visible_client_ids(session=session, membership=m) == [a.id]
    assert b.id not in visible_client_ids(session=session, membership=m)
    with pytest.raises(Gone):
        members.accept_invitation(
            session=session, hasher=hasher, token=token, password="a long enough password"
        )


def test_client_contact_invitation_is_bound_to_one_client(session, hasher):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    ClientFactory(agency_id=agency.id)
    owner = member(agency)
    _inv, token = members.invite(
        session=session,
        agency_id=agency.id,
        membership=_m(session, owner, agency),
        actor=owner,
        email="boss@client.example",
        role="approver",
        client_id=client.id,
    )
    user = members.accept_invitation(
        session=session, hasher=hasher, token=token, password="a long enough password"
    )
    session.commit()
    assert visible_client_ids(session=session, membership=_m(session, user, agency)) == [client.id]


def test_expired_revoked_and_unknown_links(session, hasher):
    agency = AgencyFactory()
    owner = member(agency)
    m = _m(session, owner, agency)
    inv, token = members.invite(
        session=session, agency_id=agency.id, membership=m, actor=owner, email="late@x.example", role="editor"
    )
    inv.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    with pytest.raises(Gone):
        members.find_invitation(session=session, token=token)
    inv2, token2 = members.invite(
        session=session,
        agency_id=agency.id,
        membership=m,
        actor=owner,
        email="revoked@x.example",
        role="editor",
    )
    members.revoke_invitation(
        session=session, agency_id=agency.id, membership=m, actor=owner, invitation_id=inv2.id
    )
    with pytest.raises(Gone):
        members.find_invitation(session=session, token=token2)
    with pytest.raises(NotFound):
        members.find_invitation(session=session, token="made-up")


def test_existing_user_must_be_logged_in_as_themselves_to_accept(session, hasher):
    agency, other = AgencyFactory(), AgencyFactory()
    owner = member(agency)
    existing = member(other, "editor")
    _inv, token = members.invite(
        session=session,
        agency_id=agency.id,
        membership=_m(session, owner, agency),
        actor=owner,
        email=existing.email,
        role="analyst",
    )
    with pytest.raises(Forbidden):  # no password guessing through the invitation form
        members.accept_invitation(session=session, hasher=hasher, token=token, password=PASSWORD)
    with pytest.raises(Forbidden):
        members.accept_invitation(session=session, hasher=hasher, token=token, logged_in=owner)
    members.accept_invitation(session=session, hasher=hasher, token=token, logged_in=existing)
    session.commit()
    assert _m(session, existing, agency).role == "analyst"


def test_a_new_invitation_replaces_the_open_one_and_members_cannot_join_twice(session, hasher):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    owner = member(agency)
    m = _m(session, owner, agency)
    _first, first_token = members.invite(
        session=session,
        agency_id=agency.id,
        membership=m,
        actor=owner,
        email="twice@x.example",
        role="editor",
    )
    _second, second_token = members.invite(
        session=session,
        agency_id=agency.id,
        membership=m,
        actor=owner,
        email="twice@x.example",
        role="viewer",
        client_id=client.id,
    )
    with pytest.raises(Gone):
        members.find_invitation(session=session, token=first_token)
    user = members.accept_invitation(
        session=session, hasher=hasher, token=second_token, password="a long enough password"
    )
    session.commit()
    assert _m(session, user, agency).role == "viewer"


def test_admin_cannot_cancel_an_owner_invitation(session):
    agency = AgencyFactory()
    owner = member(agency)
    admin = member(agency, "admin")
    invitation, _token = members.invite(
        session=session,
        agency_id=agency.id,
        membership=_m(session, owner, agency),
        actor=owner,
        email="co-owner@x.example",
        role="owner",
    )
    with pytest.raises(Forbidden):
        members.revoke_invitation(
            session=session,
            agency_id=agency.id,
            membership=_m(session, admin, agency),
            actor=admin,
            invitation_id=invitation.id,
        )


def test_manager_invites_only_client_contacts_and_nobody_twice(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    manager = member(agency, "manager")
    m = _m(session, manager, agency)
    with pytest.raises(Forbidden):
        members.invite(
            session=session,
            agency_id=agency.id,
            membership=m,
            actor=manager,
            email="x@x.example",
            role="admin",
        )
    members.invite(
        session=session,
        agency_id=agency.id,
        membership=m,
        actor=manager,
        email="c@x.example",
        role="viewer",
        client_id=client.id,
    )
    with pytest.raises(Conflict):
        members.invite(
            session=session,
            agency_id=agency.id,
            membership=m,
            actor=manager,
            email=manager.email,
            role="viewer",
            client_id=client.id,
        )


def test_contact_invite_needs_a_visible_client(session):
    agency, other = AgencyFactory(), AgencyFactory()
    foreign = ClientFactory(agency_id=other.id)
    owner = member(agency)
    with pytest.raises(NotFound):
        members.invite(
            session=session,
            agency_id=agency.id,
            membership=_m(session, owner, agency),
            actor=owner,
            email="c@x.example",
            role="viewer",
            client_id=foreign.id,
        )
    assert session.scalars(select(Invitation)).all() == []


def test_the_last_owner_cannot_leave_or_be_demoted(session):
    agency = AgencyFactory()
    owner = member(agency)
    m = _m(session, owner, agency)
    with pytest.raises(Conflict):
        members.change_role(
            session=session, agency_id=agency.id, membership=m, actor=owner, membership_id=m.id, role="admin"
        )
    with pytest.raises(Conflict):
        members.remove_member(
            session=session, agency_id=agency.id, membership=m, actor=owner, membership_id=m.id
        )
    second = member(agency)
    members.remove_member(
        session=session,
        agency_id=agency.id,
        membership=m,
        actor=owner,
        membership_id=_m(session, second, agency).id,
    )


def test_admin_cannot_change_an_owner(session):
    agency = AgencyFactory()
    owner = member(agency)
    admin = member(agency, "admin")
    with pytest.raises(Forbidden):
        members.change_role(
            session=session,
            agency_id=agency.id,
            membership=_m(session, admin, agency),
            actor=admin,
            membership_id=_m(session, owner, agency).id,
            role="editor",
        )


def test_member_ids_of_another_agency_are_not_found(session):
    agency, other = AgencyFactory(), AgencyFactory()
    owner = member(agency)
    stranger = member(other)
    with pytest.raises(NotFound):
        members.remove_member(
            session=session,
            agency_id=agency.id,
            membership=_m(session, owner, agency),
            actor=owner,
            membership_id=_m(session, stranger, other).id,
        )
