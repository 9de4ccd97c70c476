"""Language choice: the user's preference, then the session's, then the browser's."""

from __future__ import annotations

from flask import g, request, session
from flask_login import current_user

from tenants.services.validation import LOCALES


def select_locale() -> str:
    """The locale for this request (an onboarding page speaks its client's language)."""
    if g.get("force_locale") in LOCALES:
        return g.force_locale
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    if session.get("locale") in LOCALES:
        return session["locale"]
    return request.accept_languages.best_match(LOCALES) or "en"


def select_timezone() -> str | None:
    """Dates on pages show in the open client's time zone, UTC elsewhere."""
    client = g.get("client")
    return client.timezone if client is not None else None
