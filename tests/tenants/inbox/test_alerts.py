"""Crisis alerts on stored items: a spike over the client's own baseline fires once, the cooldown holds the
next, a client without history never alerts, managers and contacts hear of it, the banner shows the holding
statement, and the Slack-compatible webhook gets one message."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from tenants.crypto import TokenCipher
from tenants.inbox import alerts
from tenants.inbox.incoming import Incoming
from tenants.inbox.ingest import ingest
from tenants.inbox.settings_store import get_settings
from tenants.models import CrisisAlert, Notification, utcnow
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, member

NEGATIVE = "Servizio pessimo, non torneremo mai più. Vergogna!"
NEUTRAL = "A che ora aprite domenica?"


def _item(n: int, text: str, at) -> Incoming:
    return Incoming(
        remote_id=f"m-{n}",
        kind="mention",
        author_id=f"fan-{n}",
        author_handle=f"@fan{n}",
        author_name=f"Fan {n}",
        text=text,
        created_at=at,
    )


@pytest.fixture
def shop(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Da Mario", slug="mario")
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    manager = member(agency, "manager")
    contact = member(agency, "approver", client=client)
    editor = member(agency, "editor")
    now = utcnow()
    # Three days of ordinary life: a question an hour, a complaint every six hours.
    history = [
        _item(n, NEGATIVE if n % 6 == 0 else NEUTRAL, now - timedelta(hours=72 - n)) for n in range(70)
    ]
    ingest(session=session, account=account, items=history, now=now)
    session.commit()
    return client, account, {"manager": manager, "contact": contact, "editor": editor}


def _spike(session, account, count: int, start: int, now) -> None:
    items = [_item(start + n, NEGATIVE, now - timedelta(minutes=n)) for n in range(count)]
    ingest(session=session, account=account, items=items, now=now)
    session.commit()


def test_a_spike_fires_once_then_the_cooldown_holds(session, shop):
    client, account, people = shop
    now = utcnow()
    quiet = alerts.check_for_crisis(session=session, agency_id=client.agency_id, client_id=client.id, now=now)
    assert not quiet.decision.fire and quiet.decision.reason in ("below_minimum", "within_baseline")
    _spike(session, account, 12, 1000, now)
    fired = alerts.check_for_crisis(session=session, agency_id=client.agency_id, client_id=client.id, now=now)
    session.commit()
    assert fired.decision.fire and fired.alert is not None
    assert fired.alert.window_negative == 12 and fired.alert.expected < 1
    told = {n.user_id for n in fired.notified}
    assert {people["manager"].id, people["contact"].id} <= told and people["editor"].id not in told
    # The same spike a few minutes later, and a new one inside the cooldown: no second alert.
    _spike(session, account, 8, 2000, now + timedelta(minutes=10))
    later = alerts.check_for_crisis(
        session=session, agency_id=client.agency_id, client_id=client.id, now=now + timedelta(minutes=10)
    )
    assert not later.decision.fire and later.decision.reason == "cooldown"
    assert len(session.scalars(select(CrisisAlert)).all()) == 1
    kinds = session.scalars(select(Notification.kind).where(Notification.user_id == people["manager"].id))
    assert list(kinds) == ["inbox.crisis"]


def test_a_client_without_history_never_alerts(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x")
    now = utcnow()
    _spike(session, account, 30, 0, now)  # a first read's backlog of complaints
    check = alerts.check_for_crisis(session=session, agency_id=client.agency_id, client_id=client.id, now=now)
    assert not check.decision.fire and check.decision.reason == "no_baseline"


def test_the_banner_shows_the_holding_statement_until_acknowledged(session, shop):
    client, account, people = shop
    get_settings(
        session=session, agency_id=client.agency_id, client_id=client.id
    ).holding_statement = "Stiamo verificando, vi aggiorniamo entro oggi."
    now = utcnow()
    _spike(session, account, 12, 1000, now)
    fired = alerts.check_for_crisis(session=session, agency_id=client.agency_id, client_id=client.id, now=now)
    session.commit()
    banner = alerts.open_alert(session=session, agency_id=client.agency_id, client_id=client.id)
    assert banner.alert.id == fired.alert.id and banner.holding_statement.startswith("Stiamo verificando")
    alerts.acknowledge(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        alert_id=fired.alert.id,
        user=people["manager"],
    )
    assert alerts.open_alert(session=session, agency_id=client.agency_id, client_id=client.id) is None


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers["Content-Length"])
        _Receiver.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        return None


def test_the_crisis_job_posts_one_slack_message(session, shop, worker_env):
    from worker.jobs.inbox_alerts import check_client_crisis

    client, account, _people = shop
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.bodies.clear()
    row = get_settings(session=session, agency_id=client.agency_id, client_id=client.id)
    row.crisis_webhook_enc = TokenCipher.from_settings(worker_env).encrypt(
        f"http://127.0.0.1:{server.server_port}/hook"
    )
    client.name = "Da <Mario> & Co"
    session.commit()
    _spike(session, account, 12, 1000, utcnow())
    assert check_client_crisis(client.id) == "alerted"
    assert check_client_crisis(client.id) == "cooldown"
    server.shutdown()
    assert len(_Receiver.bodies) == 1
    body = _Receiver.bodies[0]
    assert "12 negative messages" in body["text"]
    assert "Da &lt;Mario&gt; &amp; Co" in body["blocks"][0]["text"]["text"]
    session.expire_all()
    assert session.scalars(select(CrisisAlert.webhook_status)).one() == "sent"
