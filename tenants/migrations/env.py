"""Alembic environment: runs migrations on the database named by Cadenza's settings."""

from __future__ import annotations

from alembic import context

from tenants.db import make_engine
from tenants.models import Base
from tenants.settings import Settings

config = context.config
settings: Settings = config.attributes.get("settings") or Settings.from_env()


def run_migrations() -> None:
    """Run migrations online, in one transaction per migration run."""
    engine = make_engine(settings)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
