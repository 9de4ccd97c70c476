"""The client's communication plan page (/c/<client_slug>/plan): contacts read it, managers edit it."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.errors import DomainError
from tenants.models import Client
from tenants.networks import NETWORKS
from tenants.permissions import Perm
from tenants.services import plans
from web.context import db
from web.tenancy import client_view
from web.views.helpers import translate

bp = Blueprint("plan", __name__, url_prefix="/c/<client_slug>")


def _lines(name: str) -> list[str]:
    return [line.strip() for line in request.form.get(name, "").splitlines() if line.strip()]


def _personas() -> list[dict[str, str]]:
    """One persona per block of 'field: value' lines, blocks separated by a blank line."""
    personas, current = [], {}
    for line in request.form.get("personas", "").splitlines() + [""]:
        if not line.strip():
            if current:
                personas.append(current)
            current = {}
            continue
        key, _sep, value = line.partition(":")
        current[key.strip().lower().replace(" ", "_")] = value.strip()
    return personas


def _pillars() -> list[dict[str, object]]:
    pillars = []
    for line in _lines("pillars"):
        key, _sep, share = line.partition("=")
        try:
            pillars.append({"key": key.strip(), "target_share": float(share)})
        except ValueError:
            pillars.append({"key": key.strip(), "target_share": -1})
    return pillars


def _form_data() -> dict[str, object]:
    channels = [
        {
            "network": key,
            "role": request.form.get(f"role_{key}", ""),
            "posts_per_week": request.form.get(f"per_week_{key}", type=float) or 0,
        }
        for key in NETWORKS
        if request.form.get(f"channel_{key}")
    ]
    return {
        "objectives": _lines("objectives"),
        "personas": _personas(),
        "channels": channels,
        "tone": {
            "adjectives": _lines("adjectives"),
            "do_words": _lines("do_words"),
            "dont_words": _lines("dont_words"),
            "address": request.form.get("address"),
            "emoji": request.form.get("emoji"),
            "hashtag_policy": request.form.get("hashtag_policy", ""),
            "brand_hashtags": _lines("brand_hashtags"),
        },
        "pillars": _pillars(),
        "forbidden_words": _lines("forbidden_words"),
        "forbidden_topics": _lines("forbidden_topics"),
        "brand_words": _lines("brand_words"),
    }


@bp.get("/plan")
@client_view(Perm.CLIENT_VIEW)
def show(client: Client):
    plan = plans.current_plan(session=db(), agency_id=client.agency_id, client_id=client.id)
    return render_template("plan/show.html", client=client, plan=plan, networks=NETWORKS)


@bp.route("/plan/edit", methods=["GET", "POST"])
@client_view(Perm.PLAN_EDIT)
def edit(client: Client):
    current = plans.current_plan(session=db(), agency_id=client.agency_id, client_id=client.id)
    data = current.data if current else plans.clean_plan({})
    if request.method == "POST":
        submitted = _form_data()
        try:
            plans.save_plan(
                session=db(),
                agency_id=client.agency_id,
                client_id=client.id,
                membership=g.membership,
                actor=current_user,
                data=submitted,
            )
            db().commit()
        except DomainError as exc:
            db().rollback()
            flash(translate(exc), "error")
            data = submitted
        else:
            flash(_("Plan saved as a new version."), "success")
            return redirect(url_for("plan.show", client_slug=client.slug))
    return render_template(
        "plan/edit.html",
        client=client,
        data=data,
        networks=NETWORKS,
        channels={c["network"]: c for c in data.get("channels", [])},
    )
