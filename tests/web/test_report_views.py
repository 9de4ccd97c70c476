"""The report archive in the web app and the API: the list and schedule, "Generate now" with its progress
going to done, downloads for the client's own people only, and the API list and files."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tenants.models import Agency, AuditEntry, Client, Report
from tests.factories import AgencyFactory, ClientFactory, api_token, login, member
from tests.report_samples import TRICKY_TITLE, WEEK_END, WEEK_START, build_report_world
from tests.workers import drain
from worker.context import job_context
from worker.queues import get_queue, redis_connection

ARCHIVE = "/c/pizzeria-bella/reports/archive"


@pytest.fixture
def world(session, process_env):
    job_context.cache_clear()
    yield build_report_world(session)
    job_context.cache_clear()


def _done_report(session, client: Client, **fields) -> Report:
    values = {
        "agency_id": client.agency_id,
        "client_id": client.id,
        "kind": "scheduled",
        "period_start": WEEK_START,
        "period_end": WEEK_END,
        "status": "done",
        "progress": 100,
        "pdf": b"%PDF-1.4 test",
        "csv": "# report\r\nclient\r\nPizzeria Bella\r\n",
    }
    report = Report(**(values | fields))
    session.add(report)
    session.commit()
    return report


def test_generate_now_queues_a_job_whose_progress_the_page_follows_to_done(app, session, world, process_env):
    web = app.test_client()
    login(web, world.manager)
    home = web.get("/c/pizzeria-bella/").get_data(as_text=True)
    assert ARCHIVE in home
    page = web.get(ARCHIVE).get_data(as_text=True)
    assert 'id="generate-form"' in page and 'id="schedule-form"' in page and "No reports yet." in page
    assert 'data-pending="0"' in page
    resp = web.post(f"{ARCHIVE}/generate", data={"start": "2026-11-02", "end": "2026-11-08"})
    assert resp.status_code == 302
    # Asking again while it is on its way gives the same report, not a second job.
    web.post(f"{ARCHIVE}/generate", data={"start": "2026-11-02", "end": "2026-11-08"})
    [report] = session.scalars(select(Report)).all()
    assert (report.kind, report.status, report.created_by_id) == ("on_demand", "queued", world.manager.id)
    connection = redis_connection(process_env.redis_url)
    assert get_queue("reports", connection=connection).job_ids == [f"report-{report.id}"]
    live = web.get(f"{ARCHIVE}/live").get_json()
    assert live["pending"] is True and live["reports"][0]["status"] == "queued"
    assert 'data-status="queued"' in live["html"] and "<progress" in live["html"]
    assert 'data-pending="1"' in web.get(ARCHIVE).get_data(as_text=True)

    drain("reports", connection=connection)
    live = web.get(f"{ARCHIVE}/live").get_json()
    assert live["pending"] is False
    assert (live["reports"][0]["status"], live["reports"][0]["progress"]) == ("done", 100)
    assert f"{ARCHIVE}/{report.id}/pdf" in live["html"] and f"{ARCHIVE}/{report.id}/csv" in live["html"]
    pdf = web.get(f"{ARCHIVE}/{report.id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == (
        'attachment; filename="report-pizzeria-bella-2026-11-02-2026-11-08.pdf"'
    )
    assert pdf.headers["Cache-Control"] == "private, no-store"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Pizzeria Bella" in text and TRICKY_TITLE in text
    csv = web.get(f"{ARCHIVE}/{report.id}/csv")
    assert csv.mimetype == "text/csv" and csv.get_data(as_text=True).startswith("# report")


def test_a_bad_range_is_explained_and_queues_nothing(app, session, world):
    web = app.test_client()
    login(web, world.manager)
    for data in (
        {"start": "2026-11-08", "end": "2026-11-02"},
        {"start": "2026-11-02", "end": "2999-01-01"},
        {"start": "2020-01-01", "end": "2026-11-02"},
        {"start": "", "end": "yesterday"},
    ):
        page = web.post(f"{ARCHIVE}/generate", data=data, follow_redirects=True).get_data(as_text=True)
        assert 'class="flash flash-error"' in page, data
    assert session.scalars(select(Report)).all() == []


def test_managers_set_the_schedule_and_contacts_see_it_read_only(app, session, world):
    web = app.test_client()
    login(web, world.manager)
    assert web.post(f"{ARCHIVE}/schedule", data={"cadence": "biweekly"}).status_code == 302
    session.expire_all()
    assert session.get(Client, world.client.id).report_cadence == "biweekly"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "client.report_cadence")).one()
    assert entry.details == {"before": "off", "after": "biweekly"}
    page = web.get(ARCHIVE).get_data(as_text=True)
    assert 'id="cadence-biweekly" checked' in page and "Next report:" in page
    web.post(f"{ARCHIVE}/schedule", data={"cadence": "hourly"})
    session.expire_all()
    assert session.get(Client, world.client.id).report_cadence == "biweekly"

    contact = app.test_client()
    login(contact, world.viewer)
    page = contact.get(ARCHIVE).get_data(as_text=True)
    assert "Every two weeks" in page and 'id="schedule-form"' not in page and 'id="generate-form"' not in page
    assert contact.post(f"{ARCHIVE}/schedule", data={"cadence": "off"}).status_code == 403
    assert (
        contact.post(f"{ARCHIVE}/generate", data={"start": "2026-11-02", "end": "2026-11-08"}).status_code
        == 403
    )
    analyst = app.test_client()
    login(analyst, member(session.get(Agency, world.client.agency_id), "analyst"))
    assert analyst.post(f"{ARCHIVE}/schedule", data={"cadence": "off"}).status_code == 403


def test_downloads_answer_only_inside_the_tenant(app, session, world):
    agency = session.get(Agency, world.client.agency_id)
    own = _done_report(session, world.client)
    sibling = ClientFactory(agency_id=agency.id, name="Sibling Trattoria", slug="sibling")
    theirs = _done_report(session, sibling, csv="# report\r\nclient\r\nSibling secret\r\n")
    pending = Report(
        agency_id=agency.id,
        client_id=world.client.id,
        kind="on_demand",
        period_start=WEEK_START,
        period_end=WEEK_END,
        status="running",
    )
    session.add(pending)
    session.commit()
    contact = app.test_client()
    login(contact, world.viewer)
    assert contact.get(f"{ARCHIVE}/{own.id}/csv").status_code == 200
    assert contact.get(f"{ARCHIVE}/{own.id}/pdf").data == b"%PDF-1.4 test"
    # Another client's report under this client's address, and the other client's address: both 404.
    for url in (f"{ARCHIVE}/{theirs.id}/csv", f"/c/sibling/reports/archive/{theirs.id}/csv"):
        resp = contact.get(url)
        assert resp.status_code == 404 and b"Sibling secret" not in resp.data, url
    assert contact.get(f"{ARCHIVE}/{pending.id}/pdf").status_code == 404  # not finished
    assert contact.get(f"{ARCHIVE}/{own.id}/docx").status_code == 404
    page = contact.get(ARCHIVE).get_data(as_text=True)
    assert f"report-{own.id}-pdf" in page and f"report-{theirs.id}" not in page
    outsider = app.test_client()
    login(outsider, member(AgencyFactory()))
    assert outsider.get(f"{ARCHIVE}/{own.id}/pdf").status_code == 404
    assert outsider.get(ARCHIVE).status_code == 404


def test_the_api_lists_reports_and_serves_their_files_to_the_agency_only(app, session, world):
    agency = session.get(Agency, world.client.agency_id)
    report = _done_report(session, world.client)
    token = api_token(agency)
    web = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    listing = web.get(f"/api/v1/clients/{world.client.id}/reports", headers=headers).get_json()
    [item] = listing["data"]
    assert item["id"] == report.id and item["status"] == "done" and item["period_start"] == "2026-11-02"
    assert item["files"] == {
        "pdf": f"/api/v1/reports/{report.id}/pdf",
        "csv": f"/api/v1/reports/{report.id}/csv",
    }
    assert web.get(item["files"]["pdf"], headers=headers).data == b"%PDF-1.4 test"
    assert "Pizzeria Bella" in web.get(item["files"]["csv"], headers=headers).get_data(as_text=True)
    other = {"Authorization": f"Bearer {api_token(AgencyFactory(), 'cdz_other-agency-token-0000')}"}
    assert web.get(f"/api/v1/clients/{world.client.id}/reports", headers=other).status_code == 404
    assert web.get(item["files"]["csv"], headers=other).status_code == 404
    assert web.get("/api/v1/reports/999999/pdf", headers=headers).status_code == 404
    doc = web.get("/api/v1/openapi.json").get_json()
    assert "/clients/{client_id}/reports" in doc["paths"] and "Report" in doc["components"]["schemas"]


def test_the_archive_page_speaks_italian(app, session, world):
    world.manager.locale = "it"
    session.commit()
    _done_report(session, world.client, emailed_at=None)
    web = app.test_client()
    login(web, world.manager)
    page = web.get(ARCHIVE).get_data(as_text=True)
    assert "Genera ora" in page and "Pronto" in page and "Archivio dei report" in page
    assert "<td>2 nov 2026 – 8 nov 2026</td>" in page  # the period in Italian month names


def test_the_api_answers_another_agency_s_report_exactly_like_a_missing_one(app, session, world):
    report = _done_report(session, world.client)
    other = {"Authorization": f"Bearer {api_token(AgencyFactory(), 'cdz_other-agency-token-0000')}"}
    web = app.test_client()
    for fmt in ("pdf", "csv"):
        theirs = web.get(f"/api/v1/reports/{report.id}/{fmt}", headers=other)
        missing = web.get(f"/api/v1/reports/{report.id + 1000}/{fmt}", headers=other)
        # Same status, same body: the answer does not tell that the report id exists elsewhere.
        assert (theirs.status_code, theirs.get_json()) == (missing.status_code, missing.get_json())
        assert theirs.status_code == 404


def test_before_the_monday_send_time_the_next_report_is_last_week_s(app, session, world, monkeypatch):
    from datetime import UTC, datetime

    from web.views import reports as report_views

    world.client.report_cadence = "weekly"
    session.commit()
    web = app.test_client()
    login(web, world.manager)
    # Monday 9 November 2026, 03:00 in Rome: the week of 2-8 November goes out at 06:00 today.
    monkeypatch.setattr(report_views, "utcnow", lambda: datetime(2026, 11, 9, 2, tzinfo=UTC))
    page = web.get(ARCHIVE).get_data(as_text=True)
    assert "Next report: 2 Nov – 8 Nov 2026" in page and "Monday 9 Nov, 06:00" in page
    # From 06:00 on, it is this week's, on the next Monday.
    monkeypatch.setattr(report_views, "utcnow", lambda: datetime(2026, 11, 9, 5, tzinfo=UTC))
    page = web.get(ARCHIVE).get_data(as_text=True)
    assert "Next report: 9 Nov – 15 Nov 2026" in page and "Monday 16 Nov, 06:00" in page


def test_the_archive_page_escapes_the_client_s_name(app, session, world):
    world.client.name = "<script>alert(1)</script> & figli"
    session.commit()
    _done_report(session, world.client)
    web = app.test_client()
    login(web, world.manager)
    for page in (web.get(ARCHIVE).get_data(as_text=True), web.get(f"{ARCHIVE}/live").get_json()["html"]):
        assert "<script>alert(1)</script>" not in page
    assert "Reports of &lt;script&gt;alert(1)&lt;/script&gt; &amp; figli" in web.get(ARCHIVE).get_data(
        as_text=True
    )
