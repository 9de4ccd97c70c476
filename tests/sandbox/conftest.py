"""Fixtures of the sandbox's own tests: a webhook receiver."""

from __future__ import annotations

import pytest

from tests.sandbox.receiver import Receiver, serve_receiver


@pytest.fixture
def receiver() -> Receiver:
    with serve_receiver() as running:
        yield running
