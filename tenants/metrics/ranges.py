"""The client a report over a range of local days reads, with the range checked once for every report."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import Client


def client_for_range(*, session: Session, agency_id: int, client_id: int, start: date, end: date) -> Client:
    """The agency's client (its time zone says where the local days [start, end] begin and end)."""
    if end < start:
        raise ValueError("the range ends before it starts")
    return session.scalars(select(Client).where(Client.agency_id == agency_id, Client.id == client_id)).one()
