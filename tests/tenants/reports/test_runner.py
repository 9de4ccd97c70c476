"""Scheduled reports are made exactly once per client and period: the sweep adds one row per due period
however often it runs, a run claims the row before working, a crash mid-way is resumed by a retry, and
the email reaches the client's contacts only, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tenants.models import Agency, OutboxMessage, Report
from tenants.reports import runner
from tenants.reports.periods import latest_due_period, next_report, period_containing, schedule_key
from tests.factories import AgencyFactory, ClientFactory, member
from tests.report_samples import WEEK_END, WEEK_START

# Monday 9 November 2026, 07:00 in Rome (UTC+1): the week of 2-8 November is due since 06:00.
MONDAY_MORNING = datetime(2026, 11, 9, 6, tzinfo=UTC)


def reports(session) -> list[Report]:
    session.expire_all()
    return list(session.scalars(select(Report).order_by(Report.id)))


def outbox(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.to_address)))


def schedule(session, now=MONDAY_MORNING) -> list[Report]:
    created = runner.schedule_due_reports(session=session, now=now)
    session.commit()
    return created


@pytest.fixture
def weekly(session, report_world):
    report_world.client.report_cadence = "weekly"
    session.commit()
    return report_world


def test_periods_are_local_weeks_and_due_on_monday_morning():
    assert period_containing("weekly", date(2026, 11, 4)) == (WEEK_START, WEEK_END)
    assert period_containing("weekly", WEEK_END) == (WEEK_START, WEEK_END)
    # Biweekly periods are pairs of weeks counted from a fixed Monday: the same on every machine.
    assert period_containing("biweekly", date(2026, 11, 4)) == period_containing(
        "biweekly", date(2026, 11, 13)
    )
    first, last = period_containing("biweekly", date(2026, 11, 4))
    assert first.weekday() == 0 and (last - first).days == 13
    assert period_containing("biweekly", last + timedelta(days=1))[0] == last + timedelta(days=1)
    rome = "Europe/Rome"
    # 05:59 in Rome is before the send time, 06:00 is on it.
    assert latest_due_period("weekly", now=datetime(2026, 11, 9, 4, 59, tzinfo=UTC), timezone=rome) is None
    assert latest_due_period("weekly", now=datetime(2026, 11, 9, 5, 0, tzinfo=UTC), timezone=rome) == (
        WEEK_START,
        WEEK_END,
    )
    # 06:00 in Rome is 01:00 in New York: each client's own zone decides.
    new_york = "America/New_York"
    assert latest_due_period("weekly", now=MONDAY_MORNING, timezone=new_york) is None
    assert latest_due_period("weekly", now=MONDAY_MORNING + timedelta(hours=5), timezone=new_york) == (
        WEEK_START,
        WEEK_END,
    )
    assert latest_due_period("off", now=MONDAY_MORNING, timezone=rome) is None


def test_the_next_report_is_the_one_that_just_ended_until_its_monday_send_time():
    rome = "Europe/Rome"
    # Monday 26 October 2026, the day after the clocks went back: 06:00 in Rome is 05:00 UTC again.
    assert next_report("weekly", now=datetime(2026, 10, 26, 4, 59, tzinfo=UTC), timezone=rome) == (
        date(2026, 10, 19),
        date(2026, 10, 25),
        datetime(2026, 10, 26, 6),
    )
    assert next_report("weekly", now=datetime(2026, 10, 26, 5, tzinfo=UTC), timezone=rome) == (
        date(2026, 10, 26),
        date(2026, 11, 1),
        datetime(2026, 11, 2, 6),
    )
    first, last = period_containing("biweekly", date(2026, 11, 4))
    mid = datetime.combine(first + timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    assert next_report("biweekly", now=mid, timezone=rome) == (
        first,
        last,
        datetime.combine(last, datetime.min.time()) + timedelta(days=1, hours=6),
    )
    assert next_report("off", now=mid, timezone=rome) is None


def test_the_sweep_adds_one_row_per_client_and_period_however_often_it_runs(session, weekly):
    other = ClientFactory(agency_id=AgencyFactory().id, report_cadence="biweekly")
    ClientFactory(agency_id=other.agency_id, report_cadence="off")
    ClientFactory(agency_id=other.agency_id, report_cadence="weekly", archived_at=MONDAY_MORNING)
    first = schedule(session)
    assert {(r.client_id, r.period_start, r.period_end) for r in first} == {
        (weekly.client.id, WEEK_START, WEEK_END),
        (other.id, *latest_due_period("biweekly", now=MONDAY_MORNING, timezone=other.timezone)),
    }
    # A second scheduler, a restart, the next minute: nothing new.
    assert schedule(session) == []
    assert schedule(session, MONDAY_MORNING + timedelta(days=3)) == []
    assert len(reports(session)) == 2
    row = next(r for r in reports(session) if r.client_id == weekly.client.id)
    assert (row.kind, row.status, row.schedule_key) == (
        "scheduled",
        "queued",
        schedule_key("weekly", WEEK_START, WEEK_END),
    )
    # A row already there (another scheduler's insert won the race) is left alone.
    assert (
        runner.schedule_period(
            session=session, client=weekly.client, cadence="weekly", start=WEEK_START, end=WEEK_END
        )
        is None
    )
    # The next Monday brings the next week.
    later = schedule(session, MONDAY_MORNING + timedelta(days=7))
    assert {(r.client_id, r.period_start, r.period_end) for r in later} == {
        (weekly.client.id, date(2026, 11, 9), date(2026, 11, 15)),
        (other.id, date(2026, 11, 2), date(2026, 11, 15)),
    }


def test_a_cadence_chosen_mid_period_starts_with_the_next_send_time_not_a_late_report(session, report_world):
    from tenants.reports.archive import set_cadence
    from tests.factories import membership_of

    client = report_world.client
    agency = session.get(Agency, client.agency_id)

    def choose(cadence, at):
        set_cadence(
            session=session,
            agency_id=agency.id,
            client_id=client.id,
            membership=membership_of(report_world.manager, agency),
            actor=report_world.manager,
            cadence=cadence,
            now=at,
        )
        session.commit()

    # Turned on on Wednesday 11 November: the page says the first report is 9-15 November, on the 16th.
    wednesday = datetime(2026, 11, 11, 10, tzinfo=UTC)
    choose("weekly", wednesday)
    assert next_report("weekly", now=wednesday, timezone=client.timezone)[:2] == (
        date(2026, 11, 9),
        date(2026, 11, 15),
    )
    assert schedule(session, wednesday) == []  # not the week of 2-8 November, mailed out of the blue
    [first] = schedule(session, datetime(2026, 11, 16, 5, tzinfo=UTC))
    assert (first.period_start, first.period_end) == (date(2026, 11, 9), date(2026, 11, 15))
    # Weekly to biweekly on Tuesday 17 November: no biweekly report of weeks the contacts already got.
    choose("biweekly", datetime(2026, 11, 17, 10, tzinfo=UTC))
    assert schedule(session, datetime(2026, 11, 17, 10, 1, tzinfo=UTC)) == []
    # A cadence chosen on a Monday before the send time still gets that morning's report.
    choose("weekly", datetime(2026, 11, 23, 4, tzinfo=UTC))
    [monday] = schedule(session, datetime(2026, 11, 23, 5, tzinfo=UTC))
    assert (monday.period_start, monday.period_end) == (date(2026, 11, 16), date(2026, 11, 22))


def test_two_runs_make_one_report_and_one_email_per_contact(session, settings, weekly):
    agency = session.get(Agency, weekly.client.agency_id)
    stranger = ClientFactory(agency_id=agency.id)
    outsider = AgencyFactory()
    member(outsider, "viewer", client=ClientFactory(agency_id=outsider.id), email="elsewhere@other.example")
    member(agency, "approver", client=stranger, email="other-client@bella.example")
    member(agency, "owner", email="owner@agency.example")
    gone = member(agency, "viewer", client=weekly.client, email="left@bella.example")
    gone.is_active = False
    session.commit()
    [report] = schedule(session)
    assert runner.run_report(
        session=session, settings=settings, report_id=report.id, now=MONDAY_MORNING
    ).outcome == ("done")
    second = runner.run_report(
        session=session, settings=settings, report_id=report.id, now=MONDAY_MORNING + timedelta(minutes=1)
    )
    assert second.outcome == "skipped" and second.message_ids == []
    [done] = reports(session)
    assert (done.status, done.progress, done.attempts, done.recipients) == ("done", 100, 1, 2)
    assert done.pdf.startswith(b"%PDF-") and done.pdf_bytes == len(done.pdf)
    assert done.csv.startswith("# report") and done.emailed_at == MONDAY_MORNING
    mails = outbox(session)
    # The client's own contacts only: not staff, not another client's contact, not a disabled login.
    assert [m.to_address for m in mails] == ["approver@bella.example", "viewer@bella.example"]
    italian, english = mails
    assert italian.subject == "Pizzeria Bella: report social 2 novembre 2026 – 8 novembre 2026"
    assert "il report social di Pizzeria Bella" in italian.body
    assert english.subject == "Pizzeria Bella: social media report 2 November 2026 – 8 November 2026"
    link = f"{settings.base_url}/c/pizzeria-bella/reports/archive/{done.id}/pdf"
    assert link in english.body and "- Followers: 1,284" in english.body
    assert all(m.status == "outbox" and m.agency_id == weekly.client.agency_id for m in mails)


def test_a_crash_mid_way_is_resumed_by_a_retry_once_its_lease_runs_out(
    session, settings, weekly, monkeypatch
):
    [report] = schedule(session)

    def killed(_data):
        raise SystemExit("worker killed while rendering")  # not an Exception: nothing records it

    monkeypatch.setattr(runner, "render_pdf", killed)
    with pytest.raises(SystemExit):
        runner.run_report(session=session, settings=settings, report_id=report.id, now=MONDAY_MORNING)
    session.rollback()
    [stuck] = reports(session)
    assert (stuck.status, stuck.progress, stuck.attempts) == ("running", 40, 1)
    assert outbox(session) == []
    monkeypatch.undo()
    # While the lease holds, the run may still be alive somewhere: neither the sweep nor a job takes it.
    soon = MONDAY_MORNING + timedelta(minutes=5)
    assert runner.runnable_reports(session=session, now=soon) == []
    assert (
        runner.run_report(session=session, settings=settings, report_id=report.id, now=soon).outcome
        == "skipped"
    )
    # Then the sweep hands it to a retry, which completes it.
    later = MONDAY_MORNING + runner.LEASE + timedelta(seconds=1)
    assert [r.id for r in runner.runnable_reports(session=session, now=later)] == [report.id]
    outcome = runner.run_report(session=session, settings=settings, report_id=report.id, now=later)
    assert outcome.outcome == "done" and len(outcome.message_ids) == 2
    [done] = reports(session)
    assert (done.status, done.attempts, done.progress) == ("done", 2, 100)
    assert len(outbox(session)) == 2
    assert schedule(session, later) == [] and len(reports(session)) == 1


def test_an_error_is_retried_then_fails_for_good_after_the_last_attempt(
    session, settings, weekly, monkeypatch
):
    [report] = schedule(session)

    def broken(_data):
        raise ValueError("renderer broke")

    monkeypatch.setattr(runner, "render_pdf", broken)
    first = runner.run_report(session=session, settings=settings, report_id=report.id, now=MONDAY_MORNING)
    assert first.outcome == "retry"
    [row] = reports(session)
    assert (row.status, row.attempts, row.error) == ("queued", 1, "ValueError: renderer broke")
    assert [r.id for r in runner.runnable_reports(session=session, now=MONDAY_MORNING)] == [report.id]
    assert runner.run_report(
        session=session, settings=settings, report_id=report.id, now=MONDAY_MORNING
    ).outcome == ("retry")
    assert runner.run_report(
        session=session, settings=settings, report_id=report.id, now=MONDAY_MORNING
    ).outcome == ("failed")
    [row] = reports(session)
    assert (row.status, row.attempts, row.finished_at) == ("failed", 3, MONDAY_MORNING)
    assert runner.runnable_reports(session=session, now=MONDAY_MORNING) == []
    assert outbox(session) == []


def test_a_run_that_lost_its_lease_writes_nothing(session, settings, weekly):
    [report] = schedule(session)
    stale = runner.claim(session=session, report_id=report.id, now=MONDAY_MORNING)
    later = MONDAY_MORNING + runner.LEASE + timedelta(minutes=1)
    fresh = runner.claim(session=session, report_id=report.id, now=later)
    assert (stale, fresh) == (1, 2)
    with pytest.raises(runner.Superseded):
        runner.set_progress(session=session, report_id=report.id, attempt=stale, progress=50, now=later)
    runner.set_progress(session=session, report_id=report.id, attempt=fresh, progress=60, now=later)
    [row] = reports(session)
    assert (row.status, row.attempts, row.progress) == ("running", 2, 60)


def test_an_on_demand_report_goes_to_done_and_emails_nobody(session, settings, report_world):
    from tenants.reports.archive import request_report
    from tests.factories import membership_of

    agency = session.get(Agency, report_world.client.agency_id)
    report = request_report(
        session=session,
        agency_id=agency.id,
        client_id=report_world.client.id,
        membership=membership_of(report_world.manager, agency),
        actor=report_world.manager,
        start=WEEK_START,
        end=date(2026, 11, 4),
        now=MONDAY_MORNING,
    )
    session.commit()
    assert (report.kind, report.status, report.progress, report.schedule_key) == (
        "on_demand",
        "queued",
        0,
        None,
    )
    outcome = runner.run_report(session=session, settings=settings, report_id=report.id, now=MONDAY_MORNING)
    assert (outcome.outcome, outcome.message_ids) == ("done", [])
    [row] = reports(session)
    assert (row.status, row.progress, row.created_by_id, row.emailed_at) == (
        "done",
        100,
        report_world.manager.id,
        None,
    )
    assert outbox(session) == []
