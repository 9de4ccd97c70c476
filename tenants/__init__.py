"""Cadenza's shared core: settings, database, models and domain services (no web, no jobs)."""
