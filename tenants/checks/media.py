"""Check a post's media against what one network takes: types, sizes, counts, alt text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from tenants.checks.engine import CheckContext, Finding, make_finding
from tenants.errors import N_
from tenants.networks import NETWORKS, NetworkFacts

MIME_LABELS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "video/mp4": "MP4",
    "video/quicktime": "MOV",
    "video/webm": "WebM",
}


class MediaLike(Protocol):
    """What the checks read of a media asset (a MediaAsset row, or anything shaped like one)."""

    id: int
    kind: str
    mime: str
    size_bytes: int
    alt_text: str
    original_name: str


def human_size(size: int) -> str:
    """Bytes as a short readable size (1024-based, as the networks state their limits)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB"):
        if value < 1024:
            return f"{value:.1f}".removesuffix(".0") + f" {unit}"
        value /= 1024
    return f"{value:.1f}".removesuffix(".0") + " GB"


def label(mime: str) -> str:
    """A file type as people name it (PNG, MP4); the mime itself when unknown."""
    return MIME_LABELS.get(mime, mime)


def _labels(mimes: Sequence[str]) -> str:
    return ", ".join(label(m) for m in mimes)


def _name(asset: MediaLike) -> str:
    return asset.original_name or f"#{asset.id}"


def media_findings(
    assets: Sequence[MediaLike], network: str, *, severities: Mapping[str, str] | None = None
) -> list[Finding]:
    """Every problem these media have on this network, one finding per file and limit."""
    spec = NETWORKS[network]
    context = CheckContext(network=network, severities=severities or {})
    images = [a for a in assets if a.kind == "image"]
    videos = [a for a in assets if a.kind == "video"]
    found = [f for a in images for f in _image_findings(a, spec, context)]
    found += [f for a in videos for f in _video_findings(a, spec, context)]
    found += _count_findings(len(images), len(videos), spec, context)
    found += [
        make_finding(
            context,
            "media_alt",
            N_("%(name)s has no alt text; describe it for people who use screen readers."),
            name=_name(a),
            media_id=a.id,
        )
        for a in images
        if not (a.alt_text or "").strip()
    ]
    return found


def _image_findings(asset: MediaLike, spec: NetworkFacts, context: CheckContext) -> list[Finding]:
    found = []
    if asset.mime not in spec.image_types:
        found.append(
            make_finding(
                context,
                "media",
                N_("%(network)s takes %(types)s images only; %(name)s is %(type)s."),
                network=spec.name,
                types=_labels(spec.image_types),
                name=_name(asset),
                type=label(asset.mime),
                media_id=asset.id,
            )
        )
    if asset.size_bytes > spec.max_image_bytes:
        found.append(
            make_finding(
                context,
                "media",
                N_("%(network)s takes images up to %(limit)s; %(name)s is %(size)s."),
                network=spec.name,
                limit=human_size(spec.max_image_bytes),
                name=_name(asset),
                size=human_size(asset.size_bytes),
                media_id=asset.id,
            )
        )
    return found


def _video_findings(asset: MediaLike, spec: NetworkFacts, context: CheckContext) -> list[Finding]:
    if "video" not in spec.capabilities:
        return [
            make_finding(
                context,
                "media",
                N_("Cadenza cannot publish videos to %(network)s yet; %(name)s is a video."),
                network=spec.name,
                name=_name(asset),
                media_id=asset.id,
            )
        ]
    found = []
    if asset.mime not in spec.video_types:
        found.append(
            make_finding(
                context,
                "media",
                N_("%(network)s takes %(types)s videos only; %(name)s is %(type)s."),
                network=spec.name,
                types=_labels(spec.video_types),
                name=_name(asset),
                type=label(asset.mime),
                media_id=asset.id,
            )
        )
    if asset.size_bytes > spec.max_video_bytes:
        found.append(
            make_finding(
                context,
                "media",
                N_("%(network)s takes videos up to %(limit)s; %(name)s is %(size)s."),
                network=spec.name,
                limit=human_size(spec.max_video_bytes),
                name=_name(asset),
                size=human_size(asset.size_bytes),
                media_id=asset.id,
            )
        )
    return found


def _count_findings(images: int, videos: int, spec: NetworkFacts, context: CheckContext) -> list[Finding]:
    found = []
    if images > spec.max_images:
        found.append(
            make_finding(
                context,
                "media",
                N_("%(network)s takes at most %(limit)s images."),
                network=spec.name,
                limit=spec.max_images,
            )
        )
    if videos and "video" not in spec.capabilities:
        return found  # each video already has its finding
    if videos > spec.max_videos:
        found.append(
            make_finding(
                context,
                "media",
                N_("Too many videos for %(network)s: it takes %(limit)s per post at most."),
                network=spec.name,
                limit=spec.max_videos,
            )
        )
    if images and videos and not spec.mixes_images_and_videos:
        found.append(
            make_finding(
                context,
                "media",
                N_("%(network)s cannot mix images and videos in one post."),
                network=spec.name,
            )
        )
    elif images and videos and images + videos > spec.max_images:
        found.append(
            make_finding(
                context,
                "media",
                N_("%(network)s takes at most %(limit)s images and videos in one post."),
                network=spec.name,
                limit=spec.max_images,
            )
        )
    return found
