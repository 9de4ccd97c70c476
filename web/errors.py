"""Error pages in the user's language for the UI, JSON bodies for the API; never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from tenants.errors import DomainError
from web.api.errors import domain_error_json, http_error_json, is_api_request
from web.views.helpers import translate


def _page_text(status: int, description: str | None) -> tuple[str, str]:
    texts = {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        401: (_("Please log in"), _("You need to log in to see this page.")),
        403: (_("Not allowed"), _("Your role does not allow this. Ask an agency owner or admin.")),
        404: (_("Not found"), _("This page does not exist, or it was deleted, or you have no access to it.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        410: (_("Link expired"), _("This link has expired or was already used.")),
        413: (_("Too large"), _("What you sent is too large.")),
        429: (_("Slow down"), _("Too many attempts. Wait a minute and try again.")),
    }
    if description == "no_membership":
        return _("No agency access"), _("Your account is not a member of any agency any more.")
    return texts.get(status, (_("Something went wrong"), _("We could not complete this. Please try again.")))


def register_error_handlers(app: Flask) -> None:
    """Install handlers for HTTP errors, domain errors and crashes."""

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if is_api_request():
            return http_error_json(exc)
        title, message = _page_text(exc.code or 500, exc.description)
        return render_template("error.html", title=title, message=message, status=exc.code), exc.code or 500

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        if is_api_request():
            return domain_error_json(exc)
        title, _message = _page_text(exc.status, None)
        return render_template(
            "error.html", title=title, message=translate(exc), status=exc.status
        ), exc.status

    @app.errorhandler(Exception)
    def _crash(exc: Exception):
        app.logger.exception("unhandled error", exc_info=exc)
        if is_api_request():
            return http_error_json(InternalServerError("Internal error; it was logged."))
        title, message = _page_text(500, None)
        return render_template("error.html", title=title, message=message, status=500), 500
