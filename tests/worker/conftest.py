"""Fixtures for job tests: jobs read their settings from the environment, as in a worker process."""

from __future__ import annotations

import pytest

from worker.context import job_context


@pytest.fixture
def worker_env(process_env, sandbox, monkeypatch):
    """Jobs read settings from the environment: point it at this test's database, Redis and sandbox."""
    monkeypatch.setenv("CADENZA_SANDBOX_URL", sandbox.url)
    monkeypatch.setenv("CADENZA_NETWORK_TIMEOUT", "5")
    job_context.cache_clear()
    yield job_context().settings
    job_context.cache_clear()
