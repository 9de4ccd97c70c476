"""Pieces the pages are made of: KPI cards rendered from any KpiValue by its unit, and charts that set
this period against the previous one."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from reports_ui import cards
from reports_ui.shell import Period, lang, t
from tenants.metrics.kpis import KpiValue
from tenants.metrics.series import day_engagements
from tenants.models import utcnow
from tenants.networks import NETWORKS
from tenants.services.local_time import to_local

PREVIOUS_COLOR = "#adb5bd"


# A KPI's figure per day, where the daily rollups have one (KPIs without a daily figure get no sparkline).
DAILY: dict[str, Callable[[dict], float | None]] = {
    "follower_growth": lambda row: row["followers_gain"],
    "followers": lambda row: row["followers"],
    "impressions": lambda row: row["impressions_gain"],
    "engagements": day_engagements,
    "posts_published": lambda row: row["posts_published"],
}


def kpi_grid(kpis: Iterable[KpiValue], *, period: Period, series: list[dict], color: str) -> None:
    """The KPI cards, each with its daily trend over the period where there is one (one HTML block)."""
    items = list(kpis)
    in_period = [row for row in series if period.start <= row["day"] <= period.end]
    trends = {kpi.key: daily(in_period, kpi.key) for kpi in items}
    context = cards.CardContext(language=lang(), compare=period.compare, color=color)
    st.html(cards.grid(items, trends, context))


def daily(series: list[dict], key: str) -> list[float] | None:
    """A KPI's daily figures over the rows given, or None when it has no daily figure."""
    pick = DAILY.get(key)
    if pick is None:
        return None
    # A day nobody measured is left out: drawn as 0 it would look like a real drop to zero.
    return [value for row in series if (value := pick(row)) is not None]


def comparison_frame(rows: list[dict], period: Period, pick: Callable[[dict], float | None]) -> pd.DataFrame:
    """Each day's figure in this period and, day for day, the previous one's (drawn on this period's days)."""
    by_day = {row["day"]: pick(row) for row in rows}
    frames = []
    this, before = t("this_period"), t("previous")
    for offset in range(period.days):
        day = period.start + timedelta(days=offset)
        frames.append({"day": day, "series": this, "value": by_day.get(day)})
        if period.compare:
            frames.append(
                {
                    "day": day,
                    "series": before,
                    "value": by_day.get(period.previous[0] + timedelta(days=offset)),
                }
            )
    frame = pd.DataFrame(frames, columns=["day", "series", "value"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def comparison_chart(frame: pd.DataFrame, *, color: str, title: str) -> None:
    """A line per period: this one in the client's colour, the previous one in grey."""
    if frame["value"].isna().all():
        st.info(t("no_data"))
        return
    series = [t("this_period"), t("previous")]
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=t("day")),
            y=alt.Y("value:Q", title=title),
            color=alt.Color(
                "series:N", title=None, scale=alt.Scale(domain=series, range=[color, PREVIOUS_COLOR])
            ),
            tooltip=[
                alt.Tooltip("day:T", title=t("day")),
                alt.Tooltip("series:N", title=t("range")),
                alt.Tooltip("value:Q", title=title),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str | None = None,
    x_title: str = "",
    y_title: str = "",
    stack: bool = True,
    palette: list[str] | None = None,
) -> None:
    """A bar chart (stacked by `color` when given)."""
    encoding = {
        "x": alt.X(x, title=x_title),
        "y": alt.Y(y, title=y_title, stack=stack or None),
        "tooltip": list(frame.columns),
    }
    if color is not None:
        scale = alt.Scale(range=palette) if palette else alt.Undefined
        encoding["color"] = alt.Color(color, title=None, scale=scale)
        if not stack:
            encoding["xOffset"] = alt.XOffset(color)
    mark = {"color": palette[0]} if color is None and palette else {}
    st.altair_chart(alt.Chart(frame).mark_bar(**mark).encode(**encoding), width="stretch")


def network_name(network: str) -> str:
    """A network as people call it (Facebook Pages, X, ...)."""
    facts = NETWORKS.get(network)
    return facts.name if facts else network.capitalize()


def updated_at(timezone: str) -> None:
    """When the live panel last read the figures, in the client's time."""
    st.caption(":green[●] " + t("live", time=to_local(utcnow(), timezone).strftime("%H:%M:%S")))
