"""Read-only data helpers for the reports app; every function takes the client explicitly.

Cached figures are keyed by agency, client and dates (a cache entry is shared by every viewer of that
client, never seen by another's) and live a few seconds only: the pages refresh every LIVE_SECONDS and a
new reading must show within 15 s. Access is never cached: `current_scope`/`check_access` ask the
database each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st
from redis import Redis, RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tenants.db import make_engine, make_session_factory
from tenants.metrics.channels import ChannelRow, channel_report
from tenants.metrics.community import CommunityReport, community_report
from tenants.metrics.kpis import KpiValue, kpi_overview
from tenants.metrics.plan_adherence import PlanAdherence, plan_adherence
from tenants.metrics.series import PostPerformance, account_days, client_days, post_performance
from tenants.models import Agency, Client, utcnow
from tenants.permissions import is_client_role
from tenants.reports.archive import FORMATS, file_name, list_reports, report_file
from tenants.services.access import membership_in, visible_clients_query
from tenants.services.clients import connected_account_count
from tenants.services.local_time import to_local
from tenants.services.report_links import LinkRejected, ReportViewer, open_link, resolve_viewer
from tenants.settings import Settings

LIVE_SECONDS = 5  # how often the live panels refresh
CACHE_SECONDS = 4  # a figure is at most this old when a panel refreshes: new data shows within ~10 s


@dataclass(frozen=True)
class ReportScope:
    """Who is looking at which client's reports, and how the client is branded."""

    user_id: int
    agency_id: int
    client_id: int
    client_name: str
    brand_color: str
    logo_url: str | None
    timezone: str
    agency_name: str
    account_count: int
    # (id, name) of every client this user may open here: only their own for a client contact.
    clients: tuple[tuple[int, str], ...]

    @property
    def today(self) -> date:
        """The client's local date now."""
        return to_local(utcnow(), self.timezone).date()


@st.cache_resource
def runtime() -> tuple[Settings, sessionmaker[Session]]:
    """Settings and a session factory for reading, once per process (the reports app never writes)."""
    settings = Settings.from_env()
    return settings, make_reader(settings)


def make_reader(settings: Settings) -> sessionmaker[Session]:
    """A session factory for reading."""
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


def check_access(*, user_id: int, agency_id: int, client_id: int) -> None:
    """LinkRejected unless the user may still see this client's reports (asked on every refresh)."""
    _settings, sessions = runtime()
    with sessions() as session:
        resolve_viewer(session=session, user_id=user_id, agency_id=agency_id, client_id=client_id)


def current_scope(*, user_id: int, agency_id: int, client_id: int) -> ReportScope:
    """The viewer's scope if the user may still see this client; LinkRejected otherwise."""
    _settings, sessions = runtime()
    with sessions() as session:
        viewer = resolve_viewer(session=session, user_id=user_id, agency_id=agency_id, client_id=client_id)
        client = viewer.client
        membership = membership_in(session=session, user_id=user_id, agency_id=agency_id)
        if is_client_role(viewer.role):
            clients: tuple[tuple[int, str], ...] = ((client.id, client.name),)
        else:
            query = visible_clients_query(membership=membership, include_archived=False)
            clients = tuple((c.id, c.name) for c in session.scalars(query))
            if client.id not in dict(clients):  # an archived client opened from its workspace
                clients = ((client.id, client.name), *clients)
        agency = session.scalars(select(Agency).where(Agency.id == agency_id)).one()
        return ReportScope(
            user_id=user_id,
            agency_id=agency_id,
            client_id=client.id,
            client_name=client.name,
            brand_color=client.brand_color,
            logo_url=client.logo_url,
            timezone=client.timezone,
            agency_name=agency.name,
            account_count=connected_account_count(session=session, agency_id=agency_id, client_id=client.id),
            clients=clients,
        )


def previous_range(start: date, end: date) -> tuple[date, date]:
    """The range of the same length just before [start, end]."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


# Cached figures: agency and client ids are real arguments, so a cache entry is one client's only.


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=512)
def kpis(agency_id: int, client_id: int, start: date, end: date) -> list[KpiValue]:
    """Every KPI over [start, end] against the previous range and the targets."""
    with runtime()[1]() as session:
        return kpi_overview(session=session, agency_id=agency_id, client_id=client_id, start=start, end=end)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=512)
def client_series(agency_id: int, client_id: int, start: date, end: date) -> list[dict]:
    """The client's rolled-up days over [start, end] and the previous range (for comparison)."""
    first, _ = previous_range(start, end)
    with runtime()[1]() as session:
        return client_days(session=session, agency_id=agency_id, client_id=client_id, start=first, end=end)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=256)
def account_series(agency_id: int, client_id: int, start: date, end: date) -> list[dict]:
    """Each account's rolled-up days over [start, end]."""
    with runtime()[1]() as session:
        return account_days(session=session, agency_id=agency_id, client_id=client_id, start=start, end=end)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=256)
def channels(agency_id: int, client_id: int, start: date, end: date) -> list[ChannelRow]:
    """Each network's figures over [start, end] and the previous range."""
    with runtime()[1]() as session:
        return channel_report(session=session, agency_id=agency_id, client_id=client_id, start=start, end=end)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=256)
def posts(agency_id: int, client_id: int, start: date, end: date) -> list[PostPerformance]:
    """Every post with figures in [start, end], most engaging first."""
    with runtime()[1]() as session:
        return post_performance(
            session=session, agency_id=agency_id, client_id=client_id, start=start, end=end
        )


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=256)
def community(agency_id: int, client_id: int, start: date, end: date) -> CommunityReport:
    """Inbox volume, sentiment and response times over [start, end] and the previous range."""
    with runtime()[1]() as session:
        return community_report(
            session=session, agency_id=agency_id, client_id=client_id, start=start, end=end
        )


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=256)
def plan(agency_id: int, client_id: int, start: date, end: date) -> PlanAdherence:
    """Published against the plan per channel and week, and the pillar mix, over [start, end]."""
    with runtime()[1]() as session:
        return plan_adherence(session=session, agency_id=agency_id, client_id=client_id, start=start, end=end)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False, max_entries=256)
def archive(agency_id: int, client_id: int) -> list[dict]:
    """The client's reports, newest first, with their files' names but not their contents."""
    with runtime()[1]() as session:
        client = session.scalars(
            select(Client).where(Client.agency_id == agency_id, Client.id == client_id)
        ).one()
        return [
            {
                "id": r.id,
                "kind": r.kind,
                "start": r.period_start,
                "end": r.period_end,
                "status": r.status,
                "progress": r.progress,
                "files": {fmt: file_name(r, client, fmt) for fmt in FORMATS} if r.status == "done" else {},
            }
            for r in list_reports(session=session, agency_id=agency_id, client_id=client_id)
        ]


def archived_file(*, user_id: int, agency_id: int, client_id: int, report_id: int, fmt: str) -> bytes:
    """One file of one of the client's finished reports, for a viewer who may still see the client."""
    # Read when the viewer clicks (never cached: files are large), possibly long after the page was drawn.
    check_access(user_id=user_id, agency_id=agency_id, client_id=client_id)
    with runtime()[1]() as session:
        return report_file(
            session=session, agency_id=agency_id, client_id=client_id, report_id=report_id, fmt=fmt
        ).data
