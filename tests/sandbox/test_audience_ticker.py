"""The audience running by itself for demos: a daemon thread of the sandbox, off unless asked for."""

from __future__ import annotations

import threading
import time

from click.testing import CliRunner

import sandbox as sandbox_package
from sandbox.ticker import AudienceTicker
from web.cli import main


def _comments(sandbox) -> int:
    return sum(1 for o in sandbox.state("facebook")["objects"].values() if o["type"] == "comment")


def _until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_the_audience_talks_by_itself_when_the_app_is_asked_to(sandbox):
    assert "sandbox_audience" not in sandbox_package.create_app().extensions
    time.sleep(0.3)
    assert _comments(sandbox) == 0  # without a ticker nothing happens between ticks
    ticker = sandbox_package.create_app(audience_every=0.05).extensions["sandbox_audience"]
    try:
        assert _until(lambda: _comments(sandbox) >= 3)
    finally:
        ticker.stop()
    settled = _comments(sandbox)
    time.sleep(0.3)
    assert _comments(sandbox) == settled


def test_a_failing_step_does_not_stop_the_audience():
    calls = []
    done = threading.Event()

    def step() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("one bad step")
        done.set()

    ticker = AudienceTicker(0.01, step).start()
    try:
        assert done.wait(5) and len(calls) >= 2
    finally:
        ticker.stop()


def test_cadenza_sandbox_passes_audience_every_to_the_app(monkeypatch):
    asked = []

    class App:
        def run(self, **options) -> None:
            asked.append(options["port"])

    monkeypatch.setattr(sandbox_package, "create_app", lambda **options: asked.append(options) or App())
    assert CliRunner().invoke(main, ["sandbox", "--port", "5999", "--audience-every", "20"]).exit_code == 0
    assert CliRunner().invoke(main, ["sandbox", "--port", "5999"]).exit_code == 0
    assert asked == [{"audience_every": 20.0}, 5999, {"audience_every": None}, 5999]
