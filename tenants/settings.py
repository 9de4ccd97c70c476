"""Typed settings read once from the environment and passed into every factory."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography.fernet import Fernet

DEFAULT_INSTANCE = Path.cwd() / "instance"
NETWORK_KEYS = ("facebook", "instagram", "linkedin", "x", "mastodon", "bluesky")


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Point bare PostgreSQL URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    """Return the secret stored at path, generating it on first use (mode 0600)."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


@dataclass(frozen=True)
class SmtpSettings:
    """Where real mail goes; host None means the dev outbox only."""

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    sender: str = "Cadenza <no-reply@cadenza.example>"


@dataclass(frozen=True)
class Settings:
    """Everything Cadenza reads from its environment, in one typed object."""

    instance_path: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    token_keys: tuple[str, ...]
    base_url: str = "http://127.0.0.1:5000"
    reports_url: str = "http://127.0.0.1:8501"
    signup_enabled: bool = True
    session_cookie_secure: bool = False
    login_rate_limit: str = "10 per minute"
    max_request_bytes: int = 1024 * 1024
    # The body limit of media uploads only; every other request keeps max_request_bytes.
    max_upload_bytes: int = 200 * 1024 * 1024
    # Where the media library keeps its files; None means <instance_path>/media.
    media_path: Path = None  # type: ignore[assignment]
    embedded_redis_port: int = 6390
    argon2_memory_kib: int = 65536
    argon2_time_cost: int = 3
    report_link_ttl_seconds: int = 300
    invite_ttl_hours: int = 72
    reset_ttl_minutes: int = 60
    proxy_hops: int = 0
    # "sandbox": every network is played by sandbox/ at sandbox_url; "live": the real networks.
    networks_mode: str = "sandbox"
    sandbox_url: str = "http://127.0.0.1:5055"
    network_timeout_seconds: float = 20.0
    # Per network: (client_id, client_secret) of the agency app, from CADENZA_<NETWORK>_CLIENT_ID/SECRET.
    network_apps: dict[str, tuple[str, str]] = field(default_factory=dict)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    # Bearer token Prometheus sends to /metrics; unset, /metrics answers only on the loopback address.
    metrics_token: str | None = None
    # How long a target may sit queued before the recovery sweep puts it back in line.
    publish_stuck_seconds: int = 180
    # A publish job is stopped by RQ after this long; only then is a "publishing" target known to be stuck.
    publish_job_timeout_seconds: int = 120
    # Fork a fresh process per job (RQ's default) or run jobs in the worker process, which keeps database
    # and network connections warm between jobs: a third of the CPU per published post (bench/).
    worker_fork: bool = False
    # Worker processes `cadenza worker` starts; 0 means two per core (publish jobs wait, they don't compute).
    worker_processes: int = 0
    # Targets of one client published side by side by one job (also the most a client has in flight, so
    # a burst from one client never stands in front of another client's post for more than one job).
    publish_batch_size: int = 32
    # Minutes between two reads of an account's metrics (CADENZA_METRICS_SYNC_MINUTES); the networks'
    # quotas make 15 a sensible pace, the sandbox's demo audience moves every minute.
    metrics_sync_minutes: float = 15.0
    # Days raw metric readings are kept (the daily rollups keep the history for good).
    metric_readings_days: int = 90

    def __post_init__(self) -> None:
        if self.media_path is None:
            object.__setattr__(self, "media_path", Path(self.instance_path) / "media")

    @property
    def uses_embedded_redis(self) -> bool:
        """True when no REDIS_URL was given and Cadenza runs its own Redis."""
        return self.redis_url is None

    @property
    def redis_url_or_embedded(self) -> str:
        """REDIS_URL, or where the embedded server listens when none is set."""
        return self.redis_url or f"redis://127.0.0.1:{self.embedded_redis_port}/0"

    @property
    def uses_sandbox(self) -> bool:
        """True when the networks are played by the local sandbox."""
        return self.networks_mode != "live"

    @property
    def is_sqlite(self) -> bool:
        """True when the database is a SQLite file."""
        return self.database_url.startswith("sqlite")

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with some fields replaced (tests, CLI flags)."""
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables, generating local secrets on first run."""
        env = os.environ if environ is None else environ
        instance = Path(env.get("CADENZA_INSTANCE_PATH") or DEFAULT_INSTANCE).resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'cadenza.db'}"
        secret_key = env.get("SECRET_KEY") or _read_or_create(
            instance / "secret_key", lambda: secrets.token_urlsafe(48)
        )
        raw_keys = env.get("TOKEN_ENCRYPTION_KEYS") or _read_or_create(
            instance / "token_keys", lambda: Fernet.generate_key().decode()
        )
        smtp = SmtpSettings(
            host=env.get("SMTP_HOST") or None,
            port=int(env.get("SMTP_PORT") or 587),
            username=env.get("SMTP_USERNAME") or None,
            password=env.get("SMTP_PASSWORD") or None,
            starttls=_flag(env.get("SMTP_STARTTLS"), True),
            sender=env.get("MAIL_FROM") or SmtpSettings.sender,
        )
        base_url = (env.get("CADENZA_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
        return cls(
            instance_path=instance,
            database_url=normalise_database_url(database_url),
            redis_url=env.get("REDIS_URL") or None,
            secret_key=secret_key,
            token_keys=tuple(k.strip() for k in raw_keys.split(",") if k.strip()),
            base_url=base_url,
            reports_url=(env.get("CADENZA_REPORTS_URL") or "http://127.0.0.1:8501").rstrip("/"),
            signup_enabled=_flag(env.get("CADENZA_SIGNUP_ENABLED"), True),
            session_cookie_secure=_flag(env.get("SESSION_COOKIE_SECURE"), base_url.startswith("https://")),
            login_rate_limit=env.get("CADENZA_LOGIN_RATE_LIMIT") or "10 per minute",
            metrics_token=env.get("CADENZA_METRICS_TOKEN") or None,
            publish_stuck_seconds=int(env.get("CADENZA_PUBLISH_STUCK_SECONDS") or 180),
            publish_job_timeout_seconds=int(env.get("CADENZA_PUBLISH_JOB_TIMEOUT") or 120),
            worker_fork=_flag(env.get("CADENZA_WORKER_FORK"), False),
            worker_processes=max(0, int(env.get("CADENZA_WORKER_PROCESSES") or 0)),
            publish_batch_size=max(1, int(env.get("CADENZA_PUBLISH_BATCH") or 32)),
            max_request_bytes=int(env.get("CADENZA_MAX_REQUEST_BYTES") or 1024 * 1024),
            max_upload_bytes=int(env.get("CADENZA_MAX_UPLOAD_MB") or 200) * 1024 * 1024,
            media_path=Path(env["CADENZA_MEDIA_PATH"]).resolve() if env.get("CADENZA_MEDIA_PATH") else None,
            embedded_redis_port=int(env.get("CADENZA_EMBEDDED_REDIS_PORT") or 6390),
            argon2_memory_kib=int(env.get("CADENZA_ARGON2_MEMORY_KIB") or 65536),
            argon2_time_cost=int(env.get("CADENZA_ARGON2_TIME_COST") or 3),
            proxy_hops=int(env.get("CADENZA_PROXY_HOPS") or 0),
            networks_mode=(env.get("CADENZA_NETWORKS") or "sandbox").strip().lower(),
            sandbox_url=(env.get("CADENZA_SANDBOX_URL") or "http://127.0.0.1:5055").rstrip("/"),
            network_timeout_seconds=float(env.get("CADENZA_NETWORK_TIMEOUT") or 20),
            network_apps={
                network: (
                    env[f"CADENZA_{network.upper()}_CLIENT_ID"],
                    env.get(f"CADENZA_{network.upper()}_CLIENT_SECRET", ""),
                )
                for network in NETWORK_KEYS
                if env.get(f"CADENZA_{network.upper()}_CLIENT_ID")
            },
            smtp=smtp,
            metric_readings_days=max(2, int(env.get("CADENZA_METRIC_READINGS_DAYS") or 90)),
            metrics_sync_minutes=float(
                env.get("CADENZA_METRICS_SYNC_MINUTES")
                or (15 if (env.get("CADENZA_NETWORKS") or "sandbox").strip().lower() == "live" else 1)
            ),
        )
