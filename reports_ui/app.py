"""Entry script of the reports app: admits only visitors holding a fresh link from the web app, then
frames every page (client, period, language, branding) and hands over to the page chosen."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from reports_ui import shell
from reports_ui.shell import t

# Not "pages/": Streamlit treats a pages/ folder beside the entry script as a v1 multipage app and runs
# those files on their own, without this script and its gate.
VIEWS = Path(__file__).resolve().parent / "views"
# (file, text key, icon); url paths stay English whatever the language, so links survive a switch.
NAVIGATION = (
    ("overview.py", "overview", ":material/dashboard:"),
    ("channels.py", "channels", ":material/hub:"),
    ("posts.py", "posts", ":material/article:"),
    ("community.py", "community", ":material/forum:"),
    ("plan.py", "plan", ":material/event_available:"),
    ("archive.py", "archive", ":material/picture_as_pdf:"),
)


def gate() -> None:
    """What anyone without a valid link sees: where to open reports from, and nothing else."""
    st.title(t("gate"), anchor=False)
    st.info(t("gate_body"))


def main() -> None:
    """Render the gate, or the frame and the chosen page of the client's reports."""
    st.set_page_config(page_title="Cadenza", page_icon=":material/monitoring:", layout="wide")
    viewer = shell.admit()
    current = shell.scope() if viewer is not None else None
    if current is None:
        # Always through st.navigation: a run without it would list pages/ in the sidebar by itself.
        st.navigation([st.Page(gate, title="Cadenza", url_path="gate")], position="hidden").run()
        return
    shell.sidebar(current)
    shell.branding(current)
    pages = [
        st.Page(VIEWS / name, title=t(key), icon=icon, url_path=key, default=index == 0)
        for index, (name, key, icon) in enumerate(NAVIGATION)
    ]
    st.navigation(pages, position="top").run()


main()
