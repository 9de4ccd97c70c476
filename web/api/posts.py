"""API endpoints for posts: write, list, read, change, delete, approve, and delete at a network."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import Response, jsonify, request

from tenants.errors import N_, Invalid
from tenants.models import Client, Post
from tenants.models.posts import POST_STATUSES
from tenants.services import approvals, post_checks, posts, remote_delete
from web.api.auth import token_required
from web.api.views import _agency_client, _json_body, _label, _membership, bp
from web.context import db, redis
from web.mailer import announce
from worker.jobs.remote_delete import enqueue_requested_delete


def _as_dict(post: Post) -> dict:
    return posts.post_as_dict(post, timezone=db().get(Client, post.client_id).timezone)


def _post(post_id: int) -> Post:
    return posts.find_post(session=db(), membership=_membership(), post_id=post_id)


def _moment(name: str, *, end: bool = False) -> datetime | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid(N_("Use an ISO 8601 date or date-time."), field=name) from exc
    if len(value) == 10:
        parsed = datetime.combine(parsed.date() + timedelta(days=1 if end else 0), time(0))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@bp.post("/clients/<int:client_id>/posts")
@token_required
def create_post(client_id: int) -> tuple[Response, int]:
    client = _agency_client(client_id)
    post = posts.create_post(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        membership=_membership(),
        actor=None,
        actor_label=_label(),
        data=_json_body(),
        source="api",
    )
    db().commit()
    return jsonify(_as_dict(post)), 201


@bp.get("/clients/<int:client_id>/posts")
@token_required
def list_posts(client_id: int) -> Response:
    client = _agency_client(client_id)
    statuses = tuple(s for s in request.args.get("status", "").split(",") if s)
    if set(statuses) - set(POST_STATUSES):
        raise Invalid(N_("Unknown status; use: %(names)s."), field="status", names=", ".join(POST_STATUSES))
    items = posts.list_posts(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        membership=_membership(),
        start=_moment("from"),
        end=_moment("to", end=True),
        statuses=statuses,
        unscheduled=request.args.get("unscheduled") in ("1", "true"),
    )
    return jsonify({"data": [posts.post_as_dict(p, timezone=client.timezone) for p in items]})


@bp.get("/posts/<int:post_id>")
@token_required
def get_post(post_id: int) -> Response:
    return jsonify(_as_dict(_post(post_id)))


@bp.patch("/posts/<int:post_id>")
@token_required
def update_post(post_id: int) -> Response:
    post = _post(post_id)
    outcome = approvals.edit(
        session=db(), post=post, membership=_membership(), actor=None, actor_label=_label(), data=_json_body()
    )
    db().commit()
    announce(outcome)
    return jsonify(_as_dict(post))


@bp.delete("/posts/<int:post_id>")
@token_required
def delete_post(post_id: int) -> tuple[str, int]:
    post = _post(post_id)
    posts.delete_post(
        session=db(),
        agency_id=post.agency_id,
        client_id=post.client_id,
        post_id=post.id,
        membership=_membership(),
        actor=None,
        actor_label=_label(),
    )
    db().commit()
    return "", 204


@bp.delete("/posts/<int:post_id>/targets/<int:target_id>/remote")
@token_required
def delete_remote(post_id: int, target_id: int) -> tuple[Response, int]:
    """Delete one account's published post at its network; 202: a worker does it, the target says how."""
    post = _post(post_id)
    target = remote_delete.request_delete(
        session=db(),
        post=post,
        target_id=target_id,
        membership=_membership(),
        actor=None,
        actor_label=_label(),
    )
    db().commit()
    enqueue_requested_delete(redis(), target)
    return jsonify(_as_dict(post)), 202


def _revision(body: dict) -> int | None:
    """The revision the caller decided on, when it says (409 if the post changed since)."""
    revision = body.get("revision")
    if revision is not None and type(revision) is not int:
        raise Invalid(N_("'%(name)s' must be a whole number."), field="revision", name="revision")
    return revision


def _optional_body() -> dict:
    return _json_body() if request.content_length else {}


@bp.post("/posts/<int:post_id>/submit")
@token_required
def submit_post(post_id: int) -> Response:
    post = _post(post_id)
    outcome = approvals.submit(
        session=db(), post=post, membership=_membership(), actor=None, actor_label=_label()
    )
    db().commit()
    announce(outcome)
    return jsonify(_as_dict(post))


@bp.post("/posts/<int:post_id>/approve")
@token_required
def approve_post(post_id: int) -> Response:
    post, body = _post(post_id), _optional_body()
    note = body.get("note") or ""
    if not isinstance(note, str):
        raise Invalid(N_("'%(name)s' must be a text."), field="note", name="note")
    outcome = approvals.approve(
        session=db(),
        post=post,
        membership=_membership(),
        actor=None,
        actor_label=_label(),
        note=note[:2000],
        revision=_revision(body),
    )
    db().commit()
    announce(outcome)
    return jsonify(_as_dict(post))


@bp.post("/posts/<int:post_id>/reject")
@token_required
def reject_post(post_id: int) -> Response:
    post, body = _post(post_id), _optional_body()
    reason = body.get("reason")
    outcome = approvals.reject(
        session=db(),
        post=post,
        membership=_membership(),
        actor=None,
        actor_label=_label(),
        reason=reason if isinstance(reason, str) else "",
        revision=_revision(body),
    )
    db().commit()
    announce(outcome)
    return jsonify(_as_dict(post))


@bp.post("/posts/<int:post_id>/schedule")
@token_required
def schedule_post(post_id: int) -> Response:
    post, body = _post(post_id), _optional_body()
    moment = {k: body[k] for k in ("scheduled_at", "scheduled_local", "dst_choice") if k in body}
    if set(body) - {"scheduled_at", "scheduled_local", "dst_choice"}:
        raise Invalid(N_("Send only scheduled_at, or scheduled_local with dst_choice."), field="body")
    if moment:
        client = db().get(Client, post.client_id)
        posts.apply_changes(session=db(), client=client, post=post, data=moment)
    outcome = approvals.schedule(
        session=db(), post=post, membership=_membership(), actor=None, actor_label=_label()
    )
    db().commit()
    announce(outcome)
    return jsonify(_as_dict(post))


@bp.post("/posts/<int:post_id>/unschedule")
@token_required
def unschedule_post(post_id: int) -> Response:
    post = _post(post_id)
    approvals.unschedule(session=db(), post=post, membership=_membership(), actor=None, actor_label=_label())
    db().commit()
    return jsonify(_as_dict(post))


@bp.post("/posts/<int:post_id>/overrides")
@token_required
def override_check(post_id: int) -> Response:
    post, body = _post(post_id), _json_body()
    approvals.override(
        session=db(),
        post=post,
        membership=_membership(),
        actor=None,
        actor_label=_label(),
        code=str(body.get("code", "")),
        network=body.get("network"),
        reason=str(body.get("reason", "")),
    )
    db().commit()
    return jsonify(_as_dict(post))


@bp.post("/clients/<int:client_id>/posts/validate")
@token_required
def validate_post(client_id: int) -> Response:
    """Run the pre-publish checks on variants of a post; nothing is saved."""
    client = _agency_client(client_id)
    body = _json_body()
    variants = post_checks.variants_from_json(body.get("variants"))
    moment = (
        posts.parse_moment(body, client) if body.get("scheduled_at") or body.get("scheduled_local") else None
    )
    pillar = body.get("pillar") if isinstance(body.get("pillar"), str) else None
    return jsonify(
        post_checks.check_variants(
            session=db(), client=client, variants=variants, pillar=pillar, moment=moment, suggest=True
        )
    )
