"""A client's connected accounts and onboarding links, for staff (/c/<client_slug>/accounts)."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from tenants.errors import DomainError
from tenants.models import Agency, Client
from tenants.networks import NETWORKS
from tenants.permissions import Perm
from tenants.services import onboarding, pending, social_accounts
from tenants.services.validation import clean_email
from web import connect
from web.context import db, settings
from web.extensions import limiter
from web.mailer import send_mail
from web.tenancy import client_view
from web.views.helpers import client_ip, translate
from worker.networks.errors import ConnectorError

bp = Blueprint("accounts", __name__, url_prefix="/c/<client_slug>")


def _staff() -> connect.Actor:
    return connect.Actor(user_id=current_user.id)


@bp.get("/accounts")
@client_view(Perm.CLIENT_VIEW)
def index(client: Client):
    accounts = social_accounts.list_accounts(
        session=db(), agency_id=client.agency_id, client_id=client.id, include_disconnected=True
    )
    links = onboarding.list_links(session=db(), agency_id=client.agency_id, client_id=client.id)
    return render_template(
        "accounts/index.html",
        client=client,
        accounts=accounts,
        networks=NETWORKS,
        links=links,
        link_state=onboarding.link_state,
        new_link=session.pop("new_onboarding_link", None),
    )


@bp.post("/accounts/connect")
@client_view(Perm.ACCOUNTS_MANAGE)
@limiter.limit("30 per minute")
def start(client: Client):
    network = request.form.get("network", "")
    if network not in NETWORKS:
        flash(_("Choose a network."), "error")
        return redirect(url_for("accounts.index", client_slug=client.slug))
    if network == "bluesky":
        return redirect(url_for("accounts.bluesky", client_slug=client.slug))
    try:
        url = connect.start(
            network=network,
            client=client,
            actor=_staff(),
            instance=request.form.get("instance"),
            reconnect_account_id=request.form.get("reconnect", type=int),
        )
    except (DomainError, ConnectorError) as exc:
        flash(translate(exc) if isinstance(exc, DomainError) else exc.reason, "error")
        return redirect(url_for("accounts.index", client_slug=client.slug))
    return redirect(url)


@bp.route("/accounts/bluesky", methods=["GET", "POST"])
@client_view(Perm.ACCOUNTS_MANAGE)
@limiter.limit("10 per minute", methods=["POST"])
def bluesky(client: Client):
    error = None
    if request.method == "POST":
        try:
            tokens, account = connect.bluesky_session(
                handle=request.form.get("handle", ""), app_password=request.form.get("app_password", "")
            )
            connect.save(
                network="bluesky",
                client=client,
                items=[connect.granted(tokens, account)],
                actor=_staff(),
                ip=client_ip(),
            )
            db().commit()
        except DomainError as exc:
            db().rollback()
            error = translate(exc)
        else:
            flash(_("%(handle)s is connected.", handle=account.handle), "success")
            return redirect(url_for("accounts.index", client_slug=client.slug))
    return render_template(
        "accounts/bluesky.html",
        client=client,
        error=error,
        action=url_for("accounts.bluesky", client_slug=client.slug),
    )


@bp.route("/accounts/pick/<key>", methods=["GET", "POST"])
@client_view(Perm.ACCOUNTS_MANAGE)
def pick(client: Client, key: str):
    ids = dict(agency_id=client.agency_id, client_id=client.id, user_id=current_user.id)
    try:
        if request.method == "POST":
            saved = connect.save_picked(
                key=key,
                client=client,
                actor=_staff(),
                chosen_ids=request.form.getlist("account"),
                ip=client_ip(),
            )
            if not saved:
                db().rollback()
                flash(_("Choose at least one account."), "error")
                return redirect(url_for("accounts.pick", client_slug=client.slug, key=key))
            db().commit()
            flash(_("%(n)s account(s) connected.", n=len(saved)), "success")
            return redirect(url_for("accounts.index", client_slug=client.slug))
        network, payload = pending.peek(session=db(), cipher=connect.cipher(), key=key, **ids)
    except DomainError as exc:
        db().rollback()
        return render_template(
            "accounts/problem.html",
            client=client,
            message=translate(exc),
            back=url_for("accounts.index", client_slug=client.slug),
        ), exc.status
    return render_template(
        "accounts/pick.html", client=client, network=NETWORKS[network], accounts=payload["accounts"]
    )


@bp.post("/accounts/<int:account_id>/disconnect")
@client_view(Perm.ACCOUNTS_MANAGE)
def disconnect(client: Client, account_id: int):
    account = social_accounts.get_account(
        session=db(), agency_id=client.agency_id, client_id=client.id, account_id=account_id
    )
    connect.revoke_at_network(account)
    social_accounts.disconnect(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        account_id=account_id,
        actor=current_user,
    )
    db().commit()
    flash(_("%(handle)s is disconnected; its history stays.", handle=account.handle), "success")
    return redirect(url_for("accounts.index", client_slug=client.slug))


@bp.post("/onboarding")
@client_view(Perm.CONTACTS_MANAGE)
def create_link(client: Client):
    try:
        recipient = (
            clean_email(request.form["send_to"], field="send_to") if request.form.get("send_to") else None
        )
        link, token = onboarding.create_link(
            session=db(),
            agency_id=client.agency_id,
            client_id=client.id,
            membership=g.membership,
            actor=current_user,
            networks=request.form.getlist("networks"),
            days=request.form.get("days", type=int) or onboarding.DEFAULT_DAYS,
            max_accounts=request.form.get("max_accounts", type=int) or 10,
            message=request.form.get("message", ""),
        )
        db().commit()
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
        return redirect(url_for("accounts.index", client_slug=client.slug))
    if recipient:
        _mail_link(client, link, token, recipient)
        flash(_("The link was sent to %(email)s.", email=recipient), "success")
    return _show_new_link(client, token)


def _mail_link(client: Client, link, token: str, recipient: str) -> None:
    agency = db().get(Agency, client.agency_id)
    with force_locale(client.locale):
        send_mail(
            agency_id=client.agency_id,
            to=recipient,
            subject=_(
                "%(agency)s: connect the social accounts of %(client)s",
                agency=agency.name,
                client=client.name,
            ),
            template="onboarding_link",
            agency=agency,
            client=client,
            link_record=link,
            link=settings().base_url + url_for("onboarding.page", token=token),
        )


def _show_new_link(client: Client, token: str):
    # Shown once, through the session: a secret in a query string would end up in logs and history.
    session["new_onboarding_link"] = settings().base_url + url_for("onboarding.page", token=token)
    return redirect(url_for("accounts.index", client_slug=client.slug) + "#onboarding")


@bp.post("/onboarding/<int:link_id>/revoke")
@client_view(Perm.CONTACTS_MANAGE)
def revoke_link(client: Client, link_id: int):
    link = onboarding.get_link(session=db(), agency_id=client.agency_id, client_id=client.id, link_id=link_id)
    onboarding.revoke_link(session=db(), link=link, actor=current_user)
    db().commit()
    flash(_("The link no longer works."), "success")
    return redirect(url_for("accounts.index", client_slug=client.slug))


@bp.post("/onboarding/<int:link_id>/regenerate")
@client_view(Perm.CONTACTS_MANAGE)
def regenerate_link(client: Client, link_id: int):
    link = onboarding.get_link(session=db(), agency_id=client.agency_id, client_id=client.id, link_id=link_id)
    _new, token = onboarding.regenerate_link(
        session=db(), link=link, membership=g.membership, actor=current_user
    )
    db().commit()
    return _show_new_link(client, token)
