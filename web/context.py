"""Per-request access to the database session, settings, Redis and the current member."""

from __future__ import annotations

from argon2 import PasswordHasher
from flask import current_app, g
from redis import Redis
from sqlalchemy.orm import Session

from tenants.models import Membership
from tenants.settings import Settings


def db() -> Session:
    """The request's database session (closed at teardown; views commit explicitly)."""
    if "db" not in g:
        g.db = current_app.extensions["cadenza"]["session_factory"]()
    return g.db


def settings() -> Settings:
    """The settings this app was built with."""
    return current_app.extensions["cadenza"]["settings"]


def hasher() -> PasswordHasher:
    """The app's argon2 password hasher."""
    return current_app.extensions["cadenza"]["hasher"]


def redis() -> Redis:
    """The app's Redis client (connects lazily)."""
    return current_app.extensions["cadenza"]["redis"]


def membership() -> Membership | None:
    """The logged-in user's membership in the agency they are working in."""
    return g.get("membership")


def close_db(_exc: BaseException | None = None) -> None:
    """Teardown: return the request's connection to the pool."""
    session = g.pop("db", None)
    if session is not None:
        session.close()
