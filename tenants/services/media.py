"""A client's media library: uploads typed by their content, cleaned of metadata, stored with thumbnails."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from tenants.checks.media import human_size, media_findings
from tenants.errors import N_, Conflict, Invalid, NotFound
from tenants.models import MediaAsset, Membership, Post, User, utcnow
from tenants.permissions import Perm
from tenants.services import audit
from tenants.services.access import get_visible_client, require
from tenants.services.media_files import Prepared, clean_filename, content_hash, prepare, write_atomic
from tenants.settings import Settings

__all__ = [
    "clean_filename",
    "content_hash",
    "delete_media",
    "find_by_content",
    "get_media",
    "list_media",
    "media_as_dict",
    "media_findings",
    "media_path_of",
    "store_upload",
    "update_alt_text",
]

MAX_ALT_TEXT = 1000


def find_by_content(*, session: Session, agency_id: int, client_id: int, sha256: str) -> MediaAsset | None:
    """The client's live asset uploaded from exactly these bytes, if any."""
    query = select(MediaAsset).where(
        MediaAsset.agency_id == agency_id,
        MediaAsset.client_id == client_id,
        MediaAsset.sha256 == sha256,
        MediaAsset.deleted_at.is_(None),
    )
    return session.scalars(query.order_by(MediaAsset.id)).first()


def store_upload(
    *,
    session: Session,
    settings: Settings,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
    filename: str | None,
    data: bytes,
    alt_text: str = "",
    actor_label: str | None = None,
) -> MediaAsset:
    """Type, clean and store one uploaded file; the same bytes again give back the existing asset."""
    require(membership, Perm.POSTS_WRITE)
    get_visible_client(session=session, membership=membership, client_id=client_id)
    name = clean_filename(filename)
    alt_text = _clean_alt(alt_text)
    if not data:
        raise Invalid(N_("%(name)s is empty."), field="file", name=name)
    if len(data) > settings.max_upload_bytes:
        raise Invalid(
            N_("%(name)s is larger than %(limit)s."),
            field="file",
            name=name,
            limit=human_size(settings.max_upload_bytes),
        )
    digest = content_hash(data)
    existing = find_by_content(session=session, agency_id=agency_id, client_id=client_id, sha256=digest)
    if existing is not None:
        if alt_text and not existing.alt_text:
            existing.alt_text = alt_text
        return existing
    prepared = prepare(name, data)
    asset = MediaAsset(
        agency_id=agency_id,
        client_id=client_id,
        kind=prepared.kind,
        mime=prepared.mime,
        size_bytes=len(prepared.data),
        width=prepared.width,
        height=prepared.height,
        sha256=digest,
        alt_text=alt_text,
        original_name=name,
        created_by_id=actor.id if actor else None,
    )
    _save_files(session, settings, asset, prepared)
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        action="media.uploaded",
        actor=actor,
        actor_label=actor_label,
        target_type="media",
        target_id=asset.id,
        details={"name": name, "kind": asset.kind, "size_bytes": asset.size_bytes},
    )
    return asset


def list_media(
    *, session: Session, agency_id: int, client_id: int, kind: str | None = None
) -> list[MediaAsset]:
    """The client's live assets, newest first, optionally only images or only videos."""
    query = select(MediaAsset).where(
        MediaAsset.agency_id == agency_id,
        MediaAsset.client_id == client_id,
        MediaAsset.deleted_at.is_(None),
    )
    if kind is not None:
        query = query.where(MediaAsset.kind == kind)
    return list(session.scalars(query.order_by(MediaAsset.created_at.desc(), MediaAsset.id.desc())))


def get_media(*, session: Session, agency_id: int, client_id: int, media_id: int) -> MediaAsset:
    """One live asset of this client; NotFound for another client's or a deleted one."""
    query = select(MediaAsset).where(
        MediaAsset.id == media_id,
        MediaAsset.agency_id == agency_id,
        MediaAsset.client_id == client_id,
        MediaAsset.deleted_at.is_(None),
    )
    asset = session.scalars(query).first()
    if asset is None:
        raise NotFound(N_("Media not found."))
    return asset


def update_alt_text(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
    media_id: int,
    alt_text: str,
    actor_label: str | None = None,
) -> MediaAsset:
    """Set the description that screen readers (and the networks) get for this asset."""
    require(membership, Perm.POSTS_WRITE)
    get_visible_client(session=session, membership=membership, client_id=client_id)
    asset = get_media(session=session, agency_id=agency_id, client_id=client_id, media_id=media_id)
    asset.alt_text = _clean_alt(alt_text)
    session.flush()
    return asset


