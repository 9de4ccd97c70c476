"""The calendar pages: month, week and list views, drag and drop moves, slots, iCal feed, CSV out and in."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tenants.models import AuditEntry, CsvImport, Post, TimeSlot
from tenants.services import local_time
from tests.calendar_helpers import (
    FALL_BACK,
    JUNE_MONDAY,
    ROME,
    SPRING_FORWARD,
    YEAR,
    past_post,
    post_at,
    save_plan,
)
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, login, member
from tests.workers import drain
from worker.context import job_context
from worker.queues import redis_connection

EVIL = "<script>alert('x')</script> Pizza & birra"


@pytest.fixture
def world(app, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, slug="mario", name="Da Mario", timezone=ROME)
    insta = SocialAccountFactory(
        agency_id=agency.id, client_id=client.id, network="instagram", handle="@da.mario"
    )
    people = {role: member(agency, role) for role in ("owner", "manager", "editor")}
    people["viewer"] = member(agency, "viewer", client=client)
    return agency, client, insta, people


def _web(app, user):
    web = app.test_client()
    login(web, user)
    return web


def _html(resp) -> str:
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def test_month_week_and_list_show_escaped_posts_in_the_clients_time_zone(app, session, world):
    _agency, client, insta, people = world
    save_plan(client, people["manager"], channels=[{"network": "instagram", "posts_per_week": 3}])
    post = post_at(
        client, people["editor"], [insta], datetime(YEAR, 6, 2, 18, 45), EVIL, pillar="educational"
    )
    post_at(client, people["editor"], [insta], None, "Senza data ancora")
    web = _web(app, people["editor"])
    month = _html(web.get(f"/c/mario/calendar?view=month&date={YEAR}-06-10"))
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Pizza &amp; birra" in month
        and "<script>alert" not in month
    )
    assert "Time zone: Europe/Rome" in month and "18:45" in month
    assert f'href="/c/mario/posts/{post.id}"' in month and f"/c/mario/posts/{post.id}/move" in month
    day_cell = month.split(f'id="day-{YEAR}-06-02"')[1].split("</td>")[0]
    assert "18:45" in day_cell and "Instagram" in day_cell and "educational" in day_cell
    assert "Senza data ancora" in month.split('id="unscheduled"')[1]
    assert 'id="gaps"' in month  # one post against three a week
    week = _html(web.get(f"/c/mario/calendar?view=week&date={YEAR}-06-03"))
    assert "18:45" in week and "&lt;script&gt;" in week
    listed = _html(web.get(f"/c/mario/calendar?view=list&date={YEAR}-06-01&network=instagram"))
    assert "&lt;script&gt;" in listed
    assert "&lt;script&gt;" not in _html(web.get(f"/c/mario/calendar?view=list&date={YEAR}-06-01&network=x"))
    nav = _html(web.get("/c/mario/"))
    assert "/c/mario/calendar" in nav and 'id="nav-calendar"' in nav


def test_month_views_on_the_2026_dst_days_place_posts_on_the_right_day(app, session, world):
    _agency, client, insta, people = world
    past_post(client, [insta], datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Dopo il salto")  # 03:30 CEST
    past_post(client, [insta], datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "Mezzanotte e mezza")  # 00:30 CET
    past_post(client, [insta], datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Prima volta")  # 02:30 CEST
    past_post(client, [insta], datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Seconda volta")  # 02:30 CET
    web = _web(app, people["editor"])
    march = _html(web.get("/c/mario/calendar?view=month&date=2026-03-01"))
    cell = march.split('id="day-2026-03-29"')[1].split("</td>")[0]
    assert "Clocks go forward" in cell and "03:30 CEST" in cell and "00:30 CET" in cell
    assert "Dopo il salto" in cell and "Mezzanotte e mezza" in cell
    assert "Dopo il salto" not in march.split('id="day-2026-03-28"')[1].split("</td>")[0]
    october = _html(web.get("/c/mario/calendar?view=month&date=2026-10-15"))
    cell = october.split('id="day-2026-10-25"')[1].split("</td>")[0]
    assert "Clocks go back" in cell
    assert (
        cell.index("02:30 CEST") < cell.index("Prima volta") < cell.index("02:30 CET") < cell.index("Seconda")
    )
    week = _html(web.get("/c/mario/calendar?view=week&date=2026-10-25"))
    assert "02:30 CEST" in week and "02:30 CET" in week


def _move(web, post_id, **data):
    return web.post(f"/c/mario/posts/{post_id}/move", data=data, headers={"Accept": "application/json"})


def test_moving_by_json_asks_on_dst_days_and_refuses_the_past(app, session, world):
    _agency, client, insta, people = world
    post = post_at(client, people["editor"], [insta], datetime(YEAR, 3, 20, 2, 30), "Notte")
    web = _web(app, people["editor"])
    resp = _move(web, post.id, date=SPRING_FORWARD.isoformat())
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    assert error["code"] == "time_choice_needed" and error["kind"] == "gap"
    assert error["message"].startswith(f"02:30 does not exist on {SPRING_FORWARD.day} March")
    assert [o["label"] for o in error["options"]] == ["01:30", "03:30"]
    resp = _move(web, post.id, date=SPRING_FORWARD.isoformat(), dst_choice="later")
    assert resp.status_code == 200 and resp.get_json()["post"]["local"] == f"{SPRING_FORWARD} 03:30 CEST"
    resp = _move(web, post.id, date=FALL_BACK.isoformat())
    assert resp.status_code == 200  # 03:30 exists once in October
    post_at(client, people["editor"], [insta], None)
    other = post_at(client, people["editor"], [insta], datetime(YEAR, 10, 20, 2, 30), "Doppia")
    error = _move(web, other.id, date=FALL_BACK.isoformat()).get_json()["error"]
    assert error["kind"] == "ambiguous" and "happens twice" in error["message"]
    assert [o["label"] for o in error["options"]] == ["first, 02:30 CEST", "second, 02:30 CET"]
    resp = _move(web, other.id, date=FALL_BACK.isoformat(), dst_choice="later")
    assert resp.get_json()["post"]["scheduled_at"] == f"{FALL_BACK}T01:30:00+00:00"
    resp = _move(web, post.id, date="2020-01-01")
    assert resp.status_code == 422 and "past" in resp.get_json()["error"]["message"]
    assert _move(web, post.id, date="not-a-date").status_code == 422
    moves = session.scalars(select(AuditEntry).where(AuditEntry.action == "post.rescheduled")).all()
    assert len(moves) == 3


def test_viewers_cannot_move_and_other_clients_posts_are_not_found(app, session, world):
    agency, client, insta, people = world
    post = post_at(client, people["editor"], [insta], datetime(YEAR, 6, 2, 9, 0))
    assert _move(_web(app, people["viewer"]), post.id, date=f"{YEAR}-06-03").status_code == 403
    other = ClientFactory(agency_id=agency.id, slug="luigi")
    other_account = SocialAccountFactory(agency_id=agency.id, client_id=other.id)
    elsewhere = post_at(other, people["editor"], [other_account], datetime(YEAR, 6, 2, 9, 0))
    web = _web(app, people["editor"])
    resp = _move(web, elsewhere.id, date=f"{YEAR}-06-03")
    assert resp.status_code == 404
    session.expire_all()
    assert session.get(Post, elsewhere.id).scheduled_at == elsewhere.scheduled_at


def test_a_post_whose_publishing_started_cannot_be_moved(app, session, world):
    _agency, client, insta, people = world
    post = post_at(client, people["editor"], [insta], datetime(YEAR, 6, 2, 9, 0), status="scheduled")
    post.targets[0].status = "publishing"
    session.commit()
    resp = _move(_web(app, people["editor"]), post.id, date=f"{YEAR}-06-03")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "conflict"
    assert "Publishing has started" in resp.get_json()["error"]["message"]


def test_the_no_script_form_moves_and_offers_the_dst_choice_as_buttons(app, session, world):
    _agency, client, insta, people = world
    post = post_at(client, people["editor"], [insta], datetime(YEAR, 3, 20, 2, 30))
    web = _web(app, people["editor"])
    page = web.post(
        f"/c/mario/posts/{post.id}/move", data={"date": SPRING_FORWARD.isoformat(), "fallback": "1"}
    )
    assert page.status_code == 409 and 'value="later"' in page.get_data(as_text=True)
    resp = web.post(
        f"/c/mario/posts/{post.id}/move",
        data={"date": SPRING_FORWARD.isoformat(), "fallback": "1", "dst_choice": "earlier"},
    )
    assert resp.status_code == 303
    session.expire_all()
    assert local_time.to_local(session.get(Post, post.id).scheduled_at, ROME).strftime("%H:%M") == "01:30"


def test_moves_need_the_csrf_token(csrf_app, session, world):
    _agency, client, insta, people = world
    post = post_at(client, people["editor"], [insta], datetime(YEAR, 6, 2, 9, 0))
    web = _web(csrf_app, people["editor"])
    assert _move(web, post.id, date=f"{YEAR}-06-03").status_code == 400
    page = web.get(f"/c/mario/calendar?date={YEAR}-06-01").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    resp = web.post(
        f"/c/mario/posts/{post.id}/move",
        data={"date": f"{YEAR}-06-03"},
        headers={"Accept": "application/json", "X-CSRFToken": token},
    )
    assert resp.status_code == 200


def test_slots_page_and_next_free_slot_button(app, session, world):
    _agency, client, insta, people = world
    web = _web(app, people["editor"])
    resp = web.post(
        "/c/mario/slots", data={f"slots-{insta.id}-0": "09:00, 18:30", f"slots-{insta.id}-3": "12:00"}
    )
    assert resp.status_code == 303
    assert sorted((s.weekday, s.minute) for s in session.scalars(select(TimeSlot))) == [
        (0, 540),
        (0, 1110),
        (3, 720),
    ]
    assert "18:30" in _html(_web(app, people["viewer"]).get("/c/mario/slots"))
    assert _web(app, people["viewer"]).post("/c/mario/slots", data={}).status_code == 403
    bad = web.post("/c/mario/slots", data={f"slots-{insta.id}-0": "25:99"}, follow_redirects=True)
    assert "Use a time like 09:30." in bad.get_data(as_text=True)
    post = post_at(client, people["editor"], [insta], None)
    resp = web.post(f"/c/mario/posts/{post.id}/next-slot", headers={"Accept": "application/json"})
    assert resp.status_code == 200
    local = local_time.to_local(datetime.fromisoformat(resp.get_json()["post"]["scheduled_at"]), ROME)
    assert (local.weekday(), local.strftime("%H:%M")) in {(0, "09:00"), (0, "18:30"), (3, "12:00")}


def test_the_agency_calendar_shows_visible_clients_and_filters(app, session, world):
    agency, client, insta, people = world
    other = ClientFactory(agency_id=agency.id, slug="luigi", name="Pizzeria Luigi")
    other_account = SocialAccountFactory(agency_id=agency.id, client_id=other.id, network="mastodon")
    post_at(client, people["editor"], [insta], datetime(YEAR, 6, 2, 9, 0), "Post di Mario")
    post_at(other, people["editor"], [other_account], datetime(YEAR, 6, 3, 9, 0), "Post di Luigi")
    web = _web(app, people["editor"])
    page = _html(web.get(f"/calendar?date={YEAR}-06-01"))
    assert "Post di Mario" in page and "Post di Luigi" in page and "Pizzeria Luigi" in page
    page = _html(web.get(f"/calendar?date={YEAR}-06-01&client={other.id}"))
    assert "Post di Mario" not in page and "Post di Luigi" in page
    page = _html(web.get(f"/calendar?date={YEAR}-06-01&network=instagram&view=list"))
    assert "Post di Mario" in page and "Post di Luigi" not in page
    limited = member(agency, "editor", limited_to=[other])
    page = _html(_web(app, limited).get(f"/calendar?date={YEAR}-06-01"))
    assert "Post di Mario" not in page and "Da Mario" not in page
    assert _web(app, limited).get(f"/calendar?client={client.id}").status_code == 404


def test_the_ical_feed_lists_client_visible_posts_and_dies_when_revoked(app, session, world):
    _agency, client, insta, people = world
    post_at(client, people["editor"], [insta], datetime(YEAR, 6, 2, 9, 0), "Bozza interna")
    post_at(client, people["editor"], [insta], datetime(YEAR, 6, 3, 9, 0), "Pronto, ok", status="scheduled")
    owner = _web(app, people["owner"])
    assert _web(app, people["editor"]).post("/c/mario/calendar/feed").status_code == 403
    page = _html(owner.post("/c/mario/calendar/feed", data={"action": "issue"}))
    url = re.search(r'id="feed-url">([^<]+)<', page).group(1)
    path = url.split("127.0.0.1:5000", 1)[1]
    session.expire_all()
    assert client.ical_token_hash and client.ical_token_hash not in url
    resp = app.test_client().get(path)
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    events = Calendar.from_ical(resp.data).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Pronto, ok [instagram]"]
    assert events[0].decoded("dtstart") == datetime(YEAR, 6, 3, 7, 0, tzinfo=UTC)
    assert str(events[0]["status"]) == "CONFIRMED"
    owner.post("/c/mario/calendar/feed", data={"action": "issue"})  # rotate
    assert app.test_client().get(path).status_code == 404
    owner.post("/c/mario/calendar/feed", data={"action": "revoke"})
    session.expire_all()
    assert client.ical_token_hash is None
    assert app.test_client().get("/ical/ics_nothing.ics").status_code == 404
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("calendar.feed%"))).all()
    assert actions == ["calendar.feed_created", "calendar.feed_rotated", "calendar.feed_revoked"]


def test_csv_export_is_local_and_formula_safe(app, session, world):
    _agency, client, insta, people = world
    post_at(client, people["editor"], [insta], datetime(YEAR, 6, 2, 9, 15), '=HYPERLINK("http://evil")')
    post_at(client, people["editor"], [insta], datetime(YEAR, 7, 2, 9, 15), "Luglio")
    resp = _web(app, people["editor"]).get(f"/c/mario/calendar/export.csv?from={YEAR}-06-01&to={YEAR}-06-30")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "date,time,timezone,status,networks,accounts,pillar,persona,text"
    assert lines[1].startswith(f"{YEAR}-06-02,09:15,Europe/Rome (CEST),draft,instagram,'@da.mario,,,")
    assert "'=HYPERLINK" in lines[1] and len(lines) == 2


def _run_worker(settings):
    connection = redis_connection(settings.redis_url)
    drain("default", connection=connection)


def test_csv_import_runs_in_the_worker_and_reports_progress(app, session, world, process_env):
    _agency, client, insta, people = world
    job_context.cache_clear()
    web = _web(app, people["editor"])
    assert (
        "cadenza-import.csv"
        in web.get("/c/mario/calendar/import/template.csv").headers["Content-Disposition"]
    )
    content = f"date;time;accounts;text\n{YEAR}-06-01;09:30;@da.mario;Ciao dal CSV\n".encode()
    resp = web.post("/c/mario/calendar/import", data={"file": (io.BytesIO(content), "piano.csv")})
    assert resp.status_code == 303
    record = session.scalars(select(CsvImport)).one()
    assert resp.headers["Location"].endswith(f"/c/mario/calendar/import/{record.id}")
    state = web.get(f"/c/mario/calendar/import/{record.id}.json").get_json()
    assert (state["status"], state["total_rows"], state["finished"]) == ("pending", 1, False)
    assert "data-import-progress" in _html(web.get(f"/c/mario/calendar/import/{record.id}"))
    _run_worker(process_env)
    state = web.get(f"/c/mario/calendar/import/{record.id}.json").get_json()
    assert (state["status"], state["processed_rows"], state["created_posts"]) == ("done", 1, 1)
    assert session.scalars(select(Post.base_text)).all() == ["Ciao dal CSV"]
    broken = f"date,time,accounts,text\n{YEAR}-06-01,09:30,@nobody,<b>Ciao</b>\n".encode()
    web.post("/c/mario/calendar/import", data={"file": (io.BytesIO(broken), "rotto.csv")})
    _run_worker(process_env)
    latest = session.scalars(select(CsvImport).order_by(CsvImport.id.desc())).first()
    page = _html(web.get(f"/c/mario/calendar/import/{latest.id}"))
    assert "Unknown account or network: @nobody." in page and "Nothing was imported" in page
    assert _web(app, people["viewer"]).get(f"/c/mario/calendar/import/{record.id}").status_code == 403
    job_context.cache_clear()


def test_an_upload_with_redis_down_fails_at_once_instead_of_waiting_forever(app, session, world, monkeypatch):
    from redis import RedisError

    import web.views.calendar_io as views

    def broken(**_kwargs):
        raise RedisError("down")

    monkeypatch.setattr(views, "enqueue_import", broken)
    _agency, _client, _insta, people = world
    web = _web(app, people["editor"])
    content = f"date,time,accounts,text\n{YEAR}-06-01,09:30,@da.mario,Ciao\n".encode()
    resp = web.post(
        "/c/mario/calendar/import",
        data={"file": (io.BytesIO(content), "x.csv")},
        follow_redirects=True,
    )
    assert "background queue is not reachable" in resp.get_data(as_text=True)
    assert session.scalars(select(CsvImport.status)).all() == ["failed"]


def test_dates_in_links_move_by_period(app, session, world):
    _agency, _client, _insta, people = world
    page = _html(_web(app, people["editor"]).get(f"/c/mario/calendar?view=week&date={JUNE_MONDAY}"))
    previous = (JUNE_MONDAY - timedelta(days=7)).isoformat()
    assert f"date={previous}" in page and f"date={(JUNE_MONDAY + timedelta(days=7)).isoformat()}" in page


def test_cards_name_pillars_as_the_plan_does_and_past_weeks_are_not_gaps(app, session, world):
    _agency, client, insta, people = world
    save_plan(
        client,
        people["manager"],
        channels=[{"network": "instagram", "posts_per_week": 3}],
        pillars=[
            {"key": "educational", "name": "Dietro le quinte", "target_share": 60},
            {"key": "promotional", "name": "Offerte", "target_share": 40},
        ],
    )
    post_at(client, people["editor"], [insta], datetime(YEAR, 6, 2, 18, 45), "Il forno", pillar="educational")
    web = _web(app, people["editor"])
    month = _html(web.get(f"/c/mario/calendar?view=month&date={YEAR}-06-10"))
    day_cell = month.split(f'id="day-{YEAR}-06-02"')[1].split("</td>")[0]
    assert "Dietro le quinte" in day_cell
    past = _html(web.get("/c/mario/calendar?view=month&date=2025-06-10"))
    assert 'id="gaps"' not in past and 'id="no-gaps"' in past
