"""Agency-level pages: client list, team and roles, audit log, outbox, API tokens, account."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from wtforms.fields.choices import SelectChoice

from tenants.errors import DomainError, Forbidden, NotFound
from tenants.permissions import (
    LIMITABLE_ROLES,
    ROLE_PERMISSIONS,
    Perm,
    Role,
    assignable_roles,
    is_client_role,
    role_allows,
)
from tenants.services import accounts, api_tokens, audit, clients, mail, members, notifications
from tenants.services.access import sees_all_clients, visible_client_ids
from web.context import db, hasher, settings
from web.extensions import limiter
from web.forms import ApiTokenForm, ChangeRoleForm, ClientForm, InviteStaffForm, ProfileForm
from web.tenancy import agency_view, user_view
from web.views.common import client_fields, mail_invitation, role_label
from web.views.helpers import attach_error, translate

bp = Blueprint("agency", __name__)


@bp.get("/")
@agency_view()
def home():
    membership = g.membership
    if is_client_role(membership.role):
        client = db().get(clients.Client, membership.client_id)
        return redirect(url_for("workspace.home", client_slug=client.slug))
    show_archived = request.args.get("archived") == "1"
    items = clients.list_clients(session=db(), membership=membership, include_archived=show_archived)
    return render_template("agency/clients.html", clients=items, show_archived=show_archived)


@bp.route("/clients/new", methods=["GET", "POST"])
@agency_view(Perm.CLIENT_CREATE)
def new_client():
    form = ClientForm()
    if form.validate_on_submit():
        try:
            client = clients.create_client(
                session=db(),
                agency_id=g.membership.agency_id,
                membership=g.membership,
                actor=current_user,
                data=client_fields(form),
            )
            db().commit()
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
        else:
            flash(_("Client %(name)s created.", name=client.name), "success")
            return redirect(url_for("workspace.home", client_slug=client.slug))
    return render_template("agency/client_form.html", form=form, client=None)


def _client_choices() -> list[SelectChoice]:
    # Archived clients stay choosable, or saving a role would silently drop them from a member's limit.
    visible = clients.list_clients(session=db(), membership=g.membership, include_archived=True)
    return [SelectChoice(c.id, c.name) for c in visible]


def _staff_role_choices() -> list[SelectChoice]:
    return [
        SelectChoice(r.value, role_label(r))
        for r in assignable_roles(g.membership.role)
        if not is_client_role(r)
    ]


@bp.app_context_processor
def _labels() -> dict[str, object]:
    return {"role_label": role_label}


@bp.get("/team")
@agency_view(Perm.STAFF_VIEW)
def team():
    agency_id = g.membership.agency_id
    form = InviteStaffForm()
    form.role.choices = _staff_role_choices()
    form.clients.choices = _client_choices()
    visible = set(visible_client_ids(session=db(), membership=g.membership))
    everyone = members.list_members(session=db(), agency_id=agency_id)
    if not sees_all_clients(g.membership):
        # Contacts of clients this member cannot see are not theirs to know about.
        everyone = [m for m in everyone if m.client_id is None or m.client_id in visible]
    can_manage = role_allows(g.membership.role, Perm.STAFF_MANAGE)
    return render_template(
        "agency/team.html",
        members=everyone,
        form=form,
        visible_client_ids=visible,
        invitations=members.list_open_invitations(session=db(), agency_id=agency_id) if can_manage else [],
        can_manage=can_manage,
        assignable={r.value for r in assignable_roles(g.membership.role)},
    )


@bp.post("/team/invite")
@agency_view(Perm.STAFF_MANAGE)
@limiter.limit("50 per hour", key_func=lambda: f"invites:{current_user.id}")
def invite_staff():
    form = InviteStaffForm()
    form.role.choices = _staff_role_choices()
    form.clients.choices = _client_choices()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("agency.team"))
    try:
        invitation, token = members.invite(
            session=db(),
            agency_id=g.membership.agency_id,
            membership=g.membership,
            actor=current_user,
            email=form.email.data,
            role=form.role.data,
            limited_client_ids=form.clients.data if Role(form.role.data) in LIMITABLE_ROLES else None,
            ttl_hours=settings().invite_ttl_hours,
        )
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
        return redirect(url_for("agency.team"))
    mail_invitation(invitation, token)
    flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("agency.team"))


@bp.route("/team/<int:membership_id>/role", methods=["GET", "POST"])
@agency_view(Perm.STAFF_MANAGE)
def change_role(membership_id: int):
    target = db().get(members.Membership, membership_id)
    if target is None or target.agency_id != g.membership.agency_id or is_client_role(target.role):
        abort(404)
    form = ChangeRoleForm(role=target.role, clients=[c.id for c in target.limited_clients])
    form.role.choices = _staff_role_choices()
    form.clients.choices = _client_choices()
    if form.validate_on_submit():
        try:
            members.change_role(
                session=db(),
                agency_id=g.membership.agency_id,
                membership=g.membership,
                actor=current_user,
                membership_id=membership_id,
                role=form.role.data,
                limited_client_ids=form.clients.data,
            )
            db().commit()
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
        else:
            flash(_("Role updated."), "success")
            return redirect(url_for("agency.team"))
    return render_template("agency/change_role.html", form=form, target=target)


@bp.post("/team/<int:membership_id>/remove")
@agency_view(Perm.CLIENT_VIEW)
def remove_member(membership_id: int):
    try:
        members.remove_member(
            session=db(),
            agency_id=g.membership.agency_id,
            membership=g.membership,
            actor=current_user,
            membership_id=membership_id,
        )
        db().commit()
    except (NotFound, Forbidden) as exc:
        db().rollback()
        abort(exc.status)
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
    else:
        flash(_("Access removed."), "success")
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("agency.team")
    )


@bp.post("/team/invitations/<int:invitation_id>/revoke")
@agency_view(Perm.CLIENT_VIEW)
def revoke_invitation(invitation_id: int):
    try:
        members.revoke_invitation(
            session=db(),
            agency_id=g.membership.agency_id,
            membership=g.membership,
            actor=current_user,
            invitation_id=invitation_id,
        )
        db().commit()
    except (NotFound, Forbidden) as exc:
        db().rollback()
        abort(exc.status)
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
    else:
        flash(_("Invitation cancelled."), "success")
    return redirect(url_for("agency.team"))


@bp.get("/roles")
@agency_view(Perm.STAFF_VIEW)
def roles():
    return render_template(
        "agency/roles.html",
        roles=list(Role),
        perms=list(Perm),
        table=ROLE_PERMISSIONS,
        limitable=LIMITABLE_ROLES,
    )


@bp.get("/audit")
@agency_view(Perm.AUDIT_VIEW)
def audit_log():
    before = request.args.get("before", type=int)
    entries = audit.list_entries(session=db(), agency_id=g.membership.agency_id, before_id=before, limit=100)
    return render_template("agency/audit.html", entries=entries)


@bp.get("/outbox")
@agency_view(Perm.OUTBOX_VIEW)
def outbox():
    messages = mail.list_outbox(session=db(), agency_id=g.membership.agency_id)
    return render_template("agency/outbox.html", messages=messages)


@bp.route("/api-tokens", methods=["GET", "POST"])
@agency_view(Perm.API_TOKENS_MANAGE)
def tokens():
    form = ApiTokenForm()
    created = None
    if form.validate_on_submit():
        try:
            _token, created = api_tokens.create_token(
                session=db(), agency_id=g.membership.agency_id, name=form.name.data, actor=current_user
            )
            db().commit()
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
    items = api_tokens.list_tokens(session=db(), agency_id=g.membership.agency_id)
    return render_template("agency/tokens.html", form=form, tokens=items, created=created)


@bp.post("/api-tokens/<int:token_id>/revoke")
@agency_view(Perm.API_TOKENS_MANAGE)
def revoke_token(token_id: int):
    try:
        api_tokens.revoke_token(
            session=db(), agency_id=g.membership.agency_id, token_id=token_id, actor=current_user
        )
        db().commit()
    except DomainError:
        db().rollback()
        abort(404)
    flash(_("Token revoked."), "success")
    return redirect(url_for("agency.tokens"))


@bp.post("/agency/<int:agency_id>/switch")
@user_view
def switch_agency(agency_id: int):
    if not any(m.agency_id == agency_id for m in g.memberships):
        abort(404)
    session["agency_id"] = agency_id
    return redirect(url_for("agency.home"))


@bp.route("/account", methods=["GET", "POST"])
@user_view
def account():
    form = ProfileForm(locale=current_user.locale or "auto")
    if form.validate_on_submit():
        accounts.set_locale(session=db(), user=current_user, locale=form.locale.data)
        db().commit()
        session.pop("locale", None)
        flash(_("Preferences saved."), "success")
        return redirect(url_for("agency.account"))
    return render_template("agency/account.html", form=form)


@bp.post("/account/password")
@user_view
def change_password():
    try:
        accounts.change_password(
            session=db(),
            hasher=hasher(),
            user=current_user,
            current=request.form.get("current_password", ""),
            new=request.form.get("new_password", ""),
        )
        db().commit()
    except DomainError as exc:
        db().rollback()
        flash(translate(exc), "error")
        return redirect(url_for("agency.account"))
    # The login identity includes the password hash: renew this session, others end.
    login_user(current_user._get_current_object())
    flash(_("Password changed. Other sessions were logged out."), "success")
    return redirect(url_for("agency.account"))


@bp.route("/notifications", methods=["GET", "POST"])
@agency_view()
def notifications_page():
    agency_id, user_id = g.membership.agency_id, current_user.id
    if request.method == "POST":
        notifications.mark_all_read(session=db(), agency_id=agency_id, user_id=user_id)
        db().commit()
        return redirect(url_for("agency.notifications_page"))
    items = notifications.list_for_user(session=db(), agency_id=agency_id, user_id=user_id)
    return render_template("agency/notifications.html", items=items)
