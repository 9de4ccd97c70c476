"""Client workspaces: create, edit, archive, delete, list."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.checks.engine import DEFAULT_SEVERITY, SEVERITIES
from tenants.db import flush_or_conflict
from tenants.errors import N_, Conflict, Invalid, NotFound
from tenants.models import Client, Membership, SocialAccount, User, utcnow
from tenants.permissions import Perm
from tenants.services import audit
from tenants.services.access import get_visible_client, require, visible_clients_query
from tenants.services.agencies import unique_slug
from tenants.services.approvals import WORKFLOWS
from tenants.services.links import clean_utm_template
from tenants.services.validation import (
    clean_color,
    clean_locale,
    clean_name,
    clean_slug,
    clean_timezone,
    clean_url,
    slugify,
)

PUBLISHING_FIELDS = (
    "approval_workflow",
    "check_severities",
    "extra_offensive",
    "utm_template",
    "link_tracking",
)
MAX_EXTRA_OFFENSIVE = 300
EDITABLE_FIELDS = ("name", "slug", "timezone", "locale", "brand_color", "logo_url")
_CLEANERS = {
    "name": clean_name,
    "slug": clean_slug,
    "timezone": clean_timezone,
    "locale": clean_locale,
    "brand_color": clean_color,
    "logo_url": lambda v: clean_url(v, field="logo_url"),
}


def _clean_fields(data: Mapping[str, object]) -> dict[str, object]:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise Invalid(N_("Unknown field: %(name)s."), field=sorted(unknown)[0], name=sorted(unknown)[0])
    return {key: _CLEANERS[key](value) for key, value in data.items()}


def _same_agency(client: Client, agency_id: int) -> None:
    if client.agency_id != agency_id:
        raise NotFound(N_("Client not found."))


def _ensure_slug_free(*, session: Session, slug: str, except_id: int | None = None) -> None:
    query = select(Client.id).where(Client.slug == slug)
    if except_id is not None:
        query = query.where(Client.id != except_id)
    if session.scalars(query).first() is not None:
        raise Conflict(N_("This address is not available; choose another."), field="slug")


def list_clients(*, session: Session, membership: Membership, include_archived: bool = False) -> list[Client]:
    """Clients this member may see, by name."""
    return list(
        session.scalars(visible_clients_query(membership=membership, include_archived=include_archived))
    )


def create_client(
    *,
    actor_label: str | None = None,
    session: Session,
    agency_id: int,
    membership: Membership,
    actor: User | None,
    data: Mapping[str, object],
) -> Client:
    """Create a client workspace in the agency."""
    require(membership, Perm.CLIENT_CREATE)
    if membership.agency_id != agency_id:
        raise NotFound(N_("Client not found."))
    fields = _clean_fields({k: v for k, v in data.items() if v is not None})
    if "name" not in fields:
        raise Invalid(N_("A name is required."), field="name")
    if "slug" in fields:
        _ensure_slug_free(session=session, slug=fields["slug"])
    else:
        fields["slug"] = unique_slug(session=session, model=Client, base=slugify(fields["name"]))
    client = Client(agency_id=agency_id, **fields)
    session.add(client)
    flush_or_conflict(session, message=N_("This address is not available; choose another."), field="slug")
    if membership.limited:
        # A limited manager who creates a client must be able to open it.
        membership.limited_clients.append(client)
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client.id,
        action="client.created",
        actor=actor,
        actor_label=actor_label,
        target_type="client",
        target_id=client.id,
        details={"name": client.name},
    )
    session.flush()
    return client


def update_client(
    *,
    actor_label: str | None = None,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
    data: Mapping[str, object],
) -> Client:
    """Change a client's editable fields."""
    require(membership, Perm.CLIENT_EDIT)
    client = get_visible_client(session=session, membership=membership, client_id=client_id)
    _same_agency(client, agency_id)
    fields = _clean_fields(data)
    if "slug" in fields:
        _ensure_slug_free(session=session, slug=fields["slug"], except_id=client.id)
    changed = {k: v for k, v in fields.items() if getattr(client, k) != v}
    for key, value in changed.items():
        setattr(client, key, value)
    if changed:
        audit.record(
            session=session,
            agency_id=agency_id,
            client_id=client.id,
            action="client.updated",
            actor=actor,
            actor_label=actor_label,
            target_type="client",
            target_id=client.id,
            details={"fields": sorted(changed)},
        )
    flush_or_conflict(session, message=N_("This address is not available; choose another."), field="slug")
    return client


