"""What every page shares: the gate, the viewer's scope, the period, the language and the branding.

The entry script (app.py) admits the viewer and stores only ids in the browser session; on every rerun it
asks the database again (data.current_scope), and every live refresh asks again too (live_scope), so
access taken away in Cadenza ends the view within one refresh.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from reports_ui import data
from reports_ui.fmt import day, plain
from reports_ui.texts import LANGUAGES, text
from tenants.services.report_links import LinkRejected

VIEWER = "viewer"  # {"user_id", "agency_id", "client_id"}: all the browser session keeps
SCOPE = "scope"  # this run's ReportScope, for the pages
PRESETS = ("30", "7", "90", "month", "last_month", "custom")
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_COLOR = "#3b5bdb"


@dataclass(frozen=True)
class Period:
    """The local days [start, end] the pages show, and whether to compare with the previous range."""

    start: date
    end: date
    compare: bool

    @property
    def previous(self) -> tuple[date, date]:
        """The range of the same length just before."""
        return data.previous_range(self.start, self.end)

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days + 1


def lang() -> str:
    """The language chosen here, else the user's, else the browser's, else English."""
    chosen = st.session_state.get("lang")
    if chosen in LANGUAGES:
        return chosen
    browser = (st.context.locale or "en")[:2]
    return browser if browser in LANGUAGES else "en"


def t(key: str, **values: object) -> str:
    """A text in the viewer's language."""
    return text(lang(), key, **values)


def admit() -> dict | None:
    """The viewer's ids from a new link (which replaces any earlier viewer) or from this browser session."""
    token = st.query_params.get("t")
    if token:
        settings, sessions = data.runtime()
        st.query_params.clear()  # a reload must not present the (now used) token again
        try:
            viewer = data.check_link(sessions=sessions, settings=settings, token=token)
        except LinkRejected:
            forget()
            return None
        st.session_state[VIEWER] = {
            "user_id": viewer.user.id,
            "agency_id": viewer.client.agency_id,
            "client_id": viewer.client.id,
        }
        st.session_state["lang"] = viewer.language
    return st.session_state.get(VIEWER)


def forget() -> None:
    """Drop the viewer: the next run shows the gate."""
    for key in (VIEWER, SCOPE):
        st.session_state.pop(key, None)


def scope() -> data.ReportScope | None:
    """The admitted viewer's scope, asked of the database now; None (and forgotten) without access."""
    viewer = st.session_state.get(VIEWER)
    if not isinstance(viewer, dict):
        return None
    try:
        current = data.current_scope(
            user_id=viewer.get("user_id"),
            agency_id=viewer.get("agency_id"),
            client_id=viewer.get("client_id"),
        )
    except LinkRejected:
        forget()
        return None
    st.session_state[SCOPE] = current
    return current


def live_scope() -> data.ReportScope:
    """This run's scope, re-checked on a live refresh; the whole app reruns (to the gate) without access."""
    viewer, current = st.session_state.get(VIEWER), st.session_state.get(SCOPE)
    if not isinstance(viewer, dict) or current is None or viewer.get("client_id") != current.client_id:
        forget()
        st.rerun(scope="app")
    try:
        data.check_access(user_id=current.user_id, agency_id=current.agency_id, client_id=current.client_id)
    except LinkRejected:
        forget()
        st.rerun(scope="app")
    return current


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """The local days a preset covers, ending today (or the last month)."""
    if preset == "month":
        return today.replace(day=1), today
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    days = int(preset) if preset.isdigit() else 30
    return today - timedelta(days=days - 1), today


def period(current: data.ReportScope) -> Period:
    """The chosen period, from the sidebar's widgets (computed on every refresh: "today" moves)."""
    preset = st.session_state.get("range", PRESETS[0])
    start, end = preset_range(preset, current.today)
    if preset == "custom":
        picked = st.session_state.get("custom_range")
        if isinstance(picked, list | tuple) and len(picked) == 2 and picked[0] <= picked[1]:
            start, end = picked
    return Period(start=start, end=end, compare=bool(st.session_state.get("compare", True)))


def sidebar(current: data.ReportScope) -> None:
    """Client (for staff who see several), period, comparison and language."""
    if len(current.clients) > 1:
        ids = [client_id for client_id, _ in current.clients]
        names = dict(current.clients)
        chosen = st.sidebar.selectbox(
            t("client"), ids, index=ids.index(current.client_id), format_func=names.get, key="client_pick"
        )
        if chosen != current.client_id:
            # Only ids go into the session; the next run checks this user may see that client.
            st.session_state[VIEWER] = {**st.session_state[VIEWER], "client_id": chosen}
            st.rerun()
    language = lang()  # bound now: a widget's labels must not depend on when they are formatted
    st.sidebar.selectbox(t("range"), PRESETS, format_func=lambda p: text(language, f"range_{p}"), key="range")
    if st.session_state.get("range") == "custom":
        today = current.today
        st.sidebar.date_input(
            t("custom_dates"),
            value=(today - timedelta(days=29), today),
            max_value=today,
            format="DD/MM/YYYY",
            key="custom_range",
        )
    st.sidebar.toggle(t("compare"), value=True, key="compare")
    st.session_state["lang"] = language
    st.sidebar.selectbox(t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang")


def brand_color(current: data.ReportScope) -> str:
    """The client's colour, if it is a plain #rrggbb (it ends up in CSS and chart specs)."""
    color = current.brand_color or ""
    return color if _HEX_COLOR.fullmatch(color) else DEFAULT_COLOR


def branding(current: data.ReportScope) -> None:
    """The client's logo, colour and name, and the agency's name."""
    if current.logo_url and current.logo_url.startswith(("https://", "http://")):
        st.logo(current.logo_url, size="large")
    st.html(f'<div style="height:6px;border-radius:3px;background:{brand_color(current)}"></div>')
    # st.title and st.caption render Markdown: names typed into Cadenza must not become links or images.
    st.title(plain(current.client_name), anchor=False)
    st.caption(
        f"{t('by_agency', agency=plain(current.agency_name))} · "
        f"{t('accounts_tz', accounts=current.account_count, timezone=current.timezone)}"
    )


def page_header(title_key: str, current_period: Period) -> None:
    """The page's name and the dates it covers (and the previous period's, when comparing)."""
    language = lang()
    st.subheader(t(title_key), anchor=False)
    line = t("period", start=day(current_period.start, language), end=day(current_period.end, language))
    if current_period.compare:
        before = current_period.previous
        line += " · " + t("previous_period", start=day(before[0], language), end=day(before[1], language))
    st.caption(line)


def page_scope() -> data.ReportScope:
    """The scope the entry script resolved for this run (a page never runs without one)."""
    current = st.session_state.get(SCOPE)
    if current is None:
        st.stop()
    return current
