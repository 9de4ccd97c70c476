"""API endpoints: who am I, and client workspaces."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, g, jsonify, request, url_for
from sqlalchemy import select

from tenants.errors import N_, Invalid, NotFound
from tenants.models import Client, Membership, SocialAccount
from tenants.networks import NETWORKS
from tenants.services import clients, media, onboarding, plans, social_accounts
from tenants.services.access import api_membership
from tenants.services.clients import client_as_dict
from web.api.auth import token_required
from web.api.errors import api_error
from web.api.openapi import openapi_document
from web.connect import revoke_at_network
from web.context import db, settings
from web.extensions import csrf
from web.uploads import large_upload

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _json_body() -> dict:
    if not request.is_json:
        abort(415, description="Send a JSON object with Content-Type: application/json.")
    try:
        data = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        abort(400, description="The body is not valid JSON.")
    if not isinstance(data, dict):
        raise Invalid(N_("The body must be a JSON object."))
    return data


def _agency_client(client_id: int) -> Client:
    query = select(Client).where(
        Client.id == client_id, Client.agency_id == g.api_agency.id, Client.deleted_at.is_(None)
    )
    client = db().scalars(query).first()
    if client is None:
        raise NotFound(N_("Client not found."))
    return client


def _membership() -> Membership:
    return api_membership(agency_id=g.api_agency.id)


def _label() -> str:
    return f"api-token:{g.api_token.name}"


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.get("/me")
@token_required
def me() -> Response:
    agency = g.api_agency
    return jsonify(
        {
            "agency": {"id": agency.id, "name": agency.name, "slug": agency.slug},
            "token": {"id": g.api_token.id, "name": g.api_token.name},
        }
    )


@bp.get("/clients")
@token_required
def list_clients() -> Response:
    include_archived = request.args.get("archived") in ("1", "true")
    query = select(Client).where(Client.agency_id == g.api_agency.id, Client.deleted_at.is_(None))
    if not include_archived:
        query = query.where(Client.archived_at.is_(None))
    items = [client_as_dict(c) for c in db().scalars(query.order_by(Client.name))]
    return jsonify({"data": items})


@bp.post("/clients")
@token_required
def create_client() -> tuple[Response, int]:
    data = _json_body()
    client = clients.create_client(
        session=db(),
        agency_id=g.api_agency.id,
        membership=_membership(),
        actor=None,
        actor_label=_label(),
        data=data,
    )
    db().commit()
    return jsonify(client_as_dict(client)), 201


@bp.get("/clients/<int:client_id>")
@token_required
def get_client(client_id: int) -> Response:
    return jsonify(client_as_dict(_agency_client(client_id)))


@bp.patch("/clients/<int:client_id>")
@token_required
def update_client(client_id: int) -> Response:
    data = _json_body()
    client = _agency_client(client_id)
    archived = data.pop("archived", None)
    if archived is not None and not isinstance(archived, bool):
        raise Invalid(N_("'archived' must be true or false."), field="archived")
    client = clients.update_client(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        membership=_membership(),
        actor=None,
        actor_label=_label(),
        data=data,
    )
    if archived is not None and archived != client.is_archived:
        clients.set_archived(
            session=db(),
            agency_id=client.agency_id,
            client_id=client.id,
            membership=_membership(),
            actor=None,
            actor_label=_label(),
            archived=archived,
        )
    db().commit()
    return jsonify(client_as_dict(client))


@bp.delete("/clients/<int:client_id>")
@token_required
def delete_client(client_id: int) -> tuple[str, int]:
    client = _agency_client(client_id)
    clients.delete_client(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        membership=_membership(),
        actor=None,
        actor_label=_label(),
    )
    db().commit()
    return "", 204


@bp.errorhandler(404)
def _not_found(_exc) -> Response:
    return api_error(404, "not_found", "Not found.")


@bp.get("/clients/<int:client_id>/accounts")
@token_required
def list_accounts(client_id: int) -> Response:
    client = _agency_client(client_id)
    items = social_accounts.list_accounts(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        include_disconnected=request.args.get("all") in ("1", "true"),
    )
    return jsonify({"data": [social_accounts.account_as_dict(a) for a in items]})


@bp.delete("/accounts/<int:account_id>")
@token_required
def delete_account(account_id: int) -> tuple[str, int]:
    account = db().get(SocialAccount, account_id)
    if account is None or account.agency_id != g.api_agency.id:
        raise NotFound(N_("Account not found."))
    _agency_client(account.client_id)
    revoke_at_network(account)
    social_accounts.disconnect(
        session=db(),
        agency_id=account.agency_id,
        client_id=account.client_id,
        account_id=account.id,
        actor=None,
        actor_label=_label(),
    )
    db().commit()
    return "", 204


@bp.get("/clients/<int:client_id>/onboarding-links")
@token_required
def list_onboarding_links(client_id: int) -> Response:
    client = _agency_client(client_id)
    links = onboarding.list_links(session=db(), agency_id=client.agency_id, client_id=client.id)
    return jsonify({"data": [onboarding.link_as_dict(link) for link in links]})


@bp.post("/clients/<int:client_id>/onboarding-links")
@token_required
def create_onboarding_link(client_id: int) -> tuple[Response, int]:
    client = _agency_client(client_id)
    data = _json_body()
    unknown = set(data) - {"networks", "days", "max_accounts", "message"}
    if unknown:
        raise Invalid(N_("Unknown field: %(name)s."), field=sorted(unknown)[0], name=sorted(unknown)[0])
    networks = data.get("networks", list(NETWORKS))
    if not isinstance(networks, list) or not all(isinstance(n, str) for n in networks):
        raise Invalid(N_("'networks' must be a list of network names."), field="networks")
    for key in ("days", "max_accounts"):
        if key in data and not isinstance(data[key], int):
            raise Invalid(N_("'%(name)s' must be a whole number."), field=key, name=key)
    link, token = onboarding.create_link(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        membership=_membership(),
        actor=None,
        actor_label=_label(),
        networks=networks,
        days=data.get("days", onboarding.DEFAULT_DAYS),
        max_accounts=data.get("max_accounts", 10),
        message=data.get("message") or "",
    )
    db().commit()
    body = onboarding.link_as_dict(link)
    body["url"] = settings().base_url + url_for("onboarding.page", token=token)
    return jsonify(body), 201


@bp.delete("/onboarding-links/<int:link_id>")
@token_required
def delete_onboarding_link(link_id: int) -> tuple[str, int]:
    link = onboarding.get_link(session=db(), agency_id=g.api_agency.id, link_id=link_id)
    _agency_client(link.client_id)
    onboarding.revoke_link(session=db(), link=link, actor=None, actor_label=_label())
    db().commit()
    return "", 204


@bp.get("/clients/<int:client_id>/plan")
@token_required
def get_plan(client_id: int) -> Response:
    client = _agency_client(client_id)
    plan = plans.current_plan(session=db(), agency_id=client.agency_id, client_id=client.id)
    if plan is None:
        raise NotFound(N_("This client has no communication plan yet."))
    return jsonify(plans.plan_as_dict(plan))


@bp.put("/clients/<int:client_id>/plan")
@token_required
def put_plan(client_id: int) -> Response:
    client = _agency_client(client_id)
    plan = plans.save_plan(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        membership=_membership(),
        actor=None,
        actor_label=_label(),
        data=_json_body(),
    )
    db().commit()
    return jsonify(plans.plan_as_dict(plan))


@bp.get("/clients/<int:client_id>/media")
@token_required
def list_media(client_id: int) -> Response:
    client = _agency_client(client_id)
    kind = request.args.get("kind")
    assets = media.list_media(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        kind=kind if kind in ("image", "video") else None,
    )
    return jsonify({"data": [media.media_as_dict(a) for a in assets]})


@bp.post("/clients/<int:client_id>/media")
@large_upload
@token_required
def upload_media(client_id: int) -> tuple[Response, int]:
    """Add one file to the client's library: 201 when new, 200 when the same bytes were already there."""
    client = _agency_client(client_id)
    upload = request.files.get("file")
    if upload is None:
        raise Invalid(N_("Send the file as the multipart form field 'file'."), field="file")
    data = upload.read()
    ids = {"agency_id": client.agency_id, "client_id": client.id}
    known = media.find_by_content(session=db(), sha256=media.content_hash(data), **ids)
    asset = media.store_upload(
        session=db(),
        settings=settings(),
        membership=_membership(),
        actor=None,
        actor_label=_label(),
        filename=upload.filename,
        data=data,
        alt_text=request.form.get("alt_text", ""),
        **ids,
    )
    db().commit()
    return jsonify(media.media_as_dict(asset)), 200 if known is not None else 201
