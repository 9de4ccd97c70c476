"""A webhook consumer for tests: a tiny HTTP server that answers Meta's verification and keeps what it got."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Hit:
    """One POST the receiver got: the raw body and the headers, as they arrived."""

    body: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    """What the callback saw; `challenge` decides the answer to a verification GET, `status` to a POST."""

    url: str = ""
    hits: list[Hit] = field(default_factory=list)
    verifications: list[dict[str, str]] = field(default_factory=list)
    challenge: str = "echo"  # echo, wrong, or missing (404)
    status: int = 200

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.method == "GET":
            self.verifications.append(dict(request.args))
            if self.challenge == "missing":
                return Response("no such page", status=404)(environ, start_response)
            answer = request.args.get("hub.challenge", "")
            return Response(answer if self.challenge == "echo" else f"{answer}0")(environ, start_response)
        self.hits.append(Hit(body=request.get_data(), headers=dict(request.headers)))
        return Response("EVENT_RECEIVED", status=self.status)(environ, start_response)

    def wait_for(self, count: int, timeout: float = 8.0) -> list[Hit]:
        """The first `count` hits, once they have arrived (fails after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while len(self.hits) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.hits) >= count, f"expected {count} webhooks, got {len(self.hits)}"
        return self.hits[:count]


@contextmanager
def serve_receiver() -> Iterator[Receiver]:
    """A Receiver listening on a free local port for the duration of the block."""
    receiver = Receiver()
    server = make_server("127.0.0.1", 0, receiver, threaded=True)
    receiver.url = f"http://127.0.0.1:{server.server_port}/webhooks/meta"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
