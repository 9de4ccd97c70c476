"""Which requests for a short link are not a person's click: crawlers, link previews, prefetches.

They still get their redirect (a preview needs the page to build its card); they are counted apart, as
filtered hits. In-app browsers are people: Facebook's "FBAN/FB_IAB", Instagram's and LinkedIn's apps
("LinkedInApp") are not matched; only their fetchers are ("facebookexternalhit", "LinkedInBot").
"""

from __future__ import annotations

from collections.abc import Mapping

import regex

# Named fetchers, checked first so the reason says who it was; in order ("TelegramBot (like TwitterBot)").
KNOWN_FETCHERS: tuple[tuple[str, str], ...] = (
    ("telegrambot", r"telegrambot"),
    ("facebookexternalhit", r"facebookexternalhit"),
    ("facebot", r"facebot"),
    ("facebookcatalog", r"facebookcatalog"),
    ("meta-externalagent", r"meta-external"),
    ("twitterbot", r"twitterbot"),
    ("linkedinbot", r"linkedinbot"),
    ("slackbot", r"slack(?:bot|-imgproxy)"),
    ("whatsapp", r"whatsapp"),
    ("discordbot", r"discordbot"),
    ("googlebot", r"googlebot|google-inspectiontool|googleother|google-read-aloud|feedfetcher-google"),
    ("google-preview", r"google web preview|google-pagerenderer|adsbot-google|mediapartners-google"),
    ("bingbot", r"bingbot|bingpreview|msnbot|adidxbot"),
    ("applebot", r"applebot"),
    ("pinterestbot", r"pinterestbot|pinterest/0\."),
    ("redditbot", r"redditbot"),
    ("skype", r"skypeuripreview"),
    ("microsoft-preview", r"microsoftpreview|microsoft office existence discovery"),
    ("snapchat", r"snap url preview"),
    ("iframely", r"iframely"),
    ("embedly", r"embedly"),
    # The fediverse: every instance that receives a post fetches its link to build the card.
    ("mastodon", r"mastodon/|pleroma|akkoma|misskey|friendica|gotosocial"),
    ("bluesky", r"cardyb"),
    ("duckduckgo", r"duckduck(?:go-favicons-)?bot"),
    ("ai-crawler", r"gptbot|chatgpt-user|oai-searchbot|claudebot|claude-web|anthropic-ai|perplexitybot"),
    ("seo-crawler", r"ahrefs|semrush|mj12bot|dotbot|petalbot|bytespider|dataforseo"),
    ("headless", r"headlesschrome|phantomjs|lighthouse|puppeteer|playwright|selenium"),
    (
        "http-library",
        r"^(?:curl|wget|python-requests|python-urllib|python-httpx|aiohttp|go-http-client|okhttp|java/"
        r"|apache-httpclient|libwww-perl|node-fetch|axios|undici|ruby|guzzlehttp|http\.rb|php)",
    ),
)
# Anything else that calls itself a bot, spider, crawler, fetcher or preview; "bot" as a word ending,
# so a phone called "Cubot" is still a person.
GENERIC = regex.compile(
    r"(?<!cu)bot\b|spider|crawl|slurp|fetcher|preview|scanner|monitor|checker|archiver|validator",
    regex.IGNORECASE,
)
_KNOWN = [(name, regex.compile(pattern, regex.IGNORECASE)) for name, pattern in KNOWN_FETCHERS]
PREFETCH_HEADERS = ("Purpose", "Sec-Purpose", "X-Purpose", "X-Moz")
MAX_REASON = 40


def filter_reason(*, method: str, user_agent: str | None, headers: Mapping[str, str]) -> str | None:
    """Why this request is not counted as a click ("head", "prefetch", "empty_ua", "ua:<name>"), or None."""
    if method.upper() == "HEAD":
        return "head"
    for name in PREFETCH_HEADERS:
        value = (headers.get(name) or "").lower()
        if "prefetch" in value or "preview" in value or "prerender" in value:
            return "prefetch"
    agent = (user_agent or "").strip()
    if not agent:
        return "empty_ua"
    for name, pattern in _KNOWN:
        if pattern.search(agent):
            return f"ua:{name}"
    found = GENERIC.search(agent)
    if found:
        return f"ua:{found.group().lower()}"[:MAX_REASON]
    return None
