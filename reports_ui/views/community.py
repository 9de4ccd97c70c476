"""Community: how many messages came in, their sentiment, and how fast the team answered."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reports_ui import data, fmt, shell, widgets
from reports_ui.shell import t
from tenants.models.inbox import ITEM_KINDS, SENTIMENTS

SENTIMENT_COLORS = {"positive": "#2f9e44", "neutral": "#adb5bd", "negative": "#e03131"}


def _duration_metric(column, label: str, now: float | None, before: float | None, compare: bool) -> None:
    language = shell.lang()
    delta = fmt.change("seconds", now - before, language) if compare and None not in (now, before) else None
    column.metric(
        label,
        fmt.value("seconds", now, language, not_available=t("not_available")),
        delta=delta,
        delta_color="inverse",  # faster is better
        border=True,
    )


@st.fragment(run_every=data.LIVE_SECONDS)
def live_community() -> None:
    """Volume, sentiment and response times, read again every few seconds."""
    scope = shell.live_scope()
    period = shell.period(scope)
    language = shell.lang()
    report = data.community(scope.agency_id, scope.client_id, period.start, period.end)
    compare = period.compare
    first, second, third = st.columns(3)
    first.metric(
        t("items"),
        fmt.value("count", report.total, language),
        delta=fmt.change("count", report.total - report.previous_total, language) if compare else None,
        delta_color="off",  # more messages is neither good nor bad
        border=True,
    )
    for column, sentiment, color in ((second, "positive", "normal"), (third, "negative", "inverse")):
        now, before = report.sentiment_share(sentiment), report.sentiment_share(sentiment, previous=True)
        column.metric(
            t(f"{sentiment}_share"),
            fmt.value("percent", now, language, not_available=t("not_available")),
            delta=fmt.change("percent", now - before, language)
            if compare and None not in (now, before)
            else None,
            delta_color=color,
            border=True,
        )
    response, previous = report.response, report.previous_response
    first, second, third = st.columns(3)
    _duration_metric(
        first,
        t("first_response"),
        response["first_response"]["median"],
        previous["first_response"]["median"],
        compare,
    )
    _duration_metric(
        second, t("resolution"), response["resolution"]["median"], previous["resolution"]["median"], compare
    )
    within = response["first_response"]["within_target"]  # None: nothing answered, or no target set
    third.metric(
        t("within_target"),
        t("not_available") if within is None else fmt.share(within, language),
        border=True,
    )
    if not report.total:
        st.info(t("no_data"))
        widgets.updated_at(scope.timezone)
        return
    left, right = st.columns(2)
    with left:
        st.markdown(f"#### {t('volume')}")
        volume = pd.DataFrame(
            [
                {t("day"): day.day, t("kind"): t(f"kind_{kind}"), t("count"): day.kinds.get(kind, 0)}
                for day in report.days
                for kind in ITEM_KINDS
            ]
        )
        volume[t("day")] = pd.to_datetime(volume[t("day")])
        widgets.bar_chart(volume, x=f"{t('day')}:T", y=f"{t('count')}:Q", color=f"{t('kind')}:N")
    with right:
        st.markdown(f"#### {t('sentiment')}")
        mood = pd.DataFrame(
            [
                {
                    t("day"): day.day,
                    t("sentiment"): t(f"sentiment_{s}"),
                    t("count"): day.sentiments.get(s, 0),
                }
                for day in report.days
                for s in SENTIMENTS
            ]
        )
        mood[t("day")] = pd.to_datetime(mood[t("day")])
        widgets.bar_chart(
            mood,
            x=f"{t('day')}:T",
            y=f"{t('count')}:Q",
            color=f"{t('sentiment')}:N",
            palette=[SENTIMENT_COLORS[s] for s in sorted(SENTIMENTS, key=lambda s: t(f"sentiment_{s}"))],
        )
    st.markdown(f"#### {t('by_network')}")
    st.dataframe(
        pd.DataFrame(
            [
                {t("network"): widgets.network_name(n), t("count"): count}
                for n, count in report.by_network.items()
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    widgets.updated_at(scope.timezone)


shell.page_header("community", shell.period(shell.page_scope()))
live_community()
