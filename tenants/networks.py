"""Static facts about each social network that the composer and the connectors share (no I/O here)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import regex

URL_RE = regex.compile(r"https?://[^\s<>\"']+", regex.IGNORECASE)
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}")
# twitter-text v3: code points in these ranges weigh 1, all others 2; URLs always count 23.
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
X_URL_LENGTH = 23
INBOX_LIKE, INBOX_HIDE, INBOX_DELETE = "inbox_like", "inbox_hide", "inbox_delete"


def per_kind(**kinds: tuple[str, ...]) -> frozenset[tuple[str, str]]:
    """(inbox kind, action) pairs, written as kind=(actions...)."""
    return frozenset((kind, action) for kind, actions in kinds.items() for action in actions)


@dataclass(frozen=True)
class NetworkFacts:
    """What a network allows and can do, as the product needs to know it before calling it."""

    key: str
    name: str
    text_limit: int
    counting: str  # "chars", "x_weighted", "graphemes"
    max_images: int
    max_image_bytes: int
    image_types: tuple[str, ...] = ("image/jpeg", "image/png")
    # Videos as the network takes them; our connector publishes them only with the "video" capability.
    video_types: tuple[str, ...] = ("video/mp4",)
    max_video_bytes: int = 0
    max_videos: int = 1
    mixes_images_and_videos: bool = False
    url_length: int | None = None  # fixed length a link counts for, when the network shortens links
    hashtag_limit: int | None = None
    capabilities: frozenset[str] = field(default_factory=frozenset)
    oauth: str = "oauth2"  # "oauth2", "oauth2_pkce", "mastodon_app", "app_password"
    account_kinds: tuple[str, ...] = ()
    # What a community manager can do to an inbox item of each kind ("comment", "mention", "dm").
    inbox_actions: frozenset[tuple[str, str]] = frozenset()


NETWORKS: dict[str, NetworkFacts] = {
    "facebook": NetworkFacts(
        key="facebook",
        name="Facebook Pages",
        text_limit=63206,
        counting="chars",
        max_images=10,
        max_image_bytes=4 * 1024 * 1024,
        video_types=("video/mp4", "video/quicktime"),
        max_video_bytes=1024 * 1024 * 1024,
        capabilities=frozenset({"comments", "dms", "metrics", "links", "delete", "webhooks"}),
        oauth="oauth2",
        account_kinds=("page",),
        inbox_actions=per_kind(comment=(INBOX_LIKE, INBOX_HIDE, INBOX_DELETE)),
    ),
    "instagram": NetworkFacts(
        key="instagram",
        name="Instagram",
        text_limit=2200,
        counting="chars",
        max_images=10,
        max_image_bytes=8 * 1024 * 1024,
        image_types=("image/jpeg",),
        video_types=("video/mp4", "video/quicktime"),
        max_video_bytes=100 * 1024 * 1024,
        max_videos=10,
        mixes_images_and_videos=True,
        hashtag_limit=30,
        capabilities=frozenset({"comments", "metrics", "webhooks", "requires_media"}),
        oauth="oauth2",
        account_kinds=("instagram_business",),
        inbox_actions=per_kind(comment=(INBOX_HIDE, INBOX_DELETE)),
    ),
    "linkedin": NetworkFacts(
        key="linkedin",
        name="LinkedIn",
        text_limit=3000,
        counting="chars",
        max_images=9,
        max_image_bytes=10 * 1024 * 1024,
        max_video_bytes=200 * 1024 * 1024,
        capabilities=frozenset({"comments", "metrics", "links", "delete"}),
        oauth="oauth2",
        account_kinds=("member", "organization"),
        inbox_actions=per_kind(comment=(INBOX_LIKE, INBOX_DELETE)),
    ),
    "x": NetworkFacts(
        key="x",
        name="X",
        text_limit=280,
        counting="x_weighted",
        max_images=4,
        max_image_bytes=5 * 1024 * 1024,
        max_video_bytes=512 * 1024 * 1024,
        url_length=X_URL_LENGTH,
        capabilities=frozenset({"mentions", "dms", "metrics", "links", "delete"}),
        oauth="oauth2_pkce",
        account_kinds=("profile",),
        inbox_actions=per_kind(mention=(INBOX_LIKE, INBOX_HIDE)),
    ),
    "mastodon": NetworkFacts(
        key="mastodon",
        name="Mastodon",
        text_limit=500,
        counting="chars",
        max_images=4,
        max_image_bytes=16 * 1024 * 1024,
        image_types=("image/jpeg", "image/png", "image/gif", "image/webp"),
        video_types=("video/mp4", "video/quicktime", "video/webm"),
        max_video_bytes=40 * 1024 * 1024,
        url_length=23,
        capabilities=frozenset({"mentions", "dms", "metrics", "links", "delete", "idempotency"}),
        oauth="mastodon_app",
        account_kinds=("profile",),
        inbox_actions=per_kind(mention=(INBOX_LIKE,), dm=(INBOX_LIKE,)),
    ),
    "bluesky": NetworkFacts(
        key="bluesky",
        name="Bluesky",
        text_limit=300,
        counting="graphemes",
        max_images=4,
        max_image_bytes=1_000_000,
        max_video_bytes=50 * 1024 * 1024,
        capabilities=frozenset({"mentions", "metrics", "links", "delete", "idempotency"}),
        oauth="app_password",
        account_kinds=("profile",),
        inbox_actions=per_kind(mention=(INBOX_LIKE,), comment=(INBOX_LIKE,)),
    ),
}


def facts(network: str) -> NetworkFacts:
    """The facts of one network; KeyError for an unknown one."""
    return NETWORKS[network]


# Which inbox a capability opens, in the order the sync reads them.
_INBOX_KINDS = (("comments", "comment"), ("mentions", "mention"), ("dms", "dm"))


def inbox_kinds(network: str) -> tuple[str, ...]:
    """The kinds of inbox item Cadenza reads from this network (comments, mentions, DMs)."""
    spec = NETWORKS.get(network)
    if spec is None:
        return ()
    return tuple(kind for capability, kind in _INBOX_KINDS if capability in spec.capabilities)


def deletes_posts(network: str) -> bool:
    """True when Cadenza can delete a published post on this network (Instagram's API cannot)."""
    spec = NETWORKS.get(network)
    return spec is not None and "delete" in spec.capabilities


def inbox_actions(network: str, kind: str) -> frozenset[str]:
    """The actions (INBOX_LIKE, INBOX_HIDE, INBOX_DELETE) Cadenza offers on this network's `kind` items."""
    spec = NETWORKS.get(network)
    if spec is None:
        return frozenset()
    return frozenset(action for item_kind, action in spec.inbox_actions if item_kind == kind)


def _x_weight(grapheme: str) -> int:
    if _EMOJI.search(grapheme):
        return 2
    total = 0
    for char in grapheme:
        code = ord(char)
        total += 1 if any(lo <= code <= hi for lo, hi in _X_LIGHT_RANGES) else 2
    return total


def x_weighted_length(text: str) -> int:
    """Length as X counts it (after NFC normalisation): URLs are 23, CJK and emoji weigh 2."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for match in URL_RE.finditer(text):
        total += sum(_x_weight(g) for g in _GRAPHEME.findall(text[position : match.start()]))
        total += X_URL_LENGTH
        position = match.end()
    return total + sum(_x_weight(g) for g in _GRAPHEME.findall(text[position:]))


def grapheme_length(text: str) -> int:
    """User-perceived characters (Bluesky's rule)."""
    return len(_GRAPHEME.findall(text))


def text_length(network: str, text: str, *, url_length: int | None = None) -> int:
    """How long the text is by the network's own counting rule."""
    spec = NETWORKS[network]
    if spec.counting == "x_weighted":
        return x_weighted_length(text)
    if spec.counting == "graphemes":
        return grapheme_length(text)
    fixed = url_length if url_length is not None else spec.url_length
    if fixed is None:
        return len(text)
    return len(URL_RE.sub("x" * fixed, text))


def utf8_byte_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Byte offsets (Bluesky facets) of the character span text[start:end]."""
    byte_start = len(text[:start].encode("utf-8"))
    return byte_start, byte_start + len(text[start:end].encode("utf-8"))
