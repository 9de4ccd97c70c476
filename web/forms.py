"""WTForms forms (CSRF-protected through Flask-WTF); values are validated again by the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional, Regexp

from tenants.passwords import MIN_PASSWORD_LENGTH
from tenants.services.validation import COLOR_RE, SLUG_RE

LANGUAGE_CHOICES = [SelectChoice("it", "Italiano"), SelectChoice("en", "English")]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in"))
    next = HiddenField()


class SignupForm(FlaskForm):
    agency_name = StringField(_l("Agency name"), validators=[DataRequired(), Length(max=120)])
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("Work email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords differ."))],
    )


class AcceptInviteForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)])


class AcceptExistingForm(FlaskForm):
    """Accepting as the logged-in invitee: nothing to fill in."""


class ClientForm(FlaskForm):
    name = StringField(_l("Client name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        _l("Web address"),
        validators=[
            Optional(),
            Regexp(SLUG_RE, message=_l("Use lower-case letters, digits and dashes (at most 60).")),
        ],
    )
    timezone = StringField(_l("Time zone"), default="Europe/Rome", validators=[DataRequired()])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="it")
    brand_color = StringField(
        _l("Brand colour"),
        default="#3b5bdb",
        validators=[DataRequired(), Regexp(COLOR_RE, message=_l("Use a colour like #3b5bdb."))],
    )
    logo_url = StringField(
        _l("Logo address"), validators=[Optional(), URL(require_tld=False), Length(max=500)]
    )


class InviteStaffForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    role = SelectField(_l("Role"))
    clients = SelectMultipleField(_l("Limit to these clients (optional)"), coerce=int)


class InviteContactForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    role = SelectField(_l("Role"))


class ChangeRoleForm(FlaskForm):
    role = SelectField(_l("Role"))
    clients = SelectMultipleField(_l("Limit to these clients (optional)"), coerce=int)


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)])


class ProfileForm(FlaskForm):
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("auto", _l("Same as my browser")), *LANGUAGE_CHOICES]
    )