def set_archived(
    *,
    actor_label: str | None = None,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
    archived: bool,
) -> Client:
    """Archive (hide, keep everything) or restore a client."""
    require(membership, Perm.CLIENT_ARCHIVE)
    client = get_visible_client(session=session, membership=membership, client_id=client_id)
    _same_agency(client, agency_id)
    if archived and client.archived_at is None:
        client.archived_at = utcnow()
    elif not archived:
        client.archived_at = None
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client.id,
        action="client.archived" if archived else "client.restored",
        actor=actor,
        actor_label=actor_label,
        target_type="client",
        target_id=client.id,
    )
    session.flush()
    return client


def delete_client(
    *,
    actor_label: str | None = None,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
) -> None:
    """Delete a client: its URLs answer 404 from now on and its slug becomes free again."""
    require(membership, Perm.CLIENT_DELETE)
    client = get_visible_client(session=session, membership=membership, client_id=client_id)
    _same_agency(client, agency_id)
    client.deleted_at = utcnow()
    old_slug = client.slug
    # '~' cannot appear in a slug anyone can choose, so nobody can squat the retired name.
    client.slug = f"~deleted~{client.id}~{secrets.token_hex(6)}"
    # Contacts of a deleted client lose their access with it.
    for member in session.scalars(select(Membership).where(Membership.client_id == client.id)):
        session.delete(member)
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client.id,
        action="client.deleted",
        actor=actor,
        actor_label=actor_label,
        target_type="client",
        target_id=client.id,
        details={"name": client.name, "slug": old_slug},
    )
    session.flush()


def _clean_workflow(value: object) -> str:
    if value not in WORKFLOWS:
        raise Invalid(N_("Choose one of the approval workflows."), field="approval_workflow")
    return str(value)


def _clean_severities(value: object) -> dict[str, str]:
    """Only the checks set differently from the default are kept, so better defaults reach everyone."""
    if not isinstance(value, Mapping):
        raise Invalid(N_("Choose warning or blocking for each check."), field="check_severities")
    unknown = set(value) - set(DEFAULT_SEVERITY)
    if unknown or any(v not in SEVERITIES for v in value.values()):
        raise Invalid(N_("Choose warning or blocking for each check."), field="check_severities")
    return {code: str(v) for code, v in sorted(value.items()) if v != DEFAULT_SEVERITY[code]}


def _clean_words(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise Invalid(N_("Write one word per line."), field="extra_offensive")
    words = list(dict.fromkeys(" ".join(v.split()).lower() for v in value if v.strip()))
    if len(words) > MAX_EXTRA_OFFENSIVE or any(len(w) > 80 for w in words):
        raise Invalid(
            N_("Use at most %(n)s words of at most 80 characters."),
            field="extra_offensive",
            n=MAX_EXTRA_OFFENSIVE,
        )
    return words


def _clean_flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise Invalid(N_("Choose on or off."), field="link_tracking")
    return value


_PUBLISHING_CLEANERS = {
    "approval_workflow": _clean_workflow,
    "check_severities": _clean_severities,
    "extra_offensive": _clean_words,
    "utm_template": clean_utm_template,
    "link_tracking": _clean_flag,
}


def update_publishing_settings(
    *,
    actor_label: str | None = None,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
    data: Mapping[str, object],
) -> Client:
    """Change how the client's posts are approved and checked, the UTM template of their links and
    whether those links become tracked short links."""
    require(membership, Perm.CLIENT_EDIT)
    client = get_visible_client(session=session, membership=membership, client_id=client_id)
    _same_agency(client, agency_id)
    unknown = set(data) - set(PUBLISHING_FIELDS)
    if unknown:
        raise Invalid(N_("Unknown field: %(name)s."), field=sorted(unknown)[0], name=sorted(unknown)[0])
    fields = {key: _PUBLISHING_CLEANERS[key](value) for key, value in data.items()}
    changed = {k: v for k, v in fields.items() if (getattr(client, k) or type(v)()) != v}
    if not changed:
        return client
    before = {k: getattr(client, k) for k in changed}
    for key, value in changed.items():
        setattr(client, key, value)
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client.id,
        action="client.publishing_updated",
        actor=actor,
        actor_label=actor_label,
        target_type="client",
        target_id=client.id,
        details={"before": before, "after": changed},
    )
    session.flush()
    return client


def connected_account_count(*, session: Session, agency_id: int, client_id: int) -> int:
    """How many social accounts the client has connected."""
    query = select(func.count(SocialAccount.id)).where(
        SocialAccount.agency_id == agency_id,
        SocialAccount.client_id == client_id,
        SocialAccount.status != "disconnected",
    )
    return int(session.scalar(query) or 0)


def client_as_dict(client: Client) -> dict[str, object]:
    """The public JSON shape of a client."""
    return {
        "id": client.id,
        "name": client.name,
        "slug": client.slug,
        "timezone": client.timezone,
        "locale": client.locale,
        "brand_color": client.brand_color,
        "logo_url": client.logo_url,
        "archived": client.is_archived,
        "created_at": client.created_at.isoformat(),
    }
