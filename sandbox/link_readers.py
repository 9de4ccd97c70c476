"""The audience reading posts: now and then someone follows a link in a published post, as people do.

Readers follow Cadenza's short links (/l/<code>) only, so this is the one place the sandbox calls out over
HTTP, and only to Cadenza: any other address a post names (a site, an intranet host) is never fetched.
It runs only when asked: each step of the self-running demo audience, or `POST /_control/audience/click`
in tests. Nothing is held locked while a link is fetched.
"""

from __future__ import annotations

import random
import re
from urllib.parse import urlsplit

import httpx

from sandbox.state import STORE

_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_SHORT_PATH = re.compile(r"(?:/[^/]+)*/l/[A-Za-z0-9]+")  # a base URL may have a path of its own
# Ordinary phones and desktops: the people a post reaches (never a crawler's user agent).
BROWSERS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
    "Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)


def links_in_posts(network: str | None = None) -> list[str]:
    """Every short link in the live posts (not replies, likes or DMs) of one network or all."""
    with STORE.lock:
        texts = [
            p.text
            for p in STORE.published
            if p.kind == "post" and p.deleted_at is None and (network is None or p.network == network)
        ]
    urls = [url.rstrip(".,;:!?") for text in texts for url in _URL.findall(text)]
    return [url for url in urls if _SHORT_PATH.fullmatch(urlsplit(url).path)]


def follow_links(rng: random.Random, *, share: float = 0.3, network: str | None = None) -> int:
    """Follow about `share` of the links in live posts once each; returns how many answered."""
    links = [url for url in links_in_posts(network) if rng.random() < share]
    answered = 0
    with httpx.Client(timeout=3, follow_redirects=False) as http:
        for url in links:
            try:
                response = http.get(url, headers={"User-Agent": rng.choice(BROWSERS)})
            except httpx.HTTPError:
                continue  # a link to nowhere reachable: the reader gives up, as people do
            answered += response.status_code < 400
    return answered
