"""Pieces shared by the staff and workspace views: role names, client form fields, invitation mail."""

from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from tenants.models import Agency, Invitation
from tenants.services.notification_texts import render
from web.context import db, settings
from web.forms import ClientForm
from web.mailer import send_mail
from web.views.publish_panel import web_url


def role_label(role: str) -> str:
    """A role's name in the user's language."""
    labels = {
        "owner": _("Owner"),
        "admin": _("Admin"),
        "manager": _("Manager"),
        "editor": _("Editor"),
        "analyst": _("Analyst"),
        "approver": _("Client approver"),
        "viewer": _("Client viewer"),
    }
    return labels.get(str(role), str(role))


def client_fields(form: ClientForm) -> dict[str, object]:
    """The service's field dict from a submitted client form."""
    return {
        "name": form.name.data,
        "slug": form.slug.data or None,
        "timezone": form.timezone.data.strip(),
        "locale": form.locale.data,
        "brand_color": form.brand_color.data,
        "logo_url": form.logo_url.data or None,
    }


def mail_invitation(invitation: Invitation, token: str) -> None:
    """Email the invitation link (outbox or SMTP)."""
    agency = db().get(Agency, invitation.agency_id)
    send_mail(
        agency_id=agency.id,
        to=invitation.email,
        subject=_("%(agency)s invites you to Cadenza", agency=agency.name),
        template="invitation",
        agency=agency,
        inviter=current_user,
        role=role_label(invitation.role),
        link=settings().base_url + url_for("auth.accept_invite", token=token),
        hours=settings().invite_ttl_hours,
    )


def notification_text(item) -> str:
    """A notification's sentence in the reader's language."""
    return render(item.kind, item.params or {}, str(get_locale()))[1]


def notification_links(item) -> list[dict[str, str]]:
    """The network links a notification carries (a published post's), web addresses only."""
    links = (item.params or {}).get("links") or []
    return [
        {"label": f"{link.get('name', '')} {link.get('handle', '')}".strip(), "url": link["url"]}
        for link in links
        if isinstance(link, dict) and web_url(link.get("url"))
    ]
