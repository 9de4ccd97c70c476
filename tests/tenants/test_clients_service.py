import pytest
from sqlalchemy import select

from tenants.errors import Conflict, Forbidden, Invalid, NotFound
from tenants.models import AuditEntry, Membership
from tenants.services import clients
from tenants.services.access import get_visible_client, visible_client_ids
from tests.factories import AgencyFactory, ClientFactory, member


def _membership(session, user):
    return session.scalars(select(Membership).where(Membership.user_id == user.id)).one()


def test_create_client_derives_slug_defaults_timezone_and_audits(session):
    agency = AgencyFactory()
    owner = member(agency)
    m = _membership(session, owner)
    client = clients.create_client(
        session=session, agency_id=agency.id, membership=m, actor=owner, data={"name": "Caffè Rossi"}
    )
    session.commit()
    assert client.slug == "caffe-rossi" and client.timezone == "Europe/Rome" and client.locale == "it"
    second = clients.create_client(
        session=session, agency_id=agency.id, membership=m, actor=owner, data={"name": "Caffè Rossi"}
    )
    assert second.slug == "caffe-rossi-2"
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.client_id == client.id)).all()
    assert actions == ["client.created"]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "X", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "X", "slug": "Not A Slug"}, "slug"),
        ({"name": "X", "brand_color": "red"}, "brand_color"),
        ({"name": "X", "locale": "fr"}, "locale"),
        ({"name": "X", "logo_url": "javascript:alert(1)"}, "logo_url"),
        ({"name": "   "}, "name"),
        ({"name": "X", "owner": 3}, "owner"),
    ],
)
def test_create_client_rejects_bad_values_without_writing(session, data, field):
    agency = AgencyFactory()
    owner = member(agency)
    with pytest.raises(Invalid) as err:
        clients.create_client(
            session=session,
            agency_id=agency.id,
            membership=_membership(session, owner),
            actor=owner,
            data=data,
        )
    assert err.value.field == field
    session.rollback()
    assert clients.list_clients(session=session, membership=_membership(session, owner)) == []


def test_duplicate_slug_is_a_conflict_even_across_agencies(session):
    ClientFactory(slug="taken")
    agency = AgencyFactory()
    owner = member(agency)
    with pytest.raises(Conflict):
        clients.create_client(
            session=session,
            agency_id=agency.id,
            membership=_membership(session, owner),
            actor=owner,
            data={"name": "X", "slug": "taken"},
        )


def test_limited_manager_sees_only_assigned_clients_and_gets_the_ones_they_create(session):
    agency = AgencyFactory()
    mine, other = ClientFactory(agency_id=agency.id), ClientFactory(agency_id=agency.id)
    manager = member(agency, "manager", limited_to=[mine])
    m = _membership(session, manager)
    assert visible_client_ids(session=session, membership=m) == [mine.id]
    with pytest.raises(NotFound):
        get_visible_client(session=session, membership=m, client_id=other.id)
    new = clients.create_client(
        session=session, agency_id=agency.id, membership=m, actor=manager, data={"name": "New"}
    )
    session.commit()
    assert set(visible_client_ids(session=session, membership=m)) == {mine.id, new.id}


def test_editor_cannot_create_or_delete(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    editor = member(agency, "editor")
    m = _membership(session, editor)
    with pytest.raises(Forbidden):
        clients.create_client(
            session=session, agency_id=agency.id, membership=m, actor=editor, data={"name": "X"}
        )
    with pytest.raises(Forbidden):
        clients.delete_client(
            session=session, agency_id=agency.id, client_id=client.id, membership=m, actor=editor
        )


def test_delete_hides_client_frees_slug_and_removes_contacts(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="gone")
    owner = member(agency)
    contact = member(agency, "viewer", client=client)
    m = _membership(session, owner)
    clients.delete_client(
        session=session, agency_id=agency.id, client_id=client.id, membership=m, actor=owner
    )
    session.commit()
    with pytest.raises(NotFound):
        get_visible_client(session=session, membership=m, client_slug="gone")
    assert session.scalars(select(Membership).where(Membership.user_id == contact.id)).first() is None
    again = clients.create_client(
        session=session,
        agency_id=agency.id,
        membership=m,
        actor=owner,
        data={"name": "Again", "slug": "gone"},
    )
    assert again.slug == "gone"


def test_archive_hides_from_default_list_and_restores(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    owner = member(agency)
    m = _membership(session, owner)
    clients.set_archived(
        session=session, agency_id=agency.id, client_id=client.id, membership=m, actor=owner, archived=True
    )
    assert clients.list_clients(session=session, membership=m) == []
    assert clients.list_clients(session=session, membership=m, include_archived=True) == [client]
    clients.set_archived(
        session=session, agency_id=agency.id, client_id=client.id, membership=m, actor=owner, archived=False
    )
    assert clients.list_clients(session=session, membership=m) == [client]


def test_services_refuse_a_client_of_another_agency(session):
    agency, other_agency = AgencyFactory(), AgencyFactory()
    foreign = ClientFactory(agency_id=other_agency.id)
    owner = member(agency)
    m = _membership(session, owner)
    with pytest.raises(NotFound):
        clients.update_client(
            session=session,
            agency_id=agency.id,
            client_id=foreign.id,
            membership=m,
            actor=owner,
            data={"name": "Mine now"},
        )
    with pytest.raises(NotFound):
        clients.update_client(
            session=session,
            agency_id=other_agency.id,
            client_id=foreign.id,
            membership=m,
            actor=owner,
            data={"name": "Mine now"},
        )


def test_created_at_round_trips_as_aware_utc(session):
    client = ClientFactory()
    session.expire_all()
    assert session.get(type(client), client.id).created_at.utcoffset().total_seconds() == 0


def test_another_agency_cannot_block_a_deletion_by_squatting_names(session):
    agency, rival = AgencyFactory(), AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="bigbrand")
    for guess in (f"deleted-{client.id}-bigbrand", "deleted-bigbrand", f"bigbrand-{client.id}"):
        ClientFactory(agency_id=rival.id, slug=guess)
    owner = member(agency)
    m = _membership(session, owner)
    clients.delete_client(
        session=session, agency_id=agency.id, client_id=client.id, membership=m, actor=owner
    )
    session.commit()
    # '~' is outside what clean_slug accepts, so the retired name cannot be taken in advance.
    assert "~" in client.slug
    with pytest.raises(Invalid):
        clients.create_client(
            session=session,
            agency_id=agency.id,
            membership=m,
            actor=owner,
            data={"name": "Squat", "slug": client.slug},
        )


def test_a_long_agency_name_twice_still_fits_the_slug_column(session, hasher):
    from tenants.services import agencies

    name = "Agenzia " + "Molto " * 15  # 98 characters: its slug alone fills the 60-character column
    first, _ = agencies.create_agency(
        session=session, hasher=hasher, name=name, owner_email="a@x.example", owner_password="long enough pw"
    )
    second, _ = agencies.create_agency(
        session=session, hasher=hasher, name=name, owner_email="b@x.example", owner_password="long enough pw"
    )
    session.commit()
    assert len(second.slug) <= 60 and second.slug != first.slug and second.slug.endswith("-2")
