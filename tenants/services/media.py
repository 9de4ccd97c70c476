"""A client's media library: uploads typed by their content, cleaned of metadata, stored with thumbnails."""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
import tempfile
import unicodedata
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tenants.checks.media import human_size, media_findings
from tenants.errors import N_, Invalid, NotFound
from tenants.models import MediaAsset, Membership, User, utcnow
from tenants.permissions import Perm
from tenants.services import audit
from tenants.services.access import get_visible_client, require
from tenants.settings import Settings

__all__ = [
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

# Pillow format -> (mime, file extension). MPO is how Pillow names many phone JPEGs.
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "MPO": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
_OPENERS = ["JPEG", "PNG", "GIF", "WEBP"]
VIDEO_TYPES = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}
MAX_PIXELS = 40_000_000
MAX_ANIMATION_PIXELS = 400_000_000
THUMB_SIZE = 320
MAX_ALT_TEXT = 1000
# What decides how the pixels look; everything else (EXIF, GPS, XMP, comments, text chunks) is dropped.
_KEPT_INFO = ("transparency", "duration", "loop", "background", "disposal", "blend", "icc_profile")
_DAMAGE = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


@dataclass(frozen=True)
class _Prepared:
    kind: str
    mime: str
    ext: str
    data: bytes
    width: int | None = None
    height: int | None = None
    thumb: bytes | None = None
    thumb_ext: str | None = None


def clean_filename(filename: str | None) -> str:
    """The file's own name as the uploader called it, without folders or control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "upload"


def content_hash(data: bytes) -> str:
    """The sha256 of the uploaded bytes: what makes a second upload of the same file a duplicate."""
    return hashlib.sha256(data).hexdigest()


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
    prepared = _prepare(name, data)
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


# --- typing and cleaning ---------------------------------------------------------------------------


def _prepare(name: str, data: bytes) -> _Prepared:
    image = _open_image(name, data)
    if image is not None:
        try:
            return _clean_image(image)
        except _DAMAGE as exc:
            raise _damaged(name) from exc
        finally:
            image.close()
    video = filetype.video_match(data)
    if video is not None and video.mime in VIDEO_TYPES:
        # No ffmpeg here: videos are stored as uploaded, without dimensions or a thumbnail.
        return _Prepared(kind="video", mime=video.mime, ext=VIDEO_TYPES[video.mime], data=data)
    raise Invalid(
        N_("%(name)s is not a JPEG, PNG, GIF or WebP image, nor an MP4, MOV or WebM video."),
        field="file",
        name=name,
    )


def _damaged(name: str) -> Invalid:
    return Invalid(N_("%(name)s looks like an image but is damaged or incomplete."), field="file", name=name)


def _too_big(name: str) -> Invalid:
    return Invalid(
        N_("%(name)s has too many pixels; images can have at most %(limit)s megapixels."),
        field="file",
        name=name,
        limit=MAX_PIXELS // 1_000_000,
    )


def _open_image(name: str, data: bytes) -> Image.Image | None:
    """The decoded image; None when the bytes are none of our image formats."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; a bomb must not even be decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=_OPENERS) as probe:
                opener = "JPEG" if probe.format == "MPO" else probe.format
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise _too_big(name)
                probe.verify()
            image = Image.open(BytesIO(data), formats=[opener])
            if width * height * getattr(image, "n_frames", 1) > MAX_ANIMATION_PIXELS:
                image.close()
                raise _too_big(name)
            image.load()
    except UnidentifiedImageError:
        return None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_big(name) from exc
    except _DAMAGE as exc:
        raise _damaged(name) from exc
    return image


def _clean_image(image: Image.Image) -> _Prepared:
    """Re-encode through Pillow: orientation applied, every metadata block left behind."""
    mime, ext = IMAGE_FORMATS[image.format]
    save_format = "JPEG" if image.format == "MPO" else image.format
    animated = image.format != "MPO" and getattr(image, "is_animated", False)
    clean = image if animated else ImageOps.exif_transpose(image)
    clean.info = {key: value for key, value in image.info.items() if key in _KEPT_INFO}
    options: dict[str, Any] = {"format": save_format}
    if save_format in ("JPEG", "WEBP"):
        options["quality"] = 90
    if "icc_profile" in clean.info:
        options["icc_profile"] = clean.info["icc_profile"]
    if animated:
        options["save_all"] = True
    out = BytesIO()
    clean.save(out, **options)
    if animated:
        clean.seek(0)
    thumb, thumb_ext = _thumbnail(clean)
    return _Prepared(
        kind="image",
        mime=mime,
        ext=ext,
        data=out.getvalue(),
        width=clean.width,
        height=clean.height,
        thumb=thumb,
        thumb_ext=thumb_ext,
    )


def _thumbnail(image: Image.Image) -> tuple[bytes, str]:
    """At most THUMB_SIZE a side: PNG when the image has transparency, JPEG otherwise."""
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    thumb = image.convert("RGBA" if transparent else "RGB")
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE))
    out = BytesIO()
    if transparent:
        thumb.save(out, format="PNG", optimize=True)
        return out.getvalue(), "png"
    thumb.save(out, format="JPEG", quality=85)
    return out.getvalue(), "jpg"


# --- files on disk ---------------------------------------------------------------------------------


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside the target and rename it, so no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _save_files(session: Session, settings: Settings, asset: MediaAsset, prepared: _Prepared) -> None:
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
                _write_atomic(root / key, data)
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
