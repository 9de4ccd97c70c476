"""Uploaded bytes made safe to keep: typed by their content, images re-encoded without metadata."""

from __future__ import annotations

import hashlib
import os
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

from tenants.errors import N_, Invalid

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
# What decides how the pixels look; everything else (EXIF, GPS, XMP, comments, text chunks) is dropped.
_KEPT_INFO = ("transparency", "duration", "loop", "background", "disposal", "blend", "icc_profile")
_DAMAGE = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


@dataclass(frozen=True)
class Prepared:
    """A file ready to store: its type, cleaned bytes, size in pixels and thumbnail."""

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


def prepare(name: str, data: bytes) -> Prepared:
    """The file typed by its content and cleaned; Invalid for anything but our image and video types."""
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
        return Prepared(kind="video", mime=video.mime, ext=VIDEO_TYPES[video.mime], data=data)
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


def _clean_image(image: Image.Image) -> Prepared:
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
    return Prepared(
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


def write_atomic(path: Path, data: bytes) -> None:
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
