"""Walk a sandbox authorize page without a browser (tests and demo seeding): log in, consent, get the code."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def authorize(
    url: str,
    *,
    username: str | None = None,
    granted: list[str] | None = None,
    deny: bool = False,
    password: str = "sandbox",
) -> dict[str, str]:
    """Open the authorize URL, log in as `username` (default: first user), consent or refuse.

    Returns the query parameters of the redirect (code and state, or error). `granted=None` grants all.
    """
    with httpx.Client(timeout=10) as http:
        page = http.get(url)
        if page.status_code != 200:
            raise RuntimeError(f"authorize page answered {page.status_code}: {page.text[:200]}")
        html = page.text
        form = {unescape(k): unescape(v) for k, v in _HIDDEN.findall(html)}
        users = re.findall(r'<option value="([^"]+)"', html)
        asked = re.findall(r'name="granted" value="([^"]+)"', html)
        form |= {
            "username": username or users[0],
            "password": password,
            "decision": "deny" if deny else "approve",
        }
        resp = http.post(
            url.split("?", 1)[0], data={**form, "granted": asked if granted is None else granted}
        )
        if resp.status_code not in (302, 303):
            raise RuntimeError(f"consent answered {resp.status_code}: {resp.text[:200]}")
        return {k: v[0] for k, v in parse_qs(urlsplit(resp.headers["location"]).query).items()}
