"""Shared checks for names, slugs, time zones, colours, URLs and email addresses."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlparse
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email

from tenants.errors import N_, Invalid
from tenants.passwords import MIN_PASSWORD_LENGTH

LOCALES = ("it", "en")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_TIMEZONES = frozenset(available_timezones())


def slugify(text: str) -> str:
    """Lower-case ASCII slug of a name ('Caffè Rossi' -> 'caffe-rossi')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].strip("-") or "client"


def clean_name(value: object, *, field: str = "name", max_length: int = 120) -> str:
    """A required, trimmed, bounded display name."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(N_("A name is required."), field=field)
    value = " ".join(value.split())
    if len(value) > max_length:
        raise Invalid(N_("Use at most %(n)s characters."), field=field, n=max_length)
    return value


def clean_slug(value: object) -> str:
    """A URL slug: lower-case letters, digits and dashes."""
    if not isinstance(value, str) or not SLUG_RE.match(value):
        raise Invalid(N_("Use lower-case letters, digits and dashes (at most 60)."), field="slug")
    return value


def clean_timezone(value: object) -> str:
    """An IANA time zone name such as Europe/Rome."""
    if not isinstance(value, str) or value not in _TIMEZONES:
        raise Invalid(N_("Unknown time zone; use a name such as Europe/Rome."), field="timezone")
    return value


def clean_locale(value: object, *, field: str = "locale") -> str:
    """One of the languages Cadenza speaks."""
    if value not in LOCALES:
        raise Invalid(N_("Language must be 'it' or 'en'."), field=field)
    return str(value)


def clean_color(value: object) -> str:
    """A #rrggbb colour."""
    if not isinstance(value, str) or not COLOR_RE.match(value):
        raise Invalid(N_("Use a colour like #3b5bdb."), field="brand_color")
    return value.lower()


def clean_url(value: object, *, field: str) -> str | None:
    """An optional http(s) URL."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 500:
        raise Invalid(N_("Use an http(s) address of at most 500 characters."), field=field)
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise Invalid(N_("Use an http(s) address."), field=field)
    return value


def clean_email(value: object, *, field: str = "email") -> str:
    """A syntactically valid email address, lower-cased."""
    if not isinstance(value, str):
        raise Invalid(N_("Enter an email address."), field=field)
    try:
        info = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid(N_("This email address is not valid."), field=field) from exc
    return info.normalized.lower()


def clean_password(value: object, *, field: str = "password") -> str:
    """A password long enough to resist guessing."""
    if not isinstance(value, str) or len(value) < MIN_PASSWORD_LENGTH:
        raise Invalid(N_("Use at least %(n)s characters."), field=field, n=MIN_PASSWORD_LENGTH)
    if len(value) > 1024:
        raise Invalid(N_("This password is too long."), field=field)
    return value
