"""The composer: write a post once, a variant per account, with live checks and per-network previews."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.errors import DomainError, NotFound
from tenants.models import Client, Post
from tenants.permissions import Perm, is_client_role
from tenants.services import approvals, media, plans, post_checks, posts, publish_notices
from tenants.services.local_time import TimeChoiceNeeded
from web.context import db
from web.extensions import limiter
from web.mailer import announce
from web.tenancy import client_view
from web.views import composer_state as cs
from web.views import link_panel, live_checks, publish_panel
from web.views.helpers import translate
from web.views.post_labels import shown_post_status, status_label

bp = Blueprint("posts", __name__, url_prefix="/c/<client_slug>/posts")


def load_post(client: Client, post_id: int) -> Post:
    """The client's post as the current member may see it; 404 otherwise."""
    try:
        return posts.get_post(
            session=db(),
            agency_id=client.agency_id,
            client_id=client.id,
            post_id=post_id,
            membership=g.membership,
        )
    except NotFound:
        abort(404)


def render_post_page(
    client: Client, post: Post | None, state: cs.ComposerState | None = None, status: int = 200
) -> tuple[str, int]:
    """The composer (new or saved post) or, for readers, the post with its thread and actions."""
    accounts = cs.composer_accounts(db(), client, post)
    if state is None:
        state = (
            cs.from_post(post, accounts, client.timezone)
            if post
            else cs.ComposerState(variants=[cs.VariantField(a, False, "", False) for a in accounts])
        )
    plan = plans.current_plan(session=db(), agency_id=client.agency_id, client_id=client.id)
    pillars, personas = cs.plan_choices(plan)
    library = media.list_media(session=db(), agency_id=client.agency_id, client_id=client.id)
    by_id = {a.id: a for a in library}
    picked = [by_id[i] for i in state.media_ids if i in by_id]
    checks = post.checks if post else None
    views = cs.variant_views(state, client, checks, post.id if post else None)
    # Blocking findings stop every step before scheduling (an edit after submission can add one).
    before_queue = post is not None and post.status in ("draft", "in_review", "awaiting_client", "approved")
    unresolved = (checks or {}).get("unresolved", []) if before_queue else []
    context: dict[str, Any] = {
        "client": client,
        "post": post,
        "state": state,
        "views": views,
        "blocking": cs.blocking_items(unresolved, views),
        "pillars": pillars,
        "personas": personas,
        "status_label": status_label,
        "shown_post_status": shown_post_status,
        "publishing": publish_panel.panel(client, post) if post else None,
        "link_panel": link_panel.panel(client, post) if post else None,
        "network_name": cs.network_name,
        "format_local": lambda moment: cs.format_local(moment, client.timezone),
        "post_findings": [cs.present_finding(f, "") for f in (checks or {}).get("post_findings", [])],
        "comments": approvals.comments_of(session=db(), post=post, membership=g.membership) if post else [],
        "is_client_contact": is_client_role(g.membership.role),
        "watch": publish_notices.watch_state(
            session=db(), post=post, membership=g.membership, user_id=current_user.id
        )
        if post
        else None,
        "library": library,
        "thumbs": [
            (url_for("media.thumb", client_slug=client.slug, media_id=a.id), a.alt_text)
            for a in picked
            if a.thumb_key
        ],
    }
    return render_template("posts/page.html", **context), status


@bp.route("/new", methods=["GET", "POST"])
@client_view(Perm.POSTS_WRITE)
def new(client: Client):
    if request.method == "GET":
        return render_post_page(client, None)
    state = cs.from_form(request.form, cs.composer_accounts(db(), client))
    try:
        post = posts.create_post(
            session=db(),
            agency_id=client.agency_id,
            client_id=client.id,
            membership=g.membership,
            actor=current_user,
            data=cs.service_data(state),
        )
        db().commit()
    except DomainError as exc:
        return _refused(client, None, state, exc)
    flash(_("Draft saved."), "success")
    return redirect(url_for("posts.show", client_slug=client.slug, post_id=post.id))


@bp.get("/<int:post_id>")
@client_view(Perm.CLIENT_VIEW)
def show(client: Client, post_id: int):
    return render_post_page(client, load_post(client, post_id))


@bp.get("/<int:post_id>/status.json")
@client_view(Perm.CLIENT_VIEW)
def status(client: Client, post_id: int) -> Response:
    """The post's publishing state, polled by the panel while any account is not final."""
    response = jsonify(publish_panel.panel(client, load_post(client, post_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:post_id>/edit")
@client_view(Perm.POSTS_WRITE)
def save(client: Client, post_id: int):
    post = load_post(client, post_id)
    state = cs.from_form(request.form, cs.composer_accounts(db(), client, post))
    previous, status_before = cs.local_value(post, client.timezone), post.status
    try:
        outcome = approvals.edit(
            session=db(),
            post=post,
            membership=g.membership,
            actor=current_user,
            data=cs.service_data(state, previous),
        )
        db().commit()
    except DomainError as exc:
        return _refused(client, post, state, exc)
    announce(outcome)
    flash(_("Changes saved."), "success")
    if status_before != "in_review" and outcome.post.status == "in_review":
        flash(_("The content changed after it was submitted, so the post went back to review."), "info")
    return redirect(url_for("posts.show", client_slug=client.slug, post_id=post_id))


def _refused(client: Client, post: Post | None, state: cs.ComposerState, exc: DomainError):
    """Show the form again with what was typed, the reason, and the DST choice when one is needed."""
    db().rollback()
    if isinstance(exc, TimeChoiceNeeded):
        cs.offer_dst_choice(state, exc, client.timezone)
    flash(translate(exc), "error")
    return render_post_page(client, post, state, status=exc.status)


@bp.post("/check")
@client_view(Perm.POSTS_WRITE)
@limiter.limit("240 per minute", key_func=lambda: f"composer-check:{current_user.id}")
def check(client: Client) -> Response:
    """Live checks while typing (no suggestions: they are slow): lengths, limits, findings, previews."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    post = load_post(client, data["post_id"]) if type(data.get("post_id")) is int else None
    accounts = {a.id: a for a in cs.composer_accounts(db(), client, post)}
    picked = cs.media_ids_from(data.get("media_ids") if isinstance(data.get("media_ids"), list) else [])
    library = {
        a.id: a for a in media.list_media(session=db(), agency_id=client.agency_id, client_id=client.id)
    }
    try:
        assets = [library[i] for i in picked if i in library]
        variants = live_checks.variants_from_json(data.get("variants"), accounts, assets)
    except live_checks.BadRequest:
        abort(400)
    pillar = data.get("pillar")
    results = post_checks.check_variants(
        session=db(),
        client=client,
        variants=variants,
        post=post,
        pillar=pillar if isinstance(pillar, str) and pillar else None,
        moment=live_checks.moment_from_json(client, data),
        suggest=False,
    )
    return jsonify(live_checks.results_as_json(results, variants, client, post))
