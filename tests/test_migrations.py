"""Migrations build the schema from empty, match the models, and step down and up again."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from tenants.db import make_engine
from tenants.migrate import current_heads, downgrade, upgrade
from tenants.models import Base
from tenants.settings import Settings


@pytest.fixture
def scratch_settings(base_settings: Settings, tmp_path) -> Settings:
    """A database of its own: a new SQLite file, or a separate PostgreSQL schema."""
    if base_settings.is_sqlite:
        yield base_settings.with_overrides(database_url=f"sqlite:///{tmp_path / 'scratch.db'}")
        return
    engine = make_engine(base_settings)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
        conn.execute(text("CREATE SCHEMA migration_test"))
    engine.dispose()
    sep = "&" if "?" in base_settings.database_url else "?"
    url = f"{base_settings.database_url}{sep}options=-csearch_path%3Dmigration_test"
    yield base_settings.with_overrides(database_url=url)
    engine = make_engine(base_settings)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
    engine.dispose()


def test_upgrade_from_empty_matches_the_models(scratch_settings):
    upgrade(scratch_settings)
    engine = make_engine(scratch_settings)
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_base_and_back(scratch_settings):
    upgrade(scratch_settings)
    head = current_heads(scratch_settings)
    downgrade(scratch_settings, "base")
    assert current_heads(scratch_settings) == set()
    upgrade(scratch_settings)
    assert current_heads(scratch_settings) == head


def test_migration_files_carry_dates_in_their_names():
    from pathlib import Path

    import tenants.migrations

    versions = Path(tenants.migrations.__file__).parent / "versions"
    names = [p.name for p in versions.glob("*.py")]
    assert names and all(n[:8].isdigit() and n[8] == "_" for n in names), names
