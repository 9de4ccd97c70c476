"""Engine and session factories built from settings; no connection is opened at import time."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tenants.settings import Settings


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web, the worker and reports read while one of them writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(settings: Settings) -> Engine:
    """Create the SQLAlchemy engine for the configured database."""
    url = settings.database_url
    if settings.is_sqlite:
        db_path = url.split("///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


# session.info key: where the deployment's short links live (tenants.tracking.shortening.published_prefix),
# so that the pre-publish checks measure a post as the network will receive it.
SHORT_LINK_PREFIX = "short_link_prefix"


def make_session_factory(engine: Engine, *, short_link_prefix: str | None = None) -> sessionmaker[Session]:
    """Session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False, info={SHORT_LINK_PREFIX: short_link_prefix})


def flush_or_conflict(session: Session, *, message: str, field: str | None = None) -> None:
    """Flush inside a savepoint; a unique-constraint race becomes a Conflict instead of a crash."""
    from tenants.errors import Conflict

    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(message, field=field) from exc
