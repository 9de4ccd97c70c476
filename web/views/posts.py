"""The composer: write a post once, a variant per account, with live checks and per-network previews."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.errors import DomainError, NotFound
from tenants.models import Client, Post
from tenants.permissions import Perm
from tenants.services import approvals, links, local_time, plans, post_checks, posts
from tenants.services.local_time import TimeChoiceNeeded
from web.context import db
from web.extensions import limiter
from web.mailer import announce
from web.tenancy import client_view
from web.views import composer_state as cs
from web.views.helpers import translate

bp = Blueprint("posts", __name__, url_prefix="/c/<client_slug>/posts")


def status_label(status: str) -> str:
    """A post status in the user's language."""
    labels = {
        "draft": _("Draft"),
        "in_review": _("In internal review"),
        "awaiting_client": _("Awaiting client approval"),
        "approved": _("Approved"),
        "scheduled": _("Scheduled"),
    }
    return labels.get(status, status)


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
    checks = post.checks if post else None
    views = cs.variant_views(state, client, checks, post.id if post else None)
    unresolved = (checks or {}).get("unresolved", []) if post and post.status == "draft" else []
    context: dict[str, Any] = {
        "client": client,
        "post": post,
        "state": state,
        "views": views,
        "blocking": [
            {
                **item,
                "findings": [
                    f
                    for view in views.values()
                    if view["network"] == item["network"]
                    for f in view["findings"]
                    if f["code"] == item["code"]
                ],
            }
            for item in unresolved
        ],
        "pillars": pillars,
        "personas": personas,
        "status_label": status_label,
        "network_name": cs.network_name,
        "format_local": lambda moment: cs.format_local(moment, client.timezone),
        "post_findings": [cs.present_finding(f, "") for f in (checks or {}).get("post_findings", [])],
        "comments": approvals.comments_of(session=db(), post=post) if post else [],
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


@bp.post("/<int:post_id>/edit")
@client_view(Perm.POSTS_WRITE)
def save(client: Client, post_id: int):
    post = load_post(client, post_id)
    state = cs.from_form(request.form, cs.composer_accounts(db(), client, post))
    previous = cs.local_value(post, client.timezone)
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
        return _refused(client, load_post(client, post_id), state, exc)
    announce(outcome)
    flash(_("Changes saved."), "success")
    if outcome.post.status == "in_review" and outcome.notified:
        flash(_("The post changed after its approval, so it went back to review."), "info")
    return redirect(url_for("posts.show", client_slug=client.slug, post_id=post_id))


def _refused(client: Client, post: Post | None, state: cs.ComposerState, exc: DomainError):
    """Show the form again with what was typed, the reason, and the DST choice when one is needed."""
    db().rollback()
    if isinstance(exc, TimeChoiceNeeded):
        cs.offer_dst_choice(state, exc, client.timezone)
    flash(translate(exc), "error")
    return render_post_page(client, post, state, status=exc.status)


def _json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


@bp.post("/check")
@client_view(Perm.POSTS_WRITE)
@limiter.limit("240 per minute", key_func=lambda: f"composer-check:{current_user.id}")
def check(client: Client) -> Response:
    """Live checks while typing (no suggestions: they are slow): lengths, limits, findings, previews."""
    data = _json_body()
    post = load_post(client, data["post_id"]) if type(data.get("post_id")) is int else None
    accounts = {a.id: a for a in cs.composer_accounts(db(), client, post)}
    items = data.get("variants")
    if not isinstance(items, list) or len(items) > posts.MAX_TARGETS:
        abort(400)
    variants = []
    for item in items:
        account = accounts.get(item.get("account_id")) if isinstance(item, dict) else None
        text = item.get("text") if account is not None else None
        if not isinstance(text, str) or len(text) > posts.MAX_TEXT:
            abort(400)
        variants.append(
            post_checks.Variant(
                network=account.network,
                text=text.replace("\r\n", "\n"),
                media_count=len(next((t.media_ids for t in post.targets if t.account_id == account.id), []))
                if post
                else 0,
                account_id=account.id,
                text_limit=cs.account_limit(account),
            )
        )
    pillar = data.get("pillar") if isinstance(data.get("pillar"), str) else None
    results = post_checks.check_variants(
        session=db(),
        client=client,
        variants=variants,
        post=post,
        pillar=pillar or None,
        moment=_moment(client, data),
        suggest=False,
    )
    return jsonify(
        {
            "blocking": results["blocking"],
            "post_findings": [cs.present_finding(f, "") for f in results["post_findings"]],
            "results": [
                cs.present_result(
                    result,
                    variant.text,
                    links.apply_utm(
                        variant.text,
                        client.utm_template,
                        network=variant.network,
                        client_slug=client.slug,
                        post_id=post.id if post else None,
                    ),
                )
                for result, variant in zip(results["results"], variants, strict=True)
            ],
        }
    )


def _moment(client: Client, data: dict[str, Any]):
    """The planned instant typed so far, if it already means one; the checks run without it otherwise."""
    value, choice = data.get("scheduled_local"), data.get("dst_choice") or None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return local_time.to_utc(local_time.parse_local(value), client.timezone, choice)
    except DomainError:
        return None
