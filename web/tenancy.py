"""The tenant is resolved once, at the edge: membership, client from the URL, role check."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, session
from flask_login import current_user, login_required

from tenants.errors import NotFound
from tenants.models import Membership
from tenants.permissions import Perm, role_allows
from tenants.services.access import get_visible_client, memberships_of
from web.context import db


def load_membership() -> None:
    """before_request: pick the agency the logged-in user works in (kept in the session)."""
    g.membership = None
    g.memberships = []
    if not current_user.is_authenticated:
        return
    g.memberships = memberships_of(session=db(), user_id=current_user.id)
    wanted = session.get("agency_id")
    chosen = next((m for m in g.memberships if m.agency_id == wanted), None)
    g.membership = chosen or (g.memberships[0] if g.memberships else None)


def _require_membership() -> Membership:
    membership: Membership | None = g.get("membership")
    if membership is None:
        abort(403, description="no_membership")
    return membership


def agency_view(perm: Perm | None = None) -> Callable:
    """Login required, a membership in the current agency, and (optionally) a permission."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            membership = _require_membership()
            if perm is not None and not role_allows(membership.role, perm):
                abort(403)
            return view(*args, **kwargs)

        wrapper.cadenza_access = ("agency", perm)
        return wrapper

    return decorator


def user_view(view: Callable) -> Callable:
    """Login required; the page concerns only the user themself (no tenant data)."""
    wrapper = login_required(view)
    wrapper.cadenza_access = ("user", None)
    return wrapper


def client_view(perm: Perm = Perm.CLIENT_VIEW) -> Callable:
    """Resolve /c/<client_slug>/: 404 unless visible to this member, 403 if the role lacks perm."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, client_slug: str, **kwargs: Any) -> Any:
            membership = _require_membership()
            try:
                client = get_visible_client(session=db(), membership=membership, client_slug=client_slug)
            except NotFound:
                abort(404)
            if not role_allows(membership.role, perm):
                abort(403)
            g.client = client
            return view(*args, client=client, **kwargs)

        wrapper.cadenza_access = ("client", perm)
        return wrapper

    return decorator


def can(perm: Perm) -> bool:
    """Template helper: may the current member do this?"""
    membership = g.get("membership")
    return membership is not None and role_allows(membership.role, perm)
