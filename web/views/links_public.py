"""The public edges of link tracking: short links (/l/<code>) and the conversion pixel (/p/<id>.gif).

No login: a short link answers only to its unguessable code and redirects only to its stored destination;
the pixel answers only to a real click id of its own client. Counting never stands in the way: if the
database cannot record a click, the visitor is still sent on; so are readers of a deleted client's posts,
with nothing recorded.
"""

from __future__ import annotations

import base64
import logging

from flask import Blueprint, Response, abort, redirect, request
from sqlalchemy.exc import SQLAlchemyError

from tenants.tracking import clicks, conversions, shortening
from web.context import db, settings
from web.views.helpers import client_ip

log = logging.getLogger("cadenza.links")
bp = Blueprint("links", __name__)

# The smallest transparent GIF (1x1).
PIXEL_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store, private", "X-Robots-Tag": "noindex, nofollow"}


@bp.get("/l/<code>")
def follow(code: str) -> Response:
    resolved = shortening.resolve(session=db(), code=code)
    if resolved is None:
        abort(404)
    target = _record(resolved) if resolved.counting else resolved.link.destination
    response = redirect(target, 302)
    response.headers.update(NO_STORE)
    return response


def _record(resolved: shortening.ResolvedLink) -> str:
    """Record the click and say where to send the browser (the bare destination if it cannot be recorded)."""
    link = resolved.link
    try:
        result = clicks.record_click(
            session=db(),
            agency_id=link.agency_id,
            client_id=link.client_id,
            link=link,
            timezone=resolved.timezone,
            hit=clicks.Hit(
                method=request.method,
                user_agent=request.headers.get("User-Agent"),
                ip=client_ip(),
                headers=request.headers,
            ),
            secret=settings().secret_key,
        )
        db().commit()
    except SQLAlchemyError:
        db().rollback()
        log.exception("click on %s not recorded", link.code)
        return link.destination
    return result.redirect_to


@bp.get("/p/<pixel_id>.gif")
def pixel(pixel_id: str) -> Response:
    if request.method == "GET":
        try:
            conversions.record_pixel_conversion(session=db(), pixel_id=pixel_id, params=request.args)
            db().commit()
        except SQLAlchemyError:
            db().rollback()
            log.exception("pixel conversion not recorded")
    return Response(PIXEL_GIF, mimetype="image/gif", headers=NO_STORE)
