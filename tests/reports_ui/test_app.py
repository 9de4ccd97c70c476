"""The reports app admits only fresh, signed links for a client the user may still see, and keeps
checking: a forged, expired or reused link, another client's id in the session, or access taken away
shows the gate and nothing of any client."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from tenants.models import Membership
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, member
from tests.reports_ui.helpers import cards, everything, metrics, open_page, run, token_for
from tests.reports_ui.world import SIBLING_FOLLOWERS, SIBLING_POST, build_world

GATE = "Open this from Cadenza"


class _SignedAnHourAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 3600


def _captions(at) -> str:
    return " | ".join(c.value for c in at.caption)


def test_without_a_link_visitors_are_sent_to_cadenza(reports_env, session):
    at = run(None)
    assert at.title[0].value == GATE
    assert not metrics(at) and not at.sidebar.selectbox  # no page, no controls


def test_a_fresh_link_shows_the_client_its_agency_and_account_count(reports_env, session):
    agency = AgencyFactory(name="Agenzia Onda")
    client = ClientFactory(agency_id=agency.id, name="Birrificio Alto")
    SocialAccountFactory(agency_id=agency.id, client_id=client.id)
    SocialAccountFactory(agency_id=agency.id, client_id=client.id)
    user = member(agency, "analyst", locale="en")
    at = run(token_for(reports_env, user, client))
    assert at.title[0].value == "Birrificio Alto"
    assert "Live reports by Agenzia Onda" in _captions(at) and "2 connected accounts" in _captions(at)
    # Reruns in the same browser session keep access without the link (which the app took off the URL).
    assert "t" not in at.query_params
    at.run()
    assert at.title[0].value == "Birrificio Alto"


def test_client_contact_sees_their_own_client_in_italian(reports_env, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Cantina Verde", locale="it")
    ClientFactory(agency_id=agency.id, name="Secret Sibling")
    contact = member(agency, "viewer", client=client)
    at = run(token_for(reports_env, contact, client))
    assert at.title[0].value == "Cantina Verde"
    assert "Report in tempo reale" in _captions(at)
    assert list(cards(at))[0] == "Crescita dei follower"
    # Their own client only: no client switch, and the sibling's name nowhere.
    assert "client_pick" not in [s.key for s in at.sidebar.selectbox]
    assert "Secret Sibling" not in everything(at)


def test_staff_without_a_preference_get_the_browser_language_not_the_clients(reports_env, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Cantina Verde", locale="it")
    analyst = member(agency, "analyst")
    at = run(token_for(reports_env, analyst, client))
    assert list(cards(at))[0] == "Follower growth"


def test_the_viewer_switches_language_in_the_sidebar(reports_env, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Cantina Verde")
    analyst = member(agency, "analyst", locale="en")
    at = run(token_for(reports_env, analyst, client))
    at.sidebar.selectbox(key="lang").set_value("it").run()
    assert list(cards(at))[0] == "Crescita dei follower"
    assert at.sidebar.selectbox(key="range").label == "Periodo"


def test_a_link_opens_one_session_only(reports_env, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Forno Antico")
    user = member(agency, "analyst", locale="en")
    token = token_for(reports_env, user, client)
    assert run(token).title[0].value == "Forno Antico"
    replay = run(token)  # the same URL, copied into another browser
    assert replay.title[0].value == GATE and "Forno Antico" not in everything(replay)


@pytest.mark.parametrize("case", ["forged", "expired", "other_client", "other_agency", "revoked_member"])
def test_rejected_links_show_the_gate_and_no_data(reports_env, session, case):
    agency, other_agency = AgencyFactory(), AgencyFactory()
    mine = ClientFactory(agency_id=agency.id, name="Mine")
    secret = ClientFactory(agency_id=agency.id, name="Secret Sibling")
    foreign = ClientFactory(agency_id=other_agency.id, name="Secret Foreign")
    contact = member(agency, "viewer", client=mine, locale="en")
    claims = {"u": contact.id, "a": agency.id, "c": mine.id, "n": f"nonce-{case}"}
    serializer = URLSafeTimedSerializer(reports_env.secret_key, salt="cadenza.reports-link.v1")
    if case == "forged":
        token = URLSafeTimedSerializer("wrong-key", salt="cadenza.reports-link.v1").dumps(claims)
    elif case == "expired":
        assert reports_env.report_link_ttl_seconds < 3600
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
    at = run(token)
    text = everything(at)
    assert at.title[0].value == GATE
    for name in ("Mine", "Secret Sibling", "Secret Foreign"):
        assert name not in text


@pytest.mark.parametrize("page", ["overview", "channels", "posts", "community", "plan", "archive"])
def test_a_session_that_claims_another_clients_id_shows_the_gate(reports_env, session, page):
    world = build_world(session)
    contact = member(world.agency, "approver", client=world.client, locale="en")
    at = open_page(run(token_for(reports_env, contact, world.client)), page)
    assert at.title[0].value == "Birrificio Alto"
    # The browser session is tampered with: it now claims the sibling client.
    at.session_state["viewer"] = {**at.session_state["viewer"], "client_id": world.sibling.id}
    at.run()
    text = everything(at)
    assert at.title[0].value == GATE and not metrics(at) and not at.dataframe
    assert "Secret Sibling" not in text and SIBLING_POST not in text
    assert f"{SIBLING_FOLLOWERS:,}" not in text and "987.654" not in text


def test_access_taken_away_ends_an_open_session(reports_env, session):
    world = build_world(session)
    contact = member(world.agency, "viewer", client=world.client, locale="en")
    at = run(token_for(reports_env, contact, world.client))
    assert at.title[0].value == "Birrificio Alto" and metrics(at)
    session.delete(session.scalars(select(Membership).where(Membership.user_id == contact.id)).one())
    session.commit()
    at.run()
    assert at.title[0].value == GATE and not metrics(at)
    assert "Birrificio Alto" not in everything(at)
    # Giving access back does not reopen the session: a new link from Cadenza does.
    member(world.agency, "viewer", client=world.client, email="again@client.example")
    at.run()
    assert at.title[0].value == GATE


def test_staff_switch_between_the_clients_they_may_see_and_no_other(reports_env, session):
    world = build_world(session)
    hidden = ClientFactory(agency_id=world.agency.id, name="Hidden Client")
    limited = member(world.agency, "analyst", limited_to=[world.client, world.sibling], locale="en")
    at = run(token_for(reports_env, limited, world.client))
    picker = at.sidebar.selectbox(key="client_pick")
    assert sorted(picker.options) == ["Birrificio Alto", "Secret Sibling"]
    picker.set_value(world.sibling.id).run()
    assert at.title[0].value == "Secret Sibling"
    # A client outside their list, claimed through the session, is refused.
    at.session_state["viewer"] = {**at.session_state["viewer"], "client_id": hidden.id}
    at.run()
    assert at.title[0].value == GATE and "Hidden Client" not in everything(at)


def _unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def test_client_and_agency_names_show_as_written_never_as_markdown(reports_env, session):
    name = "[Win a prize](https://evil.example) ![x](https://evil.example/t.png) **Birra** :red[_Alta_] $x$"
    agency = AgencyFactory(name="Onda <b>`x`</b> # & Co.")
    client = ClientFactory(agency_id=agency.id, name=name)
    user = member(agency, "analyst", locale="en")
    at = run(token_for(reports_env, user, client))
    title, caption = at.title[0].value, at.caption[0].value
    # Every Markdown character is escaped: the names read exactly as stored, with no link, image or style.
    assert _unescaped(title) == name
    assert "Live reports by Onda <b>`x`</b> # & Co." in _unescaped(caption)
    for shown in (title, caption.split(" · ")[0]):
        assert not re.search(r"(?<!\\)[\[\]()!*_`:$<>#&]", shown.removeprefix("Live reports by ")), shown


def _live_panel() -> None:
    """A live panel as the pages draw theirs, for driving shell.live_scope alone."""
    import streamlit as st

    from reports_ui import shell

    @st.fragment(run_every=5)
    def panel() -> None:
        st.title(f"live {shell.live_scope().client_name}")

    if shell.VIEWER in st.session_state:
        panel()
    else:
        st.title("gate")


@pytest.mark.parametrize("change", ["membership_removed", "user_deactivated"])
def test_a_live_refresh_asks_for_access_again_and_ends_the_view_without_it(reports_env, session, change):
    from streamlit.testing.v1 import AppTest

    from reports_ui import data

    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Forno Antico")
    contact = member(agency, "viewer", client=client, locale="en")
    ids = {"user_id": contact.id, "agency_id": agency.id, "client_id": client.id}
    at = AppTest.from_function(_live_panel, default_timeout=60)
    at.session_state["viewer"] = ids
    at.session_state["scope"] = data.current_scope(**ids)
    at.run()
    assert at.title[0].value == "live Forno Antico"
    if change == "membership_removed":
        session.delete(session.scalars(select(Membership).where(Membership.user_id == contact.id)).one())
    else:
        contact.is_active = False
    session.commit()
    at.run()
    assert not at.exception and at.title[0].value == "gate"
    assert "viewer" not in at.session_state and "scope" not in at.session_state
