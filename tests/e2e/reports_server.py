"""The Streamlit reports app served for real (as `cadenza up` starts it) on a free port, for browser tests
and the Overview benchmark."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.e2e.browser import free_port
from web.cli import _streamlit_command

START_TIMEOUT_S = 60


@contextmanager
def serve_reports(env: dict[str, str] | None = None) -> Iterator[str]:
    """`streamlit run reports_ui/app.py` with this environment; yields its base URL once it is healthy."""
    port = free_port()
    process = subprocess.Popen(
        _streamlit_command("127.0.0.1", port),
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the reports app exited with {process.returncode}")
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the reports app did not start in time")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
