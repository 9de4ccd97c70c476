"""The reports app admits only fresh, signed links for a client the user may still see."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from tenants.models import Membership
from tenants.services.report_links import mint_link
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, member

APP = str(Path(__file__).resolve().parents[2] / "reports_ui" / "app.py")


class _SignedAnHourAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 3600


def _run(token: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if token is not None:
        at.query_params["t"] = token
    at.run()
    assert not at.exception, at.exception
    return at


def _token(link: str) -> str:
    return link.split("?t=", 1)[1]


def _texts(at: AppTest) -> str:
    parts = [t.value for t in at.title] + [i.value for i in at.info] + [str(m.value) for m in at.metric]
    return " | ".join(parts)


def test_without_a_link_visitors_are_sent_to_cadenza(reports_env, session):
    at = _run(None)
    assert "Open this from Cadenza" in _texts(at)


def test_a_fresh_link_shows_the_client_and_its_account_count(reports_env, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Birrificio Alto")
    SocialAccountFactory(agency_id=agency.id, client_id=client.id)
    SocialAccountFactory(agency_id=agency.id, client_id=client.id)
    user = member(agency, "analyst", locale="en")
    at = _run(
        _token(mint_link(settings=reports_env, user_id=user.id, agency_id=agency.id, client_id=client.id))
    )
    assert at.title[0].value == "Birrificio Alto"
    assert at.metric[0].value == "2"
    # Reruns in the same browser session keep access without the link.
    at.run()
    assert at.title[0].value == "Birrificio Alto"


def test_client_contact_sees_their_own_client_in_italian(reports_env, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Cantina Verde", locale="it")
    contact = member(agency, "viewer", client=client)
    at = _run(
        _token(mint_link(settings=reports_env, user_id=contact.id, agency_id=agency.id, client_id=client.id))
    )
    assert at.title[0].value == "Cantina Verde"
    assert at.metric[0].label == "Account collegati"


@pytest.mark.parametrize("case", ["forged", "expired", "other_client", "other_agency", "revoked_member"])
def test_rejected_links_show_the_gate_and_no_data(reports_env, session, case):
    agency, other_agency = AgencyFactory(), AgencyFactory()
    mine = ClientFactory(agency_id=agency.id, name="Mine")
    secret = ClientFactory(agency_id=agency.id, name="Secret Sibling")
    foreign = ClientFactory(agency_id=other_agency.id, name="Secret Foreign")
    contact = member(agency, "viewer", client=mine, locale="en")
    claims = {"u": contact.id, "a": agency.id, "c": mine.id}
    serializer = URLSafeTimedSerializer(reports_env.secret_key, salt="cadenza.reports-link.v1")
    if case == "forged":
        token = URLSafeTimedSerializer("wrong-key", salt="cadenza.reports-link.v1").dumps(claims)
    elif case == "expired":
        token = URLSafeTimedSerializer(
            reports_env.secret_key, salt="cadenza.reports-link.v1", signer=_SignedAnHourAgo
        ).dumps(claims)
    elif case == "other_client":
        token = serializer.dumps({**claims, "c": secret.id})
    elif case == "other_agency":
        token = serializer.dumps({**claims, "a": other_agency.id, "c": foreign.id})
    else:
        token = serializer.dumps(claims)
        session.delete(session.scalars(select(Membership).where(Membership.user_id == contact.id)).one())
        session.commit()
    at = _run(token)
    text = _texts(at)
    assert "Open this from Cadenza" in text
    for name in ("Mine", "Secret Sibling", "Secret Foreign"):
        assert name not in text


def test_staff_without_a_preference_get_the_browser_language_not_the_clients(reports_env, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Cantina Verde", locale="it")
    analyst = member(agency, "analyst")
    at = _run(
        _token(mint_link(settings=reports_env, user_id=analyst.id, agency_id=agency.id, client_id=client.id))
    )
    assert at.metric[0].label == "Connected accounts"


def test_a_link_opens_one_session_only(reports_env, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Forno Antico")
    user = member(agency, "analyst", locale="en")
    token = _token(mint_link(settings=reports_env, user_id=user.id, agency_id=agency.id, client_id=client.id))
    assert _run(token).title[0].value == "Forno Antico"
    replay = _texts(_run(token))  # the same URL, copied into another browser
    assert "Open this from Cadenza" in replay and "Forno Antico" not in replay
