"""The page a client opens from an onboarding link (/connect/<token>): no login, the client's brand."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from tenants.errors import DomainError, Gone, NotFound
from tenants.models import Agency
from tenants.networks import NETWORKS
from tenants.services import audit, onboarding, pending, social_accounts
from web import connect
from web.context import db
from web.extensions import limiter
from web.mailer import send_notification_mails
from web.views.helpers import client_ip, translate
from worker.networks.errors import ConnectorError

bp = Blueprint("onboarding", __name__, url_prefix="/connect/<token>")
# Guessing tokens is pointless (256 bits) but cheap to slow down.
limiter.limit("120 per minute")(bp)


@bp.before_request
def _open_link():
    token = request.view_args.get("token", "")
    try:
        g.link, g.onboarding_client = onboarding.open_link(session=db(), token=token)
    except (NotFound, Gone) as exc:
        client = onboarding.client_of_token(session=db(), token=token) if isinstance(exc, Gone) else None
        if client is not None:
            g.force_locale = client.locale
        return render_template("onboarding/closed.html", client=client, message=translate(exc)), exc.status
    g.force_locale = g.onboarding_client.locale
    return None


def _actor() -> connect.Actor:
    return connect.Actor(link_id=g.link.id)


@bp.get("/")
def page(token: str):
    client = g.onboarding_client
    if not connect.seen_onboarding(g.link.id):
        audit.record(
            session=db(),
            agency_id=client.agency_id,
            client_id=client.id,
            action="onboarding.opened",
            actor_label="client via onboarding link",
            target_type="onboarding_link",
            target_id=g.link.id,
            details={"user_agent": request.headers.get("User-Agent", "")[:200]},
            ip_address=client_ip(),
        )
        db().commit()
    accounts = social_accounts.list_accounts(session=db(), agency_id=client.agency_id, client_id=client.id)
    return render_template(
        "onboarding/page.html",
        client=client,
        link=g.link,
        token=token,
        accounts=accounts,
        networks=[NETWORKS[n] for n in g.link.networks],
    )


@bp.post("/start")
@limiter.limit("20 per minute")
def start(token: str):
    network = request.form.get("network", "")
    if network not in g.link.networks:
        return redirect(url_for("onboarding.page", token=token))
    if network == "bluesky":
        return redirect(url_for("onboarding.bluesky", token=token))
    try:
        url = connect.start(
            network=network,
            client=g.onboarding_client,
            actor=_actor(),
            instance=request.form.get("instance"),
            onboarding_token=token,
        )
    except (DomainError, ConnectorError) as exc:
        message = translate(exc) if isinstance(exc, DomainError) else exc.reason
        return render_template(
            "onboarding/problem.html", client=g.onboarding_client, message=message, token=token
        ), 400
    return redirect(url)


@bp.route("/bluesky", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def bluesky(token: str):
    if "bluesky" not in g.link.networks:
        return redirect(url_for("onboarding.page", token=token))
    error = None
    if request.method == "POST":
        try:
            tokens, account = connect.bluesky_session(
                handle=request.form.get("handle", ""), app_password=request.form.get("app_password", "")
            )
            connect.save(
                network="bluesky",
                client=g.onboarding_client,
                items=[connect.granted(tokens, account)],
                actor=_actor(),
                ip=client_ip(),
            )
            db().commit()
        except DomainError as exc:
            db().rollback()
            error = translate(exc)
        else:
            return redirect(url_for("onboarding.page", token=token))
    return render_template(
        "accounts/bluesky.html",
        client=g.onboarding_client,
        error=error,
        action=url_for("onboarding.bluesky", token=token),
        public=True,
    )


@bp.route("/pick/<key>", methods=["GET", "POST"])
def pick(token: str, key: str):
    client = g.onboarding_client
    ids = dict(agency_id=client.agency_id, client_id=client.id, onboarding_link_id=g.link.id)
    try:
        if request.method == "POST":
            connect.save_picked(
                key=key,
                client=client,
                actor=_actor(),
                chosen_ids=request.form.getlist("account"),
                ip=client_ip(),
            )
            db().commit()
            return redirect(url_for("onboarding.page", token=token))
        network, payload = pending.peek(session=db(), cipher=connect.cipher(), key=key, **ids)
    except DomainError as exc:
        db().rollback()
        return render_template(
            "onboarding/problem.html", client=client, message=translate(exc), token=token
        ), 400
    return render_template(
        "accounts/pick.html",
        client=client,
        network=NETWORKS[network],
        accounts=payload["accounts"],
        public=True,
    )


@bp.post("/done")
def done(token: str):
    created = onboarding.complete(
        session=db(),
        link=g.link,
        client=g.onboarding_client,
        ip_address=client_ip(),
        user_agent=request.headers.get("User-Agent"),
    )
    send_notification_mails(created)
    agency = db().get(Agency, g.onboarding_client.agency_id)
    return render_template(
        "onboarding/closed.html",
        client=g.onboarding_client,
        thanks=True,
        message=_("Thank you! %(agency)s has been told that you are done.", agency=agency.name),
    )
