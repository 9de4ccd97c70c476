"""Small helpers shared by views: turning domain errors into form messages, safe redirects."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import flash, request
from flask_babel import gettext
from flask_wtf import FlaskForm

from tenants.errors import DomainError


def translate(exc: DomainError) -> str:
    """The error's message in the user's language."""
    return gettext(exc.message, **exc.params)


def attach_error(form: FlaskForm, exc: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Show a service error next to its field(s), or at the top of the form; aliases rename service fields."""
    aliases = aliases or {}
    # A service that checks many values at once reports them all: {field: message}.
    many = exc.params.get("fields")
    messages = {n: gettext(m) for n, m in many.items()} if many else {exc.field: translate(exc)}
    for name, message in messages.items():
        field = getattr(form, aliases.get(name, name), None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login."""
    if not target:
        return default
    parsed = urlparse(target)
    # Browsers read a backslash as a slash: "/\\evil.example" would leave the site.
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def client_ip() -> str | None:
    """The caller's address as the app sees it (after ProxyFix, when configured)."""
    return request.remote_addr
