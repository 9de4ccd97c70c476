"""The KPI targets agreed with a client: one value per KPI, per week, month or quarter."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tenants.errors import N_, Invalid
from tenants.metrics.kpis import KPIS, PERIOD_DAYS
from tenants.models import KpiTarget, Membership, User
from tenants.models.base import utcnow
from tenants.permissions import Perm
from tenants.services import audit
from tenants.services.access import get_visible_client, require


def list_targets(*, session: Session, agency_id: int, client_id: int) -> list[KpiTarget]:
    """The client's targets, in the order KPIs are shown."""
    order = list(KPIS)
    rows = session.scalars(
        select(KpiTarget).where(KpiTarget.agency_id == agency_id, KpiTarget.client_id == client_id)
    ).all()
    return sorted(rows, key=lambda t: order.index(t.kpi) if t.kpi in order else len(order))


def clean_targets(data: Any) -> dict[str, tuple[float, str]]:
    """{kpi: (target, period)} from {kpi: {"target": n, "period": "month"}}; Invalid otherwise."""
    if not isinstance(data, Mapping):
        raise Invalid(N_("Send the targets as an object keyed by KPI."), field="targets")
    cleaned = {}
    for kpi, entry in data.items():
        if kpi not in KPIS:
            raise Invalid(N_("Unknown KPI %(kpi)s."), field="targets", kpi=str(kpi)[:40])
        if entry is None or entry == "":
            continue  # no target for this KPI
        if not isinstance(entry, Mapping):
            raise Invalid(N_("Give %(kpi)s a target and a period."), field=kpi, kpi=kpi)
        target, period = entry.get("target"), entry.get("period", "month")
        if isinstance(target, str):
            try:
                target = float(target.replace(",", ".")) if target.strip() else None
            except ValueError:
                target = "invalid"
        if target is None:
            continue
        if isinstance(target, bool) or not isinstance(target, int | float) or not math.isfinite(target):
            raise Invalid(N_("The target of %(kpi)s must be a number."), field=kpi, kpi=kpi)
        if target < 0 or (KPIS[kpi].unit == "percent" and target > 1000):
            raise Invalid(N_("The target of %(kpi)s is out of range."), field=kpi, kpi=kpi)
        if period not in PERIOD_DAYS:
            raise Invalid(N_("The period is week, month or quarter."), field=kpi)
        cleaned[kpi] = (float(target), period)
    return cleaned


def replace_targets(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
    data: Any,
    actor_label: str | None = None,
) -> list[KpiTarget]:
    """Set the client's targets to exactly these (a KPI left out has no target any more)."""
    require(membership, Perm.KPI_EDIT)
    get_visible_client(session=session, membership=membership, client_id=client_id)
    cleaned = clean_targets(data)
    session.execute(
        delete(KpiTarget).where(KpiTarget.agency_id == agency_id, KpiTarget.client_id == client_id)
    )
    now = utcnow()
    for kpi, (target, period) in cleaned.items():
        session.add(
            KpiTarget(
                agency_id=agency_id,
                client_id=client_id,
                kpi=kpi,
                period=period,
                target=target,
                updated_by_id=actor.id if actor else None,
                updated_at=now,
            )
        )
    session.flush()
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        action="kpi_targets.saved",
        actor=actor,
        actor_label=actor_label,
        target_type="client",
        target_id=client_id,
        details={kpi: {"target": t, "period": p} for kpi, (t, p) in cleaned.items()},
    )
    return list_targets(session=session, agency_id=agency_id, client_id=client_id)
