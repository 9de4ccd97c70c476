"""`make run`'s demo client gets weekly reports, last week's at once: the first sweep's job puts a PDF
report in the outbox for the client's contact, "n/a" wherever the young demo has no figures yet."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from tenants.demo import DEMO_APPROVER_EMAIL, DEMO_CLIENT_SLUG, seed_demo_data
from tenants.models import Client, OutboxMessage, Report, utcnow
from tenants.passwords import make_password_hasher
from tenants.reports import runner
from tenants.reports.periods import last_finished_period


def test_the_demo_client_gets_last_week_s_report_in_the_outbox(session, settings):
    seed_demo_data(session=session, hasher=make_password_hasher(settings))
    session.commit()
    client = session.scalars(select(Client).where(Client.slug == DEMO_CLIENT_SLUG)).one()
    assert client.report_cadence == "weekly"
    [report] = session.scalars(select(Report)).all()
    now = utcnow()
    assert (report.period_start, report.period_end) == last_finished_period(
        "weekly", now=now, timezone=client.timezone
    )
    # Whatever the hour, the sweep hands the row to a worker; the due-time rule adds no second one.
    assert [r.id for r in runner.runnable_reports(session=session, now=now)] == [report.id]
    runner.schedule_due_reports(session=session, now=now)
    session.commit()
    assert len(session.scalars(select(Report)).all()) == 1
    assert runner.run_report(session=session, settings=settings, report_id=report.id).outcome == "done"
    [mail] = session.scalars(select(OutboxMessage)).all()
    assert mail.to_address == DEMO_APPROVER_EMAIL and mail.subject.startswith(
        "Trattoria Da Mario: report social"
    )
    session.expire_all()
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(session.get(Report, report.id).pdf)).pages
    )
    assert "Report social · Trattoria Da Mario" in text and "Demo Agency" in text
    assert "non disponibile" in text  # no metrics were read before the demo started
    assert "Pubblicati rispetto al piano" in " ".join(text.split())
