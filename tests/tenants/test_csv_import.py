"""Bulk CSV import: every row checked, then all posts saved as drafts or none, with a row-by-row report."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tenants.errors import Forbidden, Invalid
from tenants.models import AuditEntry, CsvImport, Post
from tenants.services import csv_import, local_time
from tests.calendar_helpers import FALL_BACK, SPRING_FORWARD, YEAR, save_plan
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, member, membership_of

HEADER = "date,time,accounts,text,pillar,persona,dst_choice"


@pytest.fixture
def world(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    insta = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="instagram", handle="@da.mario"
    )
    masto = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="mastodon", handle="@mario@m.example"
    )
    SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="x", handle="@old_mario", status="disconnected"
    )
    editor, manager = member(agency, "editor"), member(agency, "manager")
    save_plan(
        client,
        manager,
        pillars=[{"key": "educational", "target_share": 60}, {"key": "promotional", "target_share": 40}],
        personas=[{"name": "Giulia"}],
    )
    return agency, client, insta, masto, editor


def _run(session, world, text: str | bytes, role_user=None) -> CsvImport:
    agency, client, _insta, _masto, editor = world
    user = role_user or editor
    record = csv_import.start_import(
        session=session,
        client=client,
        membership=membership_of(user, agency),
        actor=user,
        filename="piano.csv",
        raw=text.encode() if isinstance(text, str) else text,
    )
    session.commit()
    csv_import.run_import(session=session, import_id=record.id)
    session.expire_all()
    return session.get(CsvImport, record.id)


def _posts(session) -> list[Post]:
    return list(session.scalars(select(Post).order_by(Post.id)))


def test_a_good_file_creates_every_post_as_a_draft(session, world):
    _agency, client, insta, masto, _editor = world
    text = "\n".join(
        [
            HEADER,
            f"{YEAR}-06-01,09:30,@da.mario,Buongiorno a tutti!,educational,Giulia,",
            f'02/06/{YEAR},18:00,"instagram mastodon","Stasera, diretta alle 21",promotional,,',
            "",
            f"{YEAR}-06-03,12:00:00,@MARIO@m.example,Pranzo,,,",
        ]
    )
    record = _run(session, world, text)
    assert (record.status, record.total_rows, record.processed_rows, record.created_posts) == (
        "done",
        3,
        3,
        3,
    )
    created = _posts(session)
    assert [p.source for p in created] == ["csv"] * 3 and {p.status for p in created} == {"draft"}
    assert [[t.account_id for t in p.targets] for p in created] == [
        [insta.id],
        [insta.id, masto.id],
        [masto.id],
    ]
    assert created[1].base_text == "Stasera, diretta alle 21" and created[0].persona == "Giulia"
    local = local_time.to_local(created[0].scheduled_at, client.timezone)
    assert local.strftime("%Y-%m-%d %H:%M") == f"{YEAR}-06-01 09:30"
    assert [r["row"] for r in record.report] == [2, 3, 5]
    assert session.scalar(select(func.count()).where(AuditEntry.action == "calendar.import_done")) == 1


def test_broken_rows_save_nothing_and_the_report_names_each_row_and_column(session, world):
    text = "\n".join(
        [
            HEADER,
            f"{YEAR}-06-01,09:30,@da.mario,Tutto bene,,,",
            f"{YEAR}-13-01,09:30,@da.mario,Data sbagliata,,,",
            "2020-06-01,09:30,@da.mario,Passato,,,",
            f"{YEAR}-06-01,9h,@nessuno @old_mario,,gossip,Paolo,",
            f"{YEAR}-06-01,09:30,,Senza account,,,maybe",
        ]
    )
    record = _run(session, world, text)
    assert record.status == "rejected" and record.created_posts == 0
    assert _posts(session) == []
    found = {(p["row"], p["column"]) for p in record.report}
    assert found == {
        (3, "date"),
        (4, "date"),
        (5, "time"),
        (5, "accounts"),
        (5, "text"),
        (5, "pillar"),
        (5, "persona"),
        (6, "accounts"),
        (6, "dst_choice"),
    }
    messages = [
        p["message"] % p["params"] for p in record.report if p["row"] == 5 and p["column"] == "accounts"
    ]
    assert messages == ["Unknown account or network: @nessuno.", "This account is disconnected: @old_mario."]


def test_semicolons_and_a_bom_as_italian_excel_saves_them(session, world):
    header = "\ufeffData;Ora;Accounts;Text;Pillar;Persona;dst_choice\r\n"
    text = f"{header}{YEAR}-06-01;09:30;@da.mario;Caffè, cornetto e sorrisi;;;\r\n"
    record = _run(session, world, text)
    assert record.status == "done", record.report
    assert _posts(session)[0].base_text == "Caffè, cornetto e sorrisi"
    cp1252 = f"date;time;accounts;text\r\n{YEAR}-06-02;10:00;instagram;Novità: è arrivato l'autunno\r\n"
    record = _run(session, world, cp1252.encode("cp1252"))
    assert record.status == "done" and _posts(session)[-1].base_text == "Novità: è arrivato l'autunno"


def test_dst_rows_need_a_choice_and_keep_it(session, world):
    _agency, client, insta, _masto, _editor = world
    asking = "\n".join(
        [HEADER, f"{SPRING_FORWARD},02:30,@da.mario,Salto,,,", f"{FALL_BACK},02:30,@da.mario,Doppio,,,"]
    )
    record = _run(session, world, asking)
    assert record.status == "rejected"
    assert [(p["row"], p["column"], p["params"]) for p in record.report] == [
        (2, "time", {"time": "02:30"}),
        (3, "time", {"time": "02:30"}),
    ]
    assert "does not exist" in record.report[0]["message"] and "happens twice" in record.report[1]["message"]
    chosen = "\n".join(
        [
            HEADER,
            f"{SPRING_FORWARD},02:30,@da.mario,Salto,,,later",
            f"{FALL_BACK},02:30,@da.mario,Doppio,,,Later",
        ]
    )
    record = _run(session, world, chosen)
    assert record.status == "done"
    times = [
        local_time.to_local(p.scheduled_at, client.timezone).strftime("%H:%M %Z") for p in _posts(session)
    ]
    assert times == ["03:30 CEST", "02:30 CET"]


def test_missing_columns_too_many_rows_and_rights(session, world):
    agency, *_rest = world
    record = _run(session, world, "date,text\n2030-01-01,ciao\n")
    assert record.status == "rejected" and {p["column"] for p in record.report} == {"time", "accounts"}
    many = HEADER + "\n" + "\n".join(f"{YEAR}-06-01,09:30,@da.mario,n. {n},,," for n in range(2001))
    record = _run(session, world, many)
    assert record.status == "rejected" and record.report[0]["row"] == 2002 and record.processed_rows == 0
    assert _posts(session) == []
    with pytest.raises(Invalid):
        _run(session, world, "  \n")
    with pytest.raises(Forbidden):
        _run(session, world, HEADER, role_user=member(agency, "analyst"))


def test_a_finished_import_is_never_run_twice(session, world):
    record = _run(session, world, f"{HEADER}\n{YEAR}-06-01,09:30,@da.mario,Una volta,,,\n")
    assert csv_import.run_import(session=session, import_id=record.id) == "done"
    assert len(_posts(session)) == 1
    assert csv_import.run_import(session=session, import_id=10**9) == "missing"


def test_an_importer_who_left_gets_a_rejection_and_nothing_is_saved(session, world):
    agency, client, *_rest = world
    leaver = member(agency, "editor")
    record = csv_import.start_import(
        session=session,
        client=client,
        membership=membership_of(leaver, agency),
        actor=leaver,
        filename="x.csv",
        raw=f"{HEADER}\n{YEAR}-06-01,09:30,@da.mario,Ciao,,,\n".encode(),
    )
    session.delete(membership_of(leaver, agency))
    session.commit()
    assert csv_import.run_import(session=session, import_id=record.id) == "rejected"
    assert _posts(session) == []


def test_a_row_that_breaks_while_saving_is_reported_with_its_number(session, world, monkeypatch):
    from tenants.services import posts

    real = posts.create_post
    calls = []

    def second_row_fails(**kwargs):
        calls.append(1)
        if len(calls) == 2:  # the account was disconnected between checking and saving, say
            raise Invalid("A disconnected account cannot get posts; reconnect it first.", field="targets")
        return real(**kwargs)

    monkeypatch.setattr(posts, "create_post", second_row_fails)
    text = "\n".join([HEADER, f"{YEAR}-06-01,09:30,@da.mario,Uno,,,", f"{YEAR}-06-02,09:30,@da.mario,Due,,,"])
    record = _run(session, world, text)
    assert record.status == "rejected" and _posts(session) == []
    assert record.report == [
        {
            "row": 3,
            "column": "targets",
            "message": "A disconnected account cannot get posts; reconnect it first.",
            "params": {},
        }
    ]
