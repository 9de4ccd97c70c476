"""The audience running by itself, for demos: a daemon thread that advances it every few seconds."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("sandbox.audience")


class AudienceTicker:
    """Calls `tick` every `every` seconds on a daemon thread of its own, until stopped."""

    def __init__(self, every: float, tick: Callable[[], None]) -> None:
        if every <= 0:
            raise ValueError("the audience needs a positive number of seconds between steps")
        self.every = every
        self._tick = tick
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-audience", daemon=True)

    def start(self) -> AudienceTicker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.wait(self.every):
            try:
                self._tick()
            except Exception:  # a demo's audience must survive one bad step
                log.exception("an audience step failed")
