"""Browser-test plumbing: Debian's chromium through Playwright (never a downloaded browser), a live server."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1366, "height": 900}


def require_chromium() -> None:
    """Fail on CI, skip with the reason elsewhere, when Debian's chromium is missing."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing on CI: install Debian's chromium (apt-get install -y chromium)")
    pytest.skip("Debian chromium not installed; apt-get install -y chromium chromium-driver")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app, port: int | None = None) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", port or free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="cadenza-e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def browser_session():
    """One chromium; yields `open_page(base_url, locale)`, each page with its own cookies."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        contexts = []

        def open_page(base_url: str, locale: str = "en-US"):
            # A laptop screen: the month calendar and its drop targets fit without scrolling mid-drag.
            context = browser.new_context(base_url=base_url, locale=locale, viewport=VIEWPORT)
            context.set_default_timeout(TIMEOUT_MS)
            contexts.append(context)
            return context.new_page()

        try:
            yield open_page
        finally:
            for context in contexts:
                context.close()
            browser.close()


@contextmanager
def browser_page(base_url: str, *, locale: str = "en-US"):
    """A fresh chromium page whose relative URLs resolve against base_url."""
    with browser_session() as open_page:
        yield open_page(base_url, locale)
