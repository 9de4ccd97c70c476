"""Buttons on a post's page: submit, approve, reject, schedule, unschedule, publish now, retry or cancel
one account, delete one account's published post at its network, reopen a failed post, override, delete,
comment.

Each is a POST form calling one service; then commit, email what was notified, flash and redirect.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from tenants.errors import N_, DomainError, Forbidden, NotFound
from tenants.models import Client, Post
from tenants.permissions import Perm, role_allows
from tenants.services import approvals, posts, publish_actions, publish_notices, publishing, remote_delete
from web.context import db, redis
from web.mailer import announce, send_notification_mails
from web.tenancy import client_view
from web.views.composer_state import network_name
from web.views.helpers import safe_next, translate
from web.views.posts import load_post
from worker.jobs.remote_delete import enqueue_requested_delete

bp = Blueprint("post_actions", __name__, url_prefix="/c/<client_slug>/posts/<int:post_id>")


def _back(client: Client, post_id: int) -> Response:
    default = url_for("posts.show", client_slug=client.slug, post_id=post_id)
    return redirect(safe_next(request.form.get("next"), default))


Step = Callable[[Post], approvals.Outcome | None]


def _act(client: Client, post_id: int, step: Step, done: str) -> Response:
    """Run one workflow step on the post: 403/404 for access errors, a flash for the others."""
    post = load_post(client, post_id)
    try:
        outcome = step(post)
        db().commit()
    except approvals.ChecksBlocked as exc:
        # The failed submission ran the checks; keep their results so the page (and overrides) can use them.
        db().commit()
        flash(translate(exc), "error")
        return _back(client, post_id)
    except (Forbidden, NotFound) as exc:
        db().rollback()
        abort(exc.status)
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
        return _back(client, post_id)
    if outcome is not None:
        announce(outcome)
    flash(done, "success")
    return _back(client, post_id)


def _step(service: Callable, **extra: object) -> Callable[[Post], approvals.Outcome]:
    return lambda post: service(session=db(), post=post, membership=g.membership, actor=current_user, **extra)


@bp.post("/submit")
@client_view(Perm.POSTS_WRITE)
def submit(client: Client, post_id: int):
    return _act(client, post_id, _step(approvals.submit), _("Sent for approval."))


def _require_some_approval() -> None:
    approvers = (Perm.POSTS_APPROVE_INTERNAL, Perm.POSTS_APPROVE_CLIENT)
    if not any(role_allows(g.membership.role, perm) for perm in approvers):
        abort(403)


def _seen_revision() -> int | None:
    """The post revision the approver had on screen (forms carry it), so a newer one is not approved blind."""
    return request.form.get("revision", type=int)


@bp.post("/approve")
@client_view(Perm.CLIENT_VIEW)
def approve(client: Client, post_id: int):
    _require_some_approval()
    note = request.form.get("note", "").strip()[:2000]
    step = _step(approvals.approve, note=note, revision=_seen_revision())
    return _act(client, post_id, step, _("Post approved."))


@bp.post("/reject")
@client_view(Perm.CLIENT_VIEW)
def reject(client: Client, post_id: int):
    _require_some_approval()
    reason = request.form.get("reason", "")
    step = _step(approvals.reject, reason=reason, revision=_seen_revision())
    return _act(client, post_id, step, _("Post sent back with your reason."))


@bp.post("/schedule")
@client_view(Perm.POSTS_WRITE)
def schedule(client: Client, post_id: int):
    return _act(client, post_id, _step(approvals.schedule), _("Post scheduled."))


@bp.post("/unschedule")
@client_view(Perm.POSTS_WRITE)
def unschedule(client: Client, post_id: int):
    return _act(
        client, post_id, _step(approvals.unschedule), _("Post taken out of the queue; it stays approved.")
    )


@bp.post("/publish-now")
@client_view(Perm.POSTS_WRITE)
def publish_now(client: Client, post_id: int):
    step = _step(publish_actions.publish_now)
    return _act(client, post_id, step, _("Publishing now: each account's state shows below."))


@bp.post("/reopen")
@client_view(Perm.POSTS_WRITE)
def reopen(client: Client, post_id: int):
    step = _step(publish_actions.reopen_failed)
    return _act(client, post_id, step, _("Edit the post, then schedule it or publish it now."))


def _on_target(service: Callable, target_id: int) -> Step:
    """The step for one account of the post; an account of another post is simply not found."""

    def step(post: Post) -> None:
        if target_id not in {t.id for t in post.targets}:
            raise NotFound(N_("This account is not part of the post."))
        _step(service, target_id=target_id)(post)

    return step


@bp.post("/targets/<int:target_id>/retry")
@client_view(Perm.POSTS_WRITE)
def retry_target(client: Client, post_id: int, target_id: int):
    step = _on_target(publishing.retry_target, target_id)
    return _act(client, post_id, step, _("Trying this account again now."))


@bp.post("/targets/<int:target_id>/cancel")
@client_view(Perm.POSTS_WRITE)
def cancel_target(client: Client, post_id: int, target_id: int):
    cancel = _on_target(publishing.cancel_target, target_id)

    def step(post: Post) -> approvals.Outcome:
        cancel(post)
        # Cancelling the last account still waiting can leave the post published: tell those who asked.
        notified = publish_notices.notify_published(
            session=db(), agency_id=client.agency_id, client_id=client.id, post_id=post.id
        )
        return approvals.Outcome(post, notified=notified)

    return _act(client, post_id, step, _("This account will not get the post."))


@bp.post("/targets/<int:target_id>/delete-remote")
@client_view(Perm.POSTS_WRITE)
def delete_remote(client: Client, post_id: int, target_id: int):
    post = load_post(client, post_id)
    try:
        target = remote_delete.request_delete(
            session=db(), post=post, target_id=target_id, membership=g.membership, actor=current_user
        )
        db().commit()
    except (Forbidden, NotFound) as exc:
        db().rollback()
        abort(exc.status)
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
        return _back(client, post_id)
    enqueue_requested_delete(redis(), target)
    flash(_("Deleting the post from %(network)s.", network=network_name(target.network)), "success")
    return _back(client, post_id)


@bp.post("/override")
@client_view(Perm.CHECKS_OVERRIDE)
def override(client: Client, post_id: int):
    step = _step(
        approvals.override,
        code=request.form.get("code", ""),
        network=request.form.get("network") or None,
        reason=request.form.get("reason", ""),
    )

    def override_only(post: Post) -> None:
        step(post)  # returns the post, not an Outcome: nobody is notified of an override

    return _act(client, post_id, override_only, _("Check overridden for this version."))


@bp.post("/delete")
@client_view(Perm.POSTS_WRITE)
def delete(client: Client, post_id: int):
    load_post(client, post_id)
    try:
        posts.delete_post(
            session=db(),
            agency_id=client.agency_id,
            client_id=client.id,
            post_id=post_id,
            membership=g.membership,
            actor=current_user,
        )
        db().commit()
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
        return _back(client, post_id)
    flash(_("Post deleted."), "success")
    return redirect(url_for("workspace.home", client_slug=client.slug))


@bp.post("/comments")
@client_view(Perm.CLIENT_VIEW)
def comment(client: Client, post_id: int):
    post = load_post(client, post_id)
    try:
        _comment, notified = approvals.add_comment(
            session=db(),
            post=post,
            membership=g.membership,
            actor=current_user,
            body=request.form.get("body", ""),
            internal=request.form.get("internal") == "1",
        )
        db().commit()
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
        return _back(client, post_id)
    send_notification_mails(notified)
    flash(_("Comment added."), "success")
    return redirect(url_for("posts.show", client_slug=client.slug, post_id=post_id, _anchor="thread"))
