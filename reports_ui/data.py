"""Read-only data helpers for the reports app; every function takes the client explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis, RedisError
from sqlalchemy.orm import Session, sessionmaker

from tenants.db import make_engine, make_session_factory
from tenants.services.clients import connected_account_count
from tenants.services.report_links import LinkRejected, ReportViewer, open_link, resolve_viewer
from tenants.settings import Settings


@dataclass(frozen=True)
class ClientSummary:
    """What the skeleton shows: the client's name and its connected-account count."""

    client_id: int
    name: str
    brand_color: str
    timezone: str
    account_count: int


def make_reader(settings: Settings) -> sessionmaker[Session]:
    """A session factory for reading (the reports app never writes)."""
    return make_session_factory(make_engine(settings))


def check_link(*, sessions: sessionmaker[Session], settings: Settings, token: str) -> ReportViewer:
    """Validate a signed link (single use: a copied URL opens nothing) and the viewer's current access."""
    redis = Redis.from_url(settings.redis_url_or_embedded, socket_connect_timeout=2)

    def claim_once(nonce: str, ttl: int) -> bool:
        try:
            return bool(redis.set(f"cadenza:report-link:{nonce}", 1, nx=True, ex=ttl))
        except RedisError as exc:
            raise LinkRejected("unavailable") from exc

    with sessions() as session:
        return open_link(session=session, settings=settings, token=token, claim_once=claim_once)


def client_summary(
    *, sessions: sessionmaker[Session], user_id: int, agency_id: int, client_id: int
) -> ClientSummary:
    """Name and connected-account count of one client, if the user may still see it."""
    with sessions() as session:
        client = resolve_viewer(
            session=session, user_id=user_id, agency_id=agency_id, client_id=client_id
        ).client
        return ClientSummary(
            client_id=client.id,
            name=client.name,
            brand_color=client.brand_color,
            timezone=client.timezone,
            account_count=connected_account_count(session=session, agency_id=agency_id, client_id=client_id),
        )
