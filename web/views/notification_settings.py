"""What a person asks to hear about: published posts of a client, or one post (on its page)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.errors import DomainError, NotFound
from tenants.models import Client
from tenants.permissions import Perm
from tenants.services import clients, publish_notices
from web.context import db
from web.tenancy import agency_view, client_view
from web.views.helpers import safe_next, translate
from web.views.posts import load_post

bp = Blueprint("notification_settings", __name__)


def _enabled() -> bool:
    return request.form.get("enabled") == "1"


@bp.get("/notifications/settings")
@agency_view()
def show():
    visible = clients.list_clients(session=db(), membership=g.membership)
    wanted = publish_notices.published_alerts(session=db(), membership=g.membership, user_id=current_user.id)
    return render_template("agency/notification_settings.html", clients=visible, wanted=wanted)


@bp.post("/c/<client_slug>/notifications/published")
@client_view(Perm.CLIENT_VIEW)
def published_posts(client: Client):
    try:
        publish_notices.set_published_alerts(
            session=db(),
            agency_id=client.agency_id,
            client_id=client.id,
            membership=g.membership,
            user=current_user,
            enabled=_enabled(),
        )
        db().commit()
    except NotFound:
        db().rollback()
        abort(404)
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
    else:
        message = (
            _("You will be told when posts of %(client)s are published.", client=client.name)
            if _enabled()
            else _("You will no longer be told when posts of %(client)s are published.", client=client.name)
        )
        flash(message, "success")
    return redirect(safe_next(request.form.get("next"), url_for("notification_settings.show")))


@bp.post("/c/<client_slug>/posts/<int:post_id>/watch")
@client_view(Perm.CLIENT_VIEW)
def watch_post(client: Client, post_id: int):
    post = load_post(client, post_id)
    try:
        publish_notices.set_watching(
            session=db(), post=post, membership=g.membership, user=current_user, enabled=_enabled()
        )
        db().commit()
    except NotFound:
        db().rollback()
        abort(404)
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
    else:
        flash(
            _("You will be told when this post is published.")
            if _enabled()
            else _("You will not be told about this post."),
            "success",
        )
    return redirect(url_for("posts.show", client_slug=client.slug, post_id=post.id, _anchor="watch"))
