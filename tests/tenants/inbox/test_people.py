"""The inbox team: active staff whose role answers the inbox and who can see the client."""

from __future__ import annotations

from sqlalchemy import event

from tenants.inbox.people import inbox_team, works_on_inbox
from tests.factories import AgencyFactory, ClientFactory, member


def test_the_team_is_active_staff_who_answer_and_see_the_client_by_name(session):
    agency, other_agency = AgencyFactory(), AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    elsewhere = ClientFactory(agency_id=agency.id)
    owner = member(agency, "owner", name="Zoe Owner")
    editor = member(agency, "editor", name="anna Editor")
    manager = member(agency, "manager", name="Marco Manager", limited_to=[client])
    member(agency, "manager", name="Limited Elsewhere", limited_to=[elsewhere])
    member(agency, "analyst", name="Ada Analyst")  # reads the inbox, does not answer it
    member(agency, "approver", client=client, name="Client Approver")
    member(agency, "editor", name="Gone Editor", is_active=False)
    member(other_agency, "owner", name="Other Agency Owner")
    team = inbox_team(session=session, agency_id=agency.id, client_id=client.id)
    assert team == [editor, manager, owner]
    assert works_on_inbox(session=session, agency_id=agency.id, client_id=client.id, user_id=manager.id)
    assert not works_on_inbox(
        session=session, agency_id=agency.id, client_id=elsewhere.id, user_id=manager.id
    )


def test_a_bigger_agency_costs_no_more_queries(session, engine):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    for n in range(3):
        member(agency, "editor", name=f"Editor {n}")
    session.commit()

    def queries() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        session.expunge_all()
        inbox_team(session=session, agency_id=agency.id, client_id=client.id)
        event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    few = queries()
    for n in range(10):
        member(agency, "editor", name=f"More {n}")
    session.commit()
    assert queries() == few
