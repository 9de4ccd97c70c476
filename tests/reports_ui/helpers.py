"""Driving the reports app in AppTest: open it with a link, switch pages, read everything it shows."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from tenants.services.report_links import mint_link

APP = str(Path(__file__).resolve().parents[2] / "reports_ui" / "app.py")
PAGES = {
    "overview": "views/overview.py",
    "channels": "views/channels.py",
    "posts": "views/posts.py",
    "community": "views/community.py",
    "plan": "views/plan.py",
    "archive": "views/archive.py",
}


def token_for(settings, user, client) -> str:
    """A fresh link's token, as the web app's "Open live reports" button mints it."""
    link = mint_link(settings=settings, user_id=user.id, agency_id=client.agency_id, client_id=client.id)
    return link.split("?t=", 1)[1]


def run(token: str | None = None, *, at: AppTest | None = None) -> AppTest:
    """Run the app (a new browser session unless `at` is given), with a link's token if any."""
    at = at or AppTest.from_file(APP, default_timeout=60)
    if token is not None:
        at.query_params["t"] = token
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    """Switch the open session to one of the pages and run it."""
    at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def everything(at: AppTest) -> str:
    """Every text the app rendered (titles, captions, metrics, tables, charts), for "not shown" checks."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts += [frame.value.to_string() for frame in at.dataframe]
    return "\n".join(parts)


class _CardReader(HTMLParser):
    """Reads the KPI cards' HTML block: each card's texts by class, its sparkline and progress bar."""

    FIELDS = {"cz-label": "label", "cz-value": "value", "cz-change": "delta", "cz-target": "target"}
    FIELDS |= {"cz-status": "status", "cz-none": "target"}

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[dict] = []
        self._field: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if "cz-kpi" in classes:
            self.cards.append({"key": attributes["data-kpi"], "delta": None, "points": 0, "progress": None})
        elif "cz-spark" in classes:
            self.cards[-1]["points"] = int(attributes["data-points"])
        elif "cz-bar" in classes:
            self.cards[-1]["progress"] = int(attributes["aria-valuenow"])
        if "cz-value" in classes:
            self.cards[-1]["help"] = attributes.get("title")
        self._field = next((self.FIELDS[c] for c in classes if c in self.FIELDS), self._field)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "span"):
            self._field = None

    def handle_data(self, data: str) -> None:
        if self._field and self.cards:
            self.cards[-1][self._field] = (self.cards[-1].get(self._field) or "") + data


def cards(at: AppTest) -> dict[str, dict]:
    """Every KPI card on the page as label -> {key, value, delta, target, status, progress, points, help}."""
    reader = _CardReader()
    for block in at.get("html"):
        if "cz-kpis" in block.proto.body:
            reader.feed(block.proto.body)
    return {card["label"]: card for card in reader.cards}


def metrics(at: AppTest) -> dict[str, tuple[str, str | None]]:
    """Every KPI card and st.metric as label -> (value, change against the previous period)."""
    found = {label: (card["value"], card["delta"]) for label, card in cards(at).items()}
    return found | {m.label: (m.value, m.delta) for m in at.metric}


def chart_labels(at: AppTest) -> set[str]:
    """Every name a chart shows people: axis and legend titles, and the names in its tooltips."""
    labels: set[str] = set()

    def shown(channel: dict) -> None:
        title = channel.get("title", channel.get("field"))
        if isinstance(title, str) and title.strip():
            labels.add(title)

    def walk(spec) -> None:
        if isinstance(spec, list):
            for item in spec:
                walk(item)
        elif isinstance(spec, dict):
            for name, channel in (spec.get("encoding") or {}).items():
                for item in channel if isinstance(channel, list) else [channel]:
                    if isinstance(item, dict) and (name != "color" or item.get("legend", {}) is not None):
                        shown(item)
            for key in ("layer", "hconcat", "vconcat", "concat", "spec"):
                walk(spec.get(key))

    for chart in at.get("vega_lite_chart"):
        walk(json.loads(chart.proto.spec))
    return labels


def chart_data(chart) -> pd.DataFrame:
    """The rows a Vega-Lite chart (from `at.get("vega_lite_chart")`) draws."""
    return pd.concat(convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets)
