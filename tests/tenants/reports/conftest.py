"""The report tests' world: see tests/report_samples.py."""

from __future__ import annotations

import pytest

from tests.report_samples import ReportWorld, build_report_world


@pytest.fixture
def report_world(session) -> ReportWorld:
    return build_report_world(session)
