"""What a job needs from the outside world (settings, database), built once per worker process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from tenants.db import make_engine, make_session_factory
from tenants.settings import Settings
from tenants.tracking.shortening import published_prefix


@dataclass(frozen=True)
class JobContext:
    """Settings and a session factory shared by the jobs of one process."""

    settings: Settings
    session_factory: sessionmaker[Session]


@lru_cache(maxsize=1)
def job_context() -> JobContext:
    """The process-wide context; jobs run in a worker whose environment holds the settings."""
    settings = Settings.from_env()
    factory = make_session_factory(make_engine(settings), short_link_prefix=published_prefix(settings))
    return JobContext(settings=settings, session_factory=factory)
