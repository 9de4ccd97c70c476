"""A client's workspace at /c/<client_slug>/: home, settings, contacts, reports link."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from tenants.errors import DomainError
from tenants.models import Client
from tenants.permissions import CLIENT_ROLES, Perm, assignable_roles
from tenants.services import approval_queue, clients, members
from tenants.services.report_links import mint_link
from web.context import db, settings
from web.extensions import limiter
from web.forms import ClientForm, InviteContactForm
from web.tenancy import client_view
from web.views.common import client_fields, mail_invitation, role_label
from web.views.helpers import attach_error, translate

bp = Blueprint("workspace", __name__, url_prefix="/c/<client_slug>")


def _contact_form() -> InviteContactForm:
    form = InviteContactForm()
    form.role.choices = [
        SelectChoice(r.value, role_label(r)) for r in assignable_roles(g.membership.role) if r in CLIENT_ROLES
    ]
    return form


@bp.get("/")
@client_view()
def home(client: Client):
    count = clients.connected_account_count(session=db(), agency_id=client.agency_id, client_id=client.id)
    contacts = members.list_members(session=db(), agency_id=client.agency_id, client_id=client.id)
    awaiting = approval_queue.count_awaiting(
        session=db(), agency_id=client.agency_id, client_id=client.id, membership=g.membership
    )
    return render_template(
        "workspace/home.html", client=client, account_count=count, contacts=contacts, awaiting=awaiting
    )


@bp.route("/settings", methods=["GET", "POST"])
@client_view(Perm.CLIENT_EDIT)
def edit(client: Client):
    form = ClientForm(obj=client)
    if form.validate_on_submit():
        try:
            client = clients.update_client(
                session=db(),
                agency_id=client.agency_id,
                client_id=client.id,
                membership=g.membership,
                actor=current_user,
                data=client_fields(form) | {"slug": form.slug.data or client.slug},
            )
            db().commit()
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
        else:
            flash(_("Client updated."), "success")
            return redirect(url_for("workspace.home", client_slug=client.slug))
    return render_template("agency/client_form.html", form=form, client=client)


@bp.post("/archive")
@client_view(Perm.CLIENT_ARCHIVE)
def archive(client: Client):
    clients.set_archived(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        membership=g.membership,
        actor=current_user,
        archived=True,
    )
    db().commit()
    flash(_("%(name)s is archived. You can restore it at any time.", name=client.name), "success")
    return redirect(url_for("workspace.home", client_slug=client.slug))


@bp.post("/restore")
@client_view(Perm.CLIENT_ARCHIVE)
def restore(client: Client):
    clients.set_archived(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        membership=g.membership,
        actor=current_user,
        archived=False,
    )
    db().commit()
    flash(_("%(name)s is active again.", name=client.name), "success")
    return redirect(url_for("workspace.home", client_slug=client.slug))


@bp.post("/delete")
@client_view(Perm.CLIENT_DELETE)
def delete(client: Client):
    name = client.name
    clients.delete_client(
        session=db(),
        agency_id=client.agency_id,
        client_id=client.id,
        membership=g.membership,
        actor=current_user,
    )
    db().commit()
    flash(_("%(name)s was deleted.", name=name), "success")
    return redirect(url_for("agency.home"))


@bp.get("/contacts")
@client_view(Perm.CONTACTS_MANAGE)
def contacts(client: Client):
    return render_template(
        "workspace/contacts.html",
        client=client,
        form=_contact_form(),
        contacts=members.list_members(session=db(), agency_id=client.agency_id, client_id=client.id),
        invitations=members.list_open_invitations(
            session=db(), agency_id=client.agency_id, client_id=client.id
        ),
    )


@bp.post("/contacts/invite")
@client_view(Perm.CONTACTS_MANAGE)
@limiter.limit("50 per hour", key_func=lambda: f"invites:{current_user.id}")
def invite_contact(client: Client):
    form = _contact_form()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("workspace.contacts", client_slug=client.slug))
    try:
        invitation, token = members.invite(
            session=db(),
            agency_id=client.agency_id,
            membership=g.membership,
            actor=current_user,
            email=form.email.data,
            role=form.role.data,
            client_id=client.id,
            ttl_hours=settings().invite_ttl_hours,
        )
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
    else:
        mail_invitation(invitation, token)
        flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("workspace.contacts", client_slug=client.slug))


@bp.get("/reports")
@client_view(Perm.REPORTS_VIEW)
def reports(client: Client):
    return redirect(
        mint_link(
            settings=settings(), user_id=current_user.id, agency_id=client.agency_id, client_id=client.id
        )
    )
