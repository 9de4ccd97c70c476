"""Alembic, driven from settings: the only way tables are created or changed."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from tenants.settings import Settings

FILE_TEMPLATE = "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s"


def alembic_config(settings: Settings) -> Config:
    """An Alembic config pointing at our migrations and the configured database."""
    config = Config()
    config.set_main_option("script_location", "tenants:migrations")
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Bring the database schema up to `revision`."""
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    """Step the schema back to `revision`."""
    command.downgrade(alembic_config(settings), revision)


def current_heads(settings: Settings) -> set[str]:
    """Revisions the database is at."""
    from alembic.runtime.migration import MigrationContext

    from tenants.db import make_engine

    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
