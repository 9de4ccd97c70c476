"""The audit trail: record an action, list an agency's entries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import AuditEntry, Post, User


def record(
    *,
    session: Session,
    agency_id: int,
    action: str,
    actor: User | None = None,
    actor_label: str | None = None,
    client_id: int | None = None,
    target_type: str | None = None,
    target_id: object = None,
    details: dict | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the session (committed with the change it describes)."""
    entry = AuditEntry(
        agency_id=agency_id,
        client_id=client_id,
        actor_user_id=actor.id if actor else None,
        actor_label=actor_label or (actor.email if actor else "system"),
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details or {},
        ip_address=ip_address,
    )
    session.add(entry)
    return entry


def list_entries(
    *,
    session: Session,
    agency_id: int,
    client_ids: list[int] | None = None,
    limit: int = 200,
    before_id: int | None = None,
) -> list[AuditEntry]:
    """Newest-first audit entries of an agency, optionally only for some clients."""
    query = select(AuditEntry).where(AuditEntry.agency_id == agency_id)
    if client_ids is not None:
        query = query.where(AuditEntry.client_id.in_(client_ids))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))


def record_post(
    *,
    session: Session,
    post: Post,
    action: str,
    actor: User | None = None,
    actor_label: str | None = None,
    details: dict | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """An audit entry about a post, filed under its agency and client."""
    return record(
        session=session,
        agency_id=post.agency_id,
        client_id=post.client_id,
        action=action,
        actor=actor,
        actor_label=actor_label,
        target_type="post",
        target_id=post.id,
        details=details,
        ip_address=ip_address,
    )
