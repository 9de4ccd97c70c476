"""A client's publishing settings (/c/<client_slug>/settings/publishing): approvals, checks, UTM links,
tracked short links."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.checks.engine import DEFAULT_SEVERITY
from tenants.errors import DomainError
from tenants.models import Client
from tenants.permissions import Perm
from tenants.services import clients
from web.context import db
from web.tenancy import client_view
from web.views.helpers import translate

bp = Blueprint("publishing", __name__, url_prefix="/c/<client_slug>/settings")


def check_labels() -> dict[str, str]:
    """What each check looks at, in the user's language."""
    return {
        "length": _("Text length over the network's limit"),
        "hashtags": _("Too many hashtags"),
        "media": _("Missing or too many images"),
        "offensive": _("Offensive or vulgar words"),
        "forbidden": _("Words the client does not want"),
        "spelling": _("Spelling"),
        "link": _("Broken-looking links"),
        "mix": _("Content mix (too many promotional posts)"),
        "duplicate": _("Same text recently on the same account"),
        "channel": _("Network not in the plan's channels"),
    }


def _form_data() -> dict[str, object]:
    data: dict[str, object] = {
        "approval_workflow": request.form.get("approval_workflow", ""),
        "check_severities": {code: request.form.get(f"severity_{code}", "") for code in DEFAULT_SEVERITY},
        "extra_offensive": request.form.get("extra_offensive", "").splitlines(),
        "utm_template": request.form.get("utm_template", ""),
    }
    # The checkbox comes after a hidden "0": a form without either leaves tracking as it is.
    switch = request.form.getlist("link_tracking")
    if switch:
        data["link_tracking"] = switch[-1] == "1"
    return data


@bp.route("/publishing", methods=["GET", "POST"])
@client_view(Perm.CLIENT_EDIT)
def edit(client: Client):
    values = {
        "approval_workflow": client.approval_workflow,
        "check_severities": {**DEFAULT_SEVERITY, **(client.check_severities or {})},
        "extra_offensive": list(client.extra_offensive or []),
        "utm_template": client.utm_template or "",
        "link_tracking": client.link_tracking,
    }
    status = 200
    if request.method == "POST":
        submitted = _form_data()
        try:
            clients.update_publishing_settings(
                session=db(),
                agency_id=client.agency_id,
                client_id=client.id,
                membership=g.membership,
                actor=current_user,
                data=submitted,
            )
            db().commit()
        except DomainError as exc:
            db().rollback()
            flash(translate(exc), "error")
            values, status = {"link_tracking": client.link_tracking, **submitted}, exc.status
        else:
            flash(_("Publishing settings saved."), "success")
            return redirect(url_for("publishing.edit", client_slug=client.slug))
    return render_template(
        "settings/publishing.html", client=client, values=values, labels=check_labels()
    ), status
