"""Telling a client's contacts that their report is ready: one outbox email each, with a link to it.

The outbox carries text only, so the email links to the archived report in the web app, where the
contact logs in; a public link to the file would let anyone holding a forwarded email read it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import Client, Membership, Report, User
from tenants.permissions import CLIENT_ROLES
from tenants.reports.data import ReportData
from tenants.reports.texts import kpi_label, kpi_value, language, period_label, printable_plain
from tenants.services import mail
from tenants.settings import Settings

HEADLINE_KPIS = ("followers", "follower_growth", "impressions", "engagement_rate", "posts_published")

SUBJECT = {
    "en": "%(client)s: social media report %(period)s",
    "it": "%(client)s: report social %(period)s",
}
BODY = {
    "en": (
        "Hello %(name)s,\n\n"
        "the social media report of %(client)s for %(period)s is ready.\n\n"
        "%(headlines)s\n\n"
        "Report (PDF): %(pdf)s\n"
        "Figures (CSV): %(csv)s\n"
        "Every report: %(archive)s\n\n"
        "The links open after you log in to Cadenza.\n\n"
        "%(agency)s\n"
    ),
    "it": (
        "Ciao %(name)s,\n\n"
        "il report social di %(client)s per il periodo %(period)s è pronto.\n\n"
        "%(headlines)s\n\n"
        "Report (PDF): %(pdf)s\n"
        "Dati (CSV): %(csv)s\n"
        "Tutti i report: %(archive)s\n\n"
        "I link si aprono dopo l'accesso a Cadenza.\n\n"
        "%(agency)s\n"
    ),
}


def client_contacts(*, session: Session, agency_id: int, client_id: int) -> list[User]:
    """The client's own people (approvers and viewers) whose login is active."""
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.agency_id == agency_id,
            Membership.client_id == client_id,
            Membership.role.in_([r.value for r in CLIENT_ROLES]),
            User.is_active.is_(True),
        )
        .order_by(User.email)
    )
    return list(session.scalars(query))


def archive_path(client: Client) -> str:
    """Where the web app lists the client's reports."""
    return f"/c/{client.slug}/reports/archive"


def email_contacts(
    *, session: Session, settings: Settings, report: Report, client: Client, data: ReportData
) -> list[int]:
    """Put one email per client contact in the outbox, in the contact's language; returns the message ids."""
    archive = settings.base_url + archive_path(client)
    ids = []
    for user in client_contacts(session=session, agency_id=client.agency_id, client_id=client.id):
        lang = language(user.locale or client.locale)
        period = period_label(report.period_start, report.period_end, lang)
        headlines = "\n".join(
            f"- {kpi_label(k.key, lang)}: {kpi_value(k.unit, k.value, lang)}"
            for k in data.kpis
            if k.key in HEADLINE_KPIS
        )
        values = {
            "name": printable_plain(user.name) or user.email,
            "client": printable_plain(client.name),
            "agency": printable_plain(data.agency_name),
            "period": period,
            "headlines": headlines,
            "pdf": f"{archive}/{report.id}/pdf",
            "csv": f"{archive}/{report.id}/csv",
            "archive": archive,
        }
        message = mail.compose(
            session=session,
            settings=settings,
            agency_id=client.agency_id,
            to=user.email,
            subject=SUBJECT[lang] % values,
            body=BODY[lang] % values,
        )
        ids.append(message.id)
    return ids
