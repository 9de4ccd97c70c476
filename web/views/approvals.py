"""Approvals: the client area's queue, one-click email links (/approve/<token>), and /posts/<id> redirects."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from tenants.errors import DomainError, Forbidden, Gone, NotFound
from tenants.models import Client, MediaAsset, Membership, Post, User
from tenants.permissions import Perm
from tenants.services import approval_queue, approvals, media, posts, social_accounts
from web.context import db, settings
from web.extensions import limiter
from web.mailer import announce
from web.tenancy import agency_view, client_view
from web.views.composer_state import format_local, network_name
from web.views.helpers import client_ip, translate
from web.views.posts import status_label

bp = Blueprint("approvals", __name__)


def _handles(client: Client) -> dict[int, str]:
    accounts = social_accounts.list_accounts(
        session=db(), agency_id=client.agency_id, client_id=client.id, include_disconnected=True
    )
    return {a.id: a.handle for a in accounts}


@bp.get("/c/<client_slug>/approvals")
@client_view(Perm.CLIENT_VIEW)
def queue(client: Client):
    items = approval_queue.awaiting(
        session=db(), agency_id=client.agency_id, client_id=client.id, membership=g.membership
    )
    return render_template(
        "posts/approvals.html",
        client=client,
        items=items,
        handles=_handles(client),
        status_label=status_label,
        network_name=network_name,
        format_local=lambda moment: format_local(moment, client.timezone),
    )


@bp.get("/posts/<int:post_id>")
@agency_view()
def open_post(post_id: int) -> Response:
    """Notification links name only the post; send the reader to it inside its client."""
    try:
        post = posts.find_post(session=db(), membership=g.membership, post_id=post_id)
    except NotFound:
        abort(404)
    client = db().get(Client, post.client_id)
    return redirect(url_for("posts.show", client_slug=client.slug, post_id=post.id))


def _no_store(response: Response) -> Response:
    # The page holds a secret link: no caches, no history snapshots to share.
    response.headers["Cache-Control"] = "no-store"
    return response


def _problem(exc: DomainError) -> Response:
    response = render_template("approvals/link_problem.html", message=translate(exc), client=None)
    return _no_store(Response(response, status=exc.status, mimetype="text/html"))


def _link_page(token: str, post: Post, membership: Membership, error: str | None = None, status: int = 200):
    client = db().get(Client, post.client_id)
    user = db().get(User, membership.user_id)
    g.force_locale = (user.locale if user else None) or client.locale
    page = render_template(
        "approvals/link.html",
        client=client,
        post=post,
        approver=user,
        token=token,
        handles=_handles(client),
        network_name=network_name,
        when=format_local(post.scheduled_at, client.timezone),
        error=error,
        assets=_assets_of(post),
    )
    return _no_store(Response(page, status=status, mimetype="text/html"))


def _assets_of(post: Post) -> dict[int, MediaAsset]:
    """The library files this post shows (on the post or on a variant), by id."""
    wanted = set(post.media_ids or []) | {i for t in post.targets for i in t.media_ids or []}
    found = media.list_media(session=db(), agency_id=post.agency_id, client_id=post.client_id)
    return {a.id: a for a in found if a.id in wanted}


@bp.get("/approve/<token>/media/<int:media_id>")
@limiter.limit("300 per minute")
def link_media(token: str, media_id: int) -> Response:
    """A file of the post under approval, for the approver who has the link (and only that post's files)."""
    try:
        _token, post, _membership = approvals.open_link(session=db(), token=token)
    except (Gone, Forbidden):
        abort(404)
    asset = _assets_of(post).get(media_id)
    path = media.media_path_of(settings(), asset) if asset else None
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=asset.mime, conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _no_store(response)


@bp.route("/approve/<token>", methods=["GET", "POST"])
@limiter.limit("60 per minute")
@limiter.limit("10 per minute", methods=["POST"])
def link(token: str) -> Response:
    """GET only shows the post (mail scanners prefetch links); POST decides, once."""
    if request.method == "GET":
        try:
            _token, post, membership = approvals.open_link(session=db(), token=token)
        except (Gone, Forbidden) as exc:
            return _problem(exc)
        return _link_page(token, post, membership)
    decision = request.form.get("decision", "")
    try:
        outcome = approvals.decide_by_link(
            session=db(),
            token=token,
            decision=decision,
            reason=request.form.get("reason", ""),
            ip_address=client_ip(),
        )
        db().commit()
    except (Gone, Forbidden) as exc:
        db().rollback()
        return _problem(exc)
    except DomainError as exc:
        db().rollback()
        error = translate(exc)
        try:
            _token, post, membership = approvals.open_link(session=db(), token=token)
        except (Gone, Forbidden) as gone:
            return _problem(gone)
        return _link_page(token, post, membership, error=error, status=exc.status)
    announce(outcome)
    client = db().get(Client, outcome.post.client_id)
    message = (
        _("Thank you: the post is approved. Your agency has been told.")
        if decision == "approve"
        else _("Thank you: the post went back to your agency with your request for changes.")
    )
    page = render_template("approvals/link_done.html", client=client, message=message)
    return _no_store(Response(page, status=200, mimetype="text/html"))
