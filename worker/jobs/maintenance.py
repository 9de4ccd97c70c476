"""Housekeeping run by the scheduler."""

from __future__ import annotations

from redis import Redis

from tenants.services import pending
from worker.context import job_context


def purge_expired_connections(_connection: Redis) -> int:
    """Forget OAuth results nobody picked in time (they hold tokens)."""
    with job_context().session_factory() as session:
        count = pending.purge_expired(session=session)
        session.commit()
    return count
