"""Crisis alerts: a spike of negative items against the client's rolling baseline, raised once per spike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.errors import N_, NotFound
from tenants.inbox.crisis import SpikeDecision, detect_spike
from tenants.inbox.settings_store import get_settings, rules_of
from tenants.models import Client, CrisisAlert, InboxItem, Notification, User
from tenants.models.base import utcnow
from tenants.services import notifications

# A banner stays up this long after the alert unless someone acknowledges it.
BANNER_HOURS = 24
# Less inbox history than this is no baseline to compare a spike with.
MIN_HISTORY = timedelta(hours=6)


@dataclass(frozen=True)
class OpenCrisis:
    """The alert a banner shows, with what to say meanwhile."""

    alert: CrisisAlert
    window_minutes: int
    holding_statement: str


@dataclass(frozen=True)
class CrisisCheck:
    """What one check decided, and the alert and notifications it created when it fired."""

    decision: SpikeDecision
    alert: CrisisAlert | None = None
    notified: tuple[Notification, ...] = ()


def negative_counts(
    *, session: Session, agency_id: int, client_id: int, window: timedelta, windows: int, now: datetime
) -> list[int]:
    """Negative items per window, newest window first (`windows` of them, ending at `now`)."""
    since = now - window * windows
    moments = session.scalars(
        select(InboxItem.created_at).where(
            InboxItem.agency_id == agency_id,
            InboxItem.client_id == client_id,
            InboxItem.sentiment == "negative",
            InboxItem.created_at > since,
            InboxItem.created_at <= now,
        )
    )
    counts = [0] * windows
    for moment in moments:
        index = int((now - moment) / window)
        if 0 <= index < windows:
            counts[index] += 1
    return counts


def check_for_crisis(
    *, session: Session, agency_id: int, client_id: int, now: datetime | None = None
) -> CrisisCheck:
    """Compare the last window's negative items with the baseline; fire (and notify) once per spike."""
    now = now or utcnow()
    row = get_settings(session=session, agency_id=agency_id, client_id=client_id)
    config = rules_of(row).crisis
    window = timedelta(minutes=config.window_minutes)
    baseline_windows = max(1, int(timedelta(hours=config.baseline_hours) / window))
    counts = negative_counts(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        window=window,
        windows=1 + baseline_windows,
        now=now,
    )
    last = session.scalar(
        select(CrisisAlert.fired_at)
        .where(CrisisAlert.agency_id == agency_id, CrisisAlert.client_id == client_id)
        .order_by(CrisisAlert.fired_at.desc())
        .limit(1)
    )
    # The baseline is the windows the client's inbox has history for: a just-connected client has a short
    # one (down to MIN_HISTORY), and none at all before that, when a first read's backlog would look like
    # a spike.
    oldest = session.scalar(
        select(func.min(InboxItem.created_at)).where(
            InboxItem.agency_id == agency_id, InboxItem.client_id == client_id
        )
    )
    history = int((now - oldest) / window) if oldest else 0
    if oldest is None or now - oldest < MIN_HISTORY:
        decision = SpikeDecision(
            fire=False,
            reason="no_baseline",
            window_negative=counts[0],
            expected=0.0,
            threshold=float("inf"),
            cooldown_until=None,
        )
        return CrisisCheck(decision=decision)
    decision = detect_spike(
        config,
        window_negative=counts[0],
        baseline_counts=counts[1 : 1 + max(1, min(history, baseline_windows))],
        last_alert_at=last,
        now=now,
    )
    if not decision.fire:
        return CrisisCheck(decision=decision)
    alert = CrisisAlert(
        agency_id=agency_id,
        client_id=client_id,
        fired_at=now,
        window_negative=counts[0],
        threshold=decision.threshold,
        expected=decision.expected,
    )
    session.add(alert)
    session.flush()
    client = session.get(Client, client_id)
    created = notifications.notify_client_team(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        kind="inbox.crisis",
        params={
            "client": client.name if client else "",
            "count": counts[0],
            "window": config.window_minutes,
            "expected": f"{decision.expected:.1f}",
        },
        link=f"/c/{client.slug}/inbox?sentiment=negative" if client else None,
        include_contacts=True,
    )
    return CrisisCheck(decision=decision, alert=alert, notified=tuple(created))


def open_alert(
    *, session: Session, agency_id: int, client_id: int, now: datetime | None = None
) -> OpenCrisis | None:
    """The unacknowledged alert of the last day, for the crisis banner."""
    now = now or utcnow()
    alert = session.scalar(
        select(CrisisAlert)
        .where(
            CrisisAlert.agency_id == agency_id,
            CrisisAlert.client_id == client_id,
            CrisisAlert.acknowledged_at.is_(None),
            CrisisAlert.fired_at > now - timedelta(hours=BANNER_HOURS),
        )
        .order_by(CrisisAlert.fired_at.desc())
        .limit(1)
    )
    if alert is None:
        return None
    row = get_settings(session=session, agency_id=agency_id, client_id=client_id)
    return OpenCrisis(
        alert=alert,
        window_minutes=rules_of(row).crisis.window_minutes,
        holding_statement=row.holding_statement,
    )


def acknowledge(
    *, session: Session, agency_id: int, client_id: int, alert_id: int, user: User | None
) -> None:
    """Someone has seen the alert: the banner goes away."""
    alert = session.get(CrisisAlert, alert_id)
    if alert is None or (alert.agency_id, alert.client_id) != (agency_id, client_id):
        raise NotFound(N_("No such alert."))
    if alert.acknowledged_at is None:
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by_id = user.id if user else None


def slack_message(*, client_name: str, alert: CrisisAlert, window_minutes: int, link: str) -> dict:
    """The outgoing webhook's body in Slack-compatible JSON (plain text fallback plus blocks)."""
    text = (
        f"Possible crisis for {client_name}: {alert.window_negative} negative messages in the last "
        f"{window_minutes} minutes (usually about {alert.expected:.1f})."
    )
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(text)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"<{link}|Open the inbox>"}},
        ],
    }


def _slack_escape(text: str) -> str:
    """Slack's three control characters, escaped (a client name could carry them)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
