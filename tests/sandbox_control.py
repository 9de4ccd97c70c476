"""Test helpers for the running sandbox: its control API and a headless walk through authorize pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx


@dataclass
class SandboxControl:
    """Talks to a running sandbox's /_control API."""

    url: str
    http: httpx.Client

    def reset(self, seed: int = 1) -> None:
        self.http.post("/_control/reset", json={"seed": seed}).raise_for_status()

    def fault(self, network: str, kind: str, **options) -> dict:
        resp = self.http.post("/_control/faults", json={"network": network, "kind": kind, **options})
        resp.raise_for_status()
        return resp.json()

    def clear_faults(self) -> None:
        self.http.delete("/_control/faults").raise_for_status()

    def published(self, network: str | None = None, account: str | None = None) -> list[dict]:
        params = {k: v for k, v in {"network": network, "account": account}.items() if v}
        return self.http.get("/_control/published", params=params).json()["published"]

    def tick(self, steps: int = 1, network: str | None = None) -> None:
        self.http.post(
            "/_control/audience/tick", json={"steps": steps, "network": network}
        ).raise_for_status()

    def advance_clock(self, seconds: float) -> None:
        self.http.post("/_control/clock", json={"seconds": seconds}).raise_for_status()

    def state(self, network: str) -> dict:
        return self.http.get(f"/_control/state/{network}").json()


_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def authorize(
    url: str,
    *,
    username: str | None = None,
    granted: list[str] | None = None,
    deny: bool = False,
    password: str = "sandbox",
) -> dict[str, str]:
    """Open a sandbox authorize URL, log in, consent (or refuse), and return the redirect's query params.

    `granted=None` grants everything that was asked; a list grants only those (a partial grant).
    """
    with httpx.Client(timeout=10) as http:
        page = http.get(url)
        assert page.status_code == 200, page.text
        html = page.text
        form = {unescape(k): unescape(v) for k, v in _HIDDEN.findall(html)}
        users = re.findall(r'<option value="([^"]+)"', html)
        asked = re.findall(r'name="granted" value="([^"]+)"', html)
        form |= {
            "username": username or users[0],
            "password": password,
            "decision": "deny" if deny else "approve",
        }
        data = {**form, "granted": asked if granted is None else granted}
        resp = http.post(url.split("?", 1)[0], data=data)
        assert resp.status_code in (302, 303), resp.text
        location = resp.headers["location"]
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
