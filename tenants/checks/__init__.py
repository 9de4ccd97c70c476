"""Pre-publish checks: length, media, offensive and forbidden words, spelling, links (pure, no I/O)."""

from tenants.checks.engine import CheckContext, Finding, run_checks

__all__ = ["CheckContext", "Finding", "run_checks"]