def delete_media(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
    media_id: int,
    actor_label: str | None = None,
) -> MediaAsset:
    """Take the asset out of the library (soft delete: posts that used it keep their history)."""
    require(membership, Perm.POSTS_WRITE)
    get_visible_client(session=session, membership=membership, client_id=client_id)
    asset = get_media(session=session, agency_id=agency_id, client_id=client_id, media_id=media_id)
    users = posts_using(session=session, agency_id=agency_id, client_id=client_id, media_id=asset.id)
    if users:
        raise Conflict(
            N_("%(n)s planned posts use this file; take it out of them first."), field="media", n=len(users)
        )
    asset.deleted_at = utcnow()
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        action="media.deleted",
        actor=actor,
        actor_label=actor_label,
        target_type="media",
        target_id=asset.id,
        details={"name": asset.original_name},
    )
    session.flush()
    return asset


def posts_using(*, session: Session, agency_id: int, client_id: int, media_id: int) -> list[int]:
    """Ids of the client's posts that show this file (on the post or on any of its variants)."""
    query = select(Post).where(Post.agency_id == agency_id, Post.client_id == client_id)
    # Media ids live in JSON lists, which SQLite and PostgreSQL search differently: read them here.
    return [
        post.id
        for post in session.scalars(query.options(selectinload(Post.targets)))
        if media_id in (post.media_ids or []) or any(media_id in (t.media_ids or []) for t in post.targets)
    ]


def media_path_of(settings: Settings, asset: MediaAsset, thumb: bool = False) -> Path | None:
    """Where the asset's file (or thumbnail) is on disk; None when it has no thumbnail."""
    key = asset.thumb_key if thumb else asset.storage_key
    if not key:
        return None
    root = Path(settings.media_path).resolve()
    path = (root / key).resolve()
    if not path.is_relative_to(root):
        raise NotFound(N_("Media not found."))
    return path


def media_as_dict(asset: MediaAsset) -> dict[str, Any]:
    """The public JSON shape of an asset (the web adds its URLs)."""
    return {
        "id": asset.id,
        "client_id": asset.client_id,
        "kind": asset.kind,
        "mime": asset.mime,
        "size_bytes": asset.size_bytes,
        "width": asset.width,
        "height": asset.height,
        "alt_text": asset.alt_text,
        "original_name": asset.original_name,
        "created_at": asset.created_at.isoformat() if asset.created_at else None,
    }


def _clean_alt(alt_text: str | None) -> str:
    text = (alt_text or "").strip()
    if len(text) > MAX_ALT_TEXT:
        raise Invalid(
            N_("Alt text can be at most %(limit)s characters."), field="alt_text", limit=MAX_ALT_TEXT
        )
    return text


# --- files on disk ---------------------------------------------------------------------------------


def _save_files(session: Session, settings: Settings, asset: MediaAsset, prepared: Prepared) -> None:
    """Write the file (and thumbnail), then insert the row; a failed insert leaves no file behind."""
    stem = f"{asset.agency_id}/{asset.client_id}/{secrets.token_hex(16)}"
    asset.storage_key = f"{stem}.{prepared.ext}"
    asset.thumb_key = f"{stem}_thumb.{prepared.thumb_ext}" if prepared.thumb is not None else None
    root = Path(settings.media_path)
    written: list[Path] = []
    try:
        for key, data in ((asset.storage_key, prepared.data), (asset.thumb_key, prepared.thumb)):
            if key is not None and data is not None:
                written.append(root / key)
                write_atomic(root / key, data)
        session.add(asset)
        session.flush()
    except BaseException:
        _remove(written)
        raise
    _remove_on_rollback(session, written)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _remove_on_rollback(session: Session, paths: list[Path]) -> None:
    """The files exist before the row is committed: a rollback instead of a commit must delete them."""
    state = {"settled": False}

    def on_commit(_session: Session) -> None:
        state["settled"] = True

    def on_rollback(_session: Session) -> None:
        if not state["settled"]:
            state["settled"] = True
            _remove(paths)

    event.listen(session, "after_commit", on_commit, once=True)
    event.listen(session, "after_rollback", on_rollback, once=True)
