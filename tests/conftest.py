"""Shared fixtures: one migrated database per run (SQLite or PostgreSQL), real Redis, app and factories.

Pick the database with `--db=sqlite|postgresql` or CADENZA_TEST_DATABASE_URL; Redis with
CADENZA_TEST_REDIS_URL (otherwise an embedded redis-server is started for the run).
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from redis import Redis
from sqlalchemy import text
from sqlalchemy.orm import Session

from tenants.db import make_engine, make_session_factory
from tenants.embedded_redis import EmbeddedRedis
from tenants.migrate import upgrade
from tenants.models import Base
from tenants.settings import Settings
from tests import factories
from worker.context import job_context

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default=None,
        help="database to test against (default: CADENZA_TEST_DATABASE_URL or sqlite)",
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    choice = request.config.getoption("--db")
    url = os.environ.get("CADENZA_TEST_DATABASE_URL")
    if choice == "postgresql":
        url = url if url and url.startswith("postgresql") else PG_DEFAULT
    elif choice == "sqlite" or not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url = os.environ.get("CADENZA_TEST_REDIS_URL")
    if url:
        yield url
        return
    server = EmbeddedRedis(
        port=_free_port(), data_dir=Path(os.environ.get("TMPDIR", "/tmp")) / "cadenza-test-redis"
    )
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def base_settings(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        instance_path=tmp_path_factory.mktemp("instance"),
        media_path=tmp_path_factory.mktemp("media"),
        database_url=database_url,
        redis_url=redis_url,
        secret_key="test-secret-key-not-for-production",
        token_keys=(Fernet.generate_key().decode(),),
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        login_rate_limit="5 per minute",
    )


def _reset_schema(settings: Settings) -> None:
    engine = make_engine(settings)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated(base_settings: Settings) -> Settings:
    _reset_schema(base_settings)
    upgrade(base_settings)
    return base_settings


@pytest.fixture(scope="session")
def engine(migrated: Settings):
    eng = make_engine(migrated)
    yield eng
    eng.dispose()


def _empty_tables(engine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def settings(migrated: Settings, engine) -> Iterator[Settings]:
    """Settings of a clean database, a clean Redis database and an empty media folder."""
    _empty_tables(engine)
    shutil.rmtree(migrated.media_path, ignore_errors=True)
    Redis.from_url(migrated.redis_url).flushdb()
    yield migrated


def settings_environ(settings: Settings) -> dict[str, str]:
    """Environment variables from which another process (worker, CLI, reports) rebuilds these settings."""
    return {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key,
        "TOKEN_ENCRYPTION_KEYS": ",".join(settings.token_keys),
        "CADENZA_INSTANCE_PATH": str(settings.instance_path),
        "CADENZA_MEDIA_PATH": str(settings.media_path),
        "CADENZA_ARGON2_MEMORY_KIB": str(settings.argon2_memory_kib),
        "CADENZA_ARGON2_TIME_COST": str(settings.argon2_time_cost),
    }


@pytest.fixture
def process_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Put this test's settings into os.environ, for code that reads its settings there (jobs, Streamlit)."""
    for key, value in settings_environ(settings).items():
        monkeypatch.setenv(key, value)
    return settings


@pytest.fixture
def session(settings: Settings, engine) -> Iterator[Session]:
    factory = make_session_factory(engine)
    with factory() as sess:
        factories.bind(sess)
        yield sess
        factories.bind(None)


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    """The sandbox networks, served for the whole run on a free port."""
    import threading

    from werkzeug.serving import make_server

    from sandbox import create_app as create_sandbox

    server = make_server("127.0.0.1", 0, create_sandbox(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def sandbox(sandbox_url: str):
    """The sandbox, reset to its seed; its control API for the test."""
    import httpx

    from tests.sandbox_control import SandboxControl

    with httpx.Client(base_url=sandbox_url, timeout=10) as http:
        control = SandboxControl(url=sandbox_url, http=http)
        control.reset()
        yield control


@pytest.fixture
def net_settings(settings: Settings, sandbox) -> Settings:
    """Settings whose networks are the test's sandbox, with short timeouts."""
    return settings.with_overrides(
        networks_mode="sandbox", sandbox_url=sandbox.url, network_timeout_seconds=2.0
    )


@pytest.fixture
def net_app(net_settings: Settings):
    """The web app talking to the sandbox networks (CSRF off, like `app`)."""
    from web import create_app

    application = create_app(net_settings, config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    yield application
    application.extensions["cadenza"]["engine"].dispose()


@pytest.fixture
def hasher(settings: Settings):
    from tenants.passwords import make_password_hasher

    return make_password_hasher(settings)


@pytest.fixture
def app(settings: Settings):
    from web import create_app

    application = create_app(settings, config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    yield application
    application.extensions["cadenza"]["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_app(settings: Settings):
    """The app exactly as in production (CSRF on, TESTING off)."""
    from web import create_app

    application = create_app(settings)
    yield application
    application.extensions["cadenza"]["engine"].dispose()


@pytest.fixture
def worker_env(process_env, sandbox, monkeypatch):
    """Jobs read settings from the environment: point it at this test's database, Redis and sandbox."""
    monkeypatch.setenv("CADENZA_SANDBOX_URL", sandbox.url)
    monkeypatch.setenv("CADENZA_NETWORK_TIMEOUT", "5")
    job_context.cache_clear()
    yield job_context().settings
    job_context.cache_clear()


DEMO_NETWORKS = ("mastodon", "x", "facebook", "instagram", "linkedin", "bluesky")


@pytest.fixture
def demo(worker_env, sandbox, session):
    """The demo client with one sandbox account per network (connected through each network's real flow)."""
    from sqlalchemy import select

    from tenants.demo import seed_demo_data
    from tenants.models import Client, SocialAccount
    from tenants.passwords import make_password_hasher
    from web.demo_accounts import connect_demo_accounts

    seed_demo_data(session=session, hasher=make_password_hasher(worker_env))
    session.commit()
    connect_demo_accounts(worker_env)
    session.expire_all()
    client = session.scalars(select(Client)).one()
    accounts = {
        a.network: a
        for a in session.scalars(select(SocialAccount).where(SocialAccount.client_id == client.id))
    }
    assert set(DEMO_NETWORKS) <= set(accounts)
    return client, accounts
