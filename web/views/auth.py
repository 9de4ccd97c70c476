"""Sign-up, login, logout, password reset, invitations and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from tenants.errors import DomainError, Gone, NotFound
from tenants.models import Agency
from tenants.services import accounts, agencies, audit, members
from tenants.services.access import memberships_of
from tenants.services.validation import LOCALES
from web.context import db, hasher, settings
from web.extensions import limiter
from web.forms import (
    AcceptExistingForm,
    AcceptInviteForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
)
from web.mailer import send_mail
from web.views.helpers import attach_error, client_ip, safe_next, translate

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_email_key() -> str:
    return "login-email:" + (request.form.get("email") or "").strip().lower()


def _start_session(user, *, remember: bool = False) -> None:
    session.clear()
    login_user(user, remember=remember)
    memberships = memberships_of(session=db(), user_id=user.id)
    if memberships:
        session["agency_id"] = memberships[0].agency_id


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_email_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("agency.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = accounts.authenticate(
            session=db(), hasher=hasher(), email=form.email.data, password=form.password.data
        )
        if user is None:
            audit_login_failure(form.email.data)
            flash(_("Wrong email or password."), "error")
        else:
            db().commit()
            _start_session(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data, url_for("agency.home")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def signup():
    if not settings().signup_enabled:
        abort(404)
    form = SignupForm()
    if form.validate_on_submit():
        try:
            _agency, owner = agencies.create_agency(
                session=db(),
                hasher=hasher(),
                name=form.agency_name.data,
                owner_email=form.email.data,
                owner_password=form.password.data,
                owner_name=form.name.data or "",
                locale=session.get("locale"),
            )
            db().commit()
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
        else:
            _start_session(owner)
            flash(_("Welcome to Cadenza! Create your first client."), "success")
            return redirect(url_for("agency.home"))
    return render_template("auth/signup.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"], key_func=_login_email_key)
@limiter.limit("30 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        found = accounts.start_password_reset(
            session=db(), email=form.email.data, ttl_minutes=settings().reset_ttl_minutes
        )
        if found:
            user, token = found
            memberships = memberships_of(session=db(), user_id=user.id)
            send_mail(
                # A dev outbox is read by the agency owner: file the link there only when the person belongs
                # to that one agency alone, so no agency can read the key to an account of another.
                agency_id=memberships[0].agency_id if len(memberships) == 1 else None,
                to=user.email,
                subject=_("Reset your Cadenza password"),
                template="password_reset",
                link=settings().base_url + url_for("auth.reset_password", token=token),
                minutes=settings().reset_ttl_minutes,
            )
        # Same answer whether or not the address exists.
        flash(_("If an account exists for that address, we sent a link to reset the password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        accounts.check_reset_token(session=db(), token=token)
    except (NotFound, Gone) as exc:
        return render_template("auth/link_problem.html", message=translate(exc)), exc.status
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.finish_password_reset(
                session=db(), hasher=hasher(), token=token, password=form.password.data
            )
            db().commit()
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
        else:
            flash(_("Your password was changed. Log in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def accept_invite(token: str):
    try:
        invitation = members.find_invitation(session=db(), token=token)
    except (NotFound, Gone) as exc:
        return render_template("auth/link_problem.html", message=translate(exc)), exc.status
    existing = accounts.find_user_by_email(session=db(), email=invitation.email)
    logged_in_as_invitee = (
        current_user.is_authenticated and existing is not None and current_user.id == existing.id
    )
    form = AcceptExistingForm() if existing is not None else AcceptInviteForm()
    if (existing is None or logged_in_as_invitee) and form.validate_on_submit():
        try:
            user = members.accept_invitation(
                session=db(),
                hasher=hasher(),
                token=token,
                name=getattr(form, "name", None) and form.name.data or "",
                password=getattr(form, "password", None) and form.password.data,
                locale=session.get("locale"),
                logged_in=current_user if logged_in_as_invitee else None,
            )
            db().commit()
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
        else:
            if not logged_in_as_invitee:
                _start_session(user)
            session["agency_id"] = invitation.agency_id
            flash(_("Welcome! You have joined the agency."), "success")
            return redirect(url_for("agency.home"))
    agency = db().get(Agency, invitation.agency_id)
    return render_template(
        "auth/accept_invite.html",
        form=form,
        invitation=invitation,
        agency=agency,
        existing=existing is not None,
        logged_in_as_invitee=logged_in_as_invitee,
        login_url=url_for("auth.login", next=url_for("auth.accept_invite", token=token)),
    )


@bp.post("/language")
def set_language():
    locale = request.form.get("locale", "")
    if locale not in (*LOCALES, "auto"):
        abort(400)
    if current_user.is_authenticated:
        accounts.set_locale(session=db(), user=current_user, locale=locale)
        db().commit()
    if locale == "auto":
        session.pop("locale", None)
    else:
        session["locale"] = locale
    return redirect(safe_next(request.form.get("next"), url_for("agency.home")))


def audit_login_failure(email: str) -> None:
    """Record repeated failures against a known account (for the owner's audit page)."""
    user = accounts.find_user_by_email(session=db(), email=email)
    if user is None:
        return
    for membership in memberships_of(session=db(), user_id=user.id):
        audit.record(
            session=db(),
            agency_id=membership.agency_id,
            action="user.login_failed",
            actor_label=email,
            target_type="user",
            target_id=user.id,
            ip_address=client_ip(),
        )
    db().commit()
