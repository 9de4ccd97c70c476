"""The publish log of a client (/c/<client_slug>/publish-log): every attempt, for staff only."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _

from tenants.models import Client
from tenants.permissions import Perm
from tenants.services import publish_actions
from web.context import db
from web.tenancy import client_view
from web.views.composer_state import format_local, network_name

bp = Blueprint("publish_log", __name__, url_prefix="/c/<client_slug>")


def outcome_label(outcome: str | None) -> str:
    """An attempt's outcome in the user's language."""
    labels = {
        "published": _("Published"),
        "found": _("Found already published"),
        "deleted": _("Deleted at the network"),
        "retry_later": _("Retry later"),
        "reconnect": _("Reconnect needed"),
        "rejected": _("Rejected"),
        "unknown": _("Outcome unknown"),
        "lost": _("Worker stopped"),
        "running": _("In progress"),
    }
    return labels.get(outcome or "running", outcome or "")


def kind_label(kind: str) -> str:
    """What an attempt was for, in the user's language."""
    labels = {"reconcile": _("Check with the network"), "delete": _("Delete")}
    return labels.get(kind, _("Publish"))


@bp.get("/publish-log")
@client_view(Perm.PUBLISH_LOG_VIEW)
def show(client: Client):
    outcome = request.args.get("outcome") or None
    outcome = outcome if outcome in publish_actions.LOG_OUTCOMES else None
    entries = publish_actions.publish_log(
        session=db(), client=client, membership=g.membership, outcome=outcome
    )
    return render_template(
        "posts/publish_log.html",
        client=client,
        entries=entries,
        outcome=outcome,
        outcomes=publish_actions.LOG_OUTCOMES,
        outcome_label=outcome_label,
        kind_label=kind_label,
        network_name=network_name,
        format_local=lambda moment: format_local(moment, client.timezone, "%d/%m/%Y %H:%M:%S"),
    )
