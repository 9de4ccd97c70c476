"""Run the pre-publish checks on one post variant for one network."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tenants.checks import spelling, tokens, wordlists
from tenants.errors import N_
from tenants.networks import NETWORKS, text_length

SEVERITIES = ("warning", "blocking")
DEFAULT_SEVERITY = {
    "length": "blocking",
    "hashtags": "blocking",
    "media": "blocking",
    "media_alt": "warning",
    "offensive": "blocking",
    "forbidden": "blocking",
    "spelling": "warning",
    "link": "warning",
    "mix": "warning",
    "duplicate": "warning",
    "channel": "warning",
}
# Checks that need the rest of the calendar (tenants.services.post_checks), not only the text.
CALENDAR_CHECKS = ("mix", "duplicate", "channel")


@dataclass(frozen=True)
class CheckContext:
    """What the checks need to know beyond the text: the network and the client's rules."""

    network: str
    client_locale: str = "it"
    forbidden: tuple[str, ...] = ()
    extra_offensive: tuple[str, ...] = ()
    brand_words: tuple[str, ...] = ()
    severities: Mapping[str, str] = field(default_factory=dict)
    media_count: int = 0
    text_limit: int | None = None  # per-instance limits (Mastodon) override the network's
    # Suggestions cost about a second per word: off while typing, on when the post is submitted.
    suggest: bool = True


@dataclass(frozen=True)
class Finding:
    """One problem found; `message` is a translatable text with %(name)s placeholders filled from `params`."""

    code: str
    severity: str
    message: str
    params: dict = field(default_factory=dict)
    spans: tuple[tuple[int, int], ...] = ()
    suggestions: tuple[str, ...] = ()

    @property
    def blocking(self) -> bool:
        """True when the post cannot go on without a manager's override."""
        return self.severity == "blocking"


def make_finding(
    context: CheckContext, code: str, message: str, *, spans=(), suggestions=(), **params
) -> Finding:
    """A finding at the severity the client chose for this check (or the default)."""
    severity = context.severities.get(code, DEFAULT_SEVERITY[code])
    return Finding(
        code=code,
        severity=severity if severity in SEVERITIES else DEFAULT_SEVERITY[code],
        message=message,
        params=params,
        spans=tuple(spans),
        suggestions=tuple(suggestions),
    )


def run_checks(text: str, context: CheckContext) -> list[Finding]:
    """Every finding for this text on this network, in the order a person would fix them."""
    words = tokens.words(text)
    findings = _length_and_media(text, context)
    findings += _offensive(words, context)
    findings += _forbidden(text, words, context)
    findings += _links(text, context)
    findings += _spelling(text, words, context)
    return findings


def _length_and_media(text: str, context: CheckContext) -> list[Finding]:
    spec = NETWORKS[context.network]
    found = []
    limit = context.text_limit or spec.text_limit
    length = text_length(context.network, text)
    if length > limit:
        found.append(
            make_finding(
                context,
                "length",
                N_("%(network)s allows %(limit)s characters; this text has %(length)s."),
                network=spec.name,
                limit=limit,
                length=length,
            )
        )
    if spec.hashtag_limit is not None and len(tokens.hashtags(text)) > spec.hashtag_limit:
        found.append(
            make_finding(
                context,
                "hashtags",
                N_("%(network)s allows at most %(limit)s hashtags."),
                network=spec.name,
                limit=spec.hashtag_limit,
            )
        )
    if context.media_count > spec.max_images:
        found.append(
            make_finding(
                context,
                "media",
                N_("%(network)s takes at most %(limit)s images."),
                network=spec.name,
                limit=spec.max_images,
            )
        )
    if "requires_media" in spec.capabilities and context.media_count == 0:
        found.append(
            make_finding(
                context, "media", N_("%(network)s posts need at least one image or video."), network=spec.name
            )
        )
    return found


def _offensive(words: list[tokens.Word], context: CheckContext) -> list[Finding]:
    wordlist = wordlists.offensive_words() | wordlists.WordList.from_entries(context.extra_offensive)
    hits = wordlists.find(words, wordlist)
    if not hits:
        return []
    return [
        make_finding(
            context,
            "offensive",
            N_("Offensive or vulgar words: %(words)s."),
            spans=[(w.start, w.end) for w in hits],
            words=", ".join(sorted({w.text for w in hits})),
        )
    ]


def _forbidden(text: str, words: list[tokens.Word], context: CheckContext) -> list[Finding]:
    single = wordlists.WordList.from_entries([f for f in context.forbidden if " " not in f.strip()])
    hits = [(w.text, w.start, w.end) for w in wordlists.find(words, single)]
    hits += wordlists.find_phrases(text, context.forbidden)
    if not hits:
        return []
    return [
        make_finding(
            context,
            "forbidden",
            N_("Words this client does not want: %(words)s."),
            spans=[(s, e) for _w, s, e in hits],
            words=", ".join(sorted({w for w, _s, _e in hits})),
        )
    ]


def _links(text: str, context: CheckContext) -> list[Finding]:
    found = []
    for url, start, end in tokens.urls(text):
        parts = urlsplit(url if "://" in url else f"https://{url}" if url.lower().startswith("www.") else url)
        host = parts.hostname or ""
        if (
            parts.scheme not in ("http", "https")
            or "." not in host
            or host.startswith(".")
            or host.endswith(".")
        ):
            found.append(
                make_finding(
                    context, "link", N_("This link looks broken: %(url)s"), spans=[(start, end)], url=url
                )
            )
    return found


def _spelling(text: str, words: list[tokens.Word], context: CheckContext) -> list[Finding]:
    language = spelling.detect_language(words, context.client_locale)
    ignore = frozenset(w.lower for brand in context.brand_words for w in tokens.words(brand))
    return [
        make_finding(
            context,
            "spelling",
            N_("Possible spelling mistake: %(word)s."),
            spans=[(w.start, w.end)],
            suggestions=spelling.suggestions(language, w.text) if context.suggest and index < 3 else (),
            word=w.text,
            language=language,
        )
        for index, w in enumerate(spelling.misspelled(words, text=text, language=language, ignore=ignore))
    ]
