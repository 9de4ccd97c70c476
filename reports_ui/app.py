"""Entry script of the reports app: admits only visitors holding a fresh link from the web app."""

from __future__ import annotations

import streamlit as st

from reports_ui.data import check_link, client_summary, make_reader
from tenants.services.report_links import LinkRejected
from tenants.settings import Settings

TEXT = {
    "en": {
        "title": "Cadenza reports",
        "gate": "Open this from Cadenza",
        "gate_body": 'Reports open from a client\'s workspace in Cadenza (the "Open live reports" button). '
        "The link you used is missing, expired or not valid for you.",
        "accounts": "Connected accounts",
        "timezone": "Time zone",
        "soon": "Live KPI views arrive here as soon as the client's accounts are connected.",
    },
    "it": {
        "title": "Report di Cadenza",
        "gate": "Apri questa pagina da Cadenza",
        "gate_body": "I report si aprono dallo spazio di lavoro del cliente in Cadenza (il pulsante "
        '"Apri i report in tempo reale"). Il link usato manca, è scaduto o non è valido per te.',
        "accounts": "Account collegati",
        "timezone": "Fuso orario",
        "soon": "Le viste dei KPI in tempo reale arrivano qui appena gli account del cliente sono collegati.",
    },
}


@st.cache_resource
def _runtime() -> tuple[Settings, object]:
    settings = Settings.from_env()
    return settings, make_reader(settings)


def _text(key: str) -> str:
    lang = st.session_state.get("lang") or (st.context.locale or "en")[:2]  # user's choice, else browser
    return TEXT.get(lang, TEXT["en"])[key]


def _admit() -> dict | None:
    """Return the viewer's ids from a new link or from this browser session."""
    settings, sessions = _runtime()
    token = st.query_params.get("t")
    if token:
        try:
            viewer = check_link(sessions=sessions, settings=settings, token=token)
        except LinkRejected:
            st.session_state.pop("viewer", None)
            return None
        st.session_state["viewer"] = {
            "user_id": viewer.user.id,
            "agency_id": viewer.client.agency_id,
            "client_id": viewer.client.id,
        }
        st.session_state["lang"] = viewer.language
        st.query_params.clear()
    return st.session_state.get("viewer")


def main() -> None:
    """Render the gate or the client's page."""
    st.set_page_config(page_title="Cadenza", layout="wide")
    viewer = _admit()
    if viewer is None:
        st.title(_text("gate"))
        st.info(_text("gate_body"))
        return
    _settings, sessions = _runtime()
    try:
        summary = client_summary(
            sessions=sessions,
            user_id=viewer["user_id"],
            agency_id=viewer["agency_id"],
            client_id=viewer["client_id"],
        )
    except LinkRejected:
        st.session_state.pop("viewer", None)
        st.title(_text("gate"))
        st.info(_text("gate_body"))
        return
    st.title(summary.name)
    st.caption(_text("title"))
    left, right = st.columns(2)
    left.metric(_text("accounts"), summary.account_count)
    right.metric(_text("timezone"), summary.timezone)
    st.write(_text("soon"))


main()
