"""The one OAuth callback of every network; the signed session says which attempt it finishes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.errors import DomainError, NotFound
from tenants.models import Client, OnboardingLink
from tenants.networks import NETWORKS
from tenants.permissions import Perm, role_allows
from tenants.services import onboarding
from tenants.services.access import get_visible_client, membership_in
from web import connect
from web.context import db
from web.extensions import limiter
from web.views.helpers import client_ip, translate

bp = Blueprint("oauth", __name__)


def _problem(message: str, back: str | None, status: int = 400):
    return render_template("accounts/problem.html", client=None, message=message, back=back), status


@bp.get("/oauth/<network>/callback")
@limiter.limit("30 per minute")
def callback(network: str):
    if network not in NETWORKS:
        return _problem(_("Unknown network."), None, 404)
    try:
        context = connect.take_state(request.args.get("state", ""), network)
    except DomainError as exc:
        return _problem(translate(exc), url_for("agency.home"), exc.status)
    client = db().get(Client, context["client_id"])
    actor = connect.Actor(user_id=context.get("user_id"), link_id=context.get("link_id"))
    back, pick_endpoint = _where_to(context, client)
    if client is None or client.deleted_at is not None or not _still_allowed(context, client):
        return _problem(_("This sign-in attempt is no longer valid. Start again."), None, 403)
    if request.args.get("error"):
        return _problem(
            _(
                "The connection was cancelled at %(network)s; nothing was saved.",
                network=NETWORKS[network].name,
            ),
            back,
        )
    try:
        tokens, accounts = connect.finish(context=context, code=request.args.get("code", ""))
        if len(accounts) == 1 or context.get("reconnect"):
            saved = connect.save(
                network=network,
                client=client,
                items=[connect.granted(tokens, accounts[0])],
                actor=actor,
                ip=client_ip(),
            )
            db().commit()
            flash(_("%(handle)s is connected.", handle=saved[0].handle), "success")
            return redirect(back)
        key = connect.hold_for_picker(context=context, tokens=tokens, accounts=accounts)
        db().commit()
    except DomainError as exc:
        db().rollback()
        return _problem(translate(exc), back, exc.status)
    return redirect(pick_endpoint(key))


def _where_to(context: dict, client: Client | None):
    if context.get("link_id"):
        token = context.get("onboarding_token") or ""
        return (
            url_for("onboarding.page", token=token),
            lambda key: url_for("onboarding.pick", token=token, key=key),
        )
    slug = client.slug if client else ""
    return (
        url_for("accounts.index", client_slug=slug),
        lambda key: url_for("accounts.pick", client_slug=slug, key=key),
    )


def _still_allowed(context: dict, client: Client) -> bool:
    """The same person may still manage this client's accounts, or the onboarding link still works."""
    if client.agency_id != context["agency_id"]:
        return False
    if context.get("user_id"):
        if not current_user.is_authenticated or current_user.id != context["user_id"]:
            return False
        membership = membership_in(session=db(), user_id=current_user.id, agency_id=client.agency_id)
        if membership is None or not role_allows(membership.role, Perm.ACCOUNTS_MANAGE):
            return False
        try:
            get_visible_client(session=db(), membership=membership, client_id=client.id)
        except NotFound:
            return False
        return True
    link = db().get(OnboardingLink, context.get("link_id"))
    return link is not None and link.client_id == client.id and onboarding.link_state(link) == "open"
