"""Plan adherence: posts published against the plan's cadence per channel and week, and the content mix
against the plan's target shares."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reports_ui import data, fmt, shell, widgets
from reports_ui.shell import t

PLAN_KPIS = ("plan_adherence", "mix_adherence", "posts_published")


@st.fragment(run_every=data.LIVE_SECONDS)
def live_plan() -> None:
    """Adherence cards, channels per week and the mix, read again every few seconds."""
    scope = shell.live_scope()
    period = shell.period(scope)
    language = shell.lang()
    figure = t("trend_metric")  # the charts' series column: its name shows in their tooltips
    kpis = [
        k for k in data.kpis(scope.agency_id, scope.client_id, period.start, period.end) if k.key in PLAN_KPIS
    ]
    series = data.client_series(scope.agency_id, scope.client_id, period.start, period.end)
    widgets.kpi_grid(kpis, period=period, series=series, color=shell.brand_color(scope))
    report = data.plan(scope.agency_id, scope.client_id, period.start, period.end)
    if not report.has_plan:
        st.info(t("no_plan"))
    if report.channels:
        st.markdown(f"#### {t('published_vs_planned')}")
        rows = [
            {
                t("network"): widgets.network_name(week.network),
                t("week"): fmt.day(week.week_start, language),
                t("planned"): fmt.number(week.planned, language, 1),
                t("published"): week.published,
                t("adherence"): fmt.value("percent", week.adherence, language, not_available="–"),
            }
            for weeks in report.channels.values()
            for week in weeks
        ]
        left, right = st.columns([3, 2])
        left.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="plan-weeks")
        with right:
            totals = pd.DataFrame(
                [
                    {
                        t("network"): widgets.network_name(network),
                        figure: label,
                        t("posts_count"): round(value, 1),
                    }
                    for network in report.channels
                    for label, value in zip(
                        (t("planned"), t("published")), report.channel_total(network), strict=True
                    )
                ]
            )
            widgets.bar_chart(
                totals,
                x=f"{t('network')}:N",
                y=f"{t('posts_count')}:Q",
                color=f"{figure}:N",
                stack=False,
                palette=["#adb5bd", shell.brand_color(scope)],
            )
    if report.unplanned:
        st.caption(t("unplanned", networks=", ".join(widgets.network_name(n) for n in report.unplanned)))
    if report.mix and report.posts:
        st.markdown(f"#### {t('mix')}")
        mix = pd.DataFrame(
            [
                {
                    t("pillar"): m.name or t("no_pillar"),
                    t("posts_count"): m.published,
                    t("share"): fmt.value("percent", m.share, language),
                    t("target_share"): fmt.value("percent", m.target_share, language),
                    t("change"): fmt.change("percent", m.delta, language),
                }
                for m in report.mix
            ]
        )
        left, right = st.columns([3, 2])
        left.dataframe(mix, hide_index=True, width="stretch", key="plan-mix")
        with right:
            shares = pd.DataFrame(
                [
                    {t("pillar"): m.name or t("no_pillar"), figure: label, t("share"): value}
                    for m in report.mix
                    for label, value in ((t("target_share"), m.target_share), (t("share"), m.share))
                ]
            )
            widgets.bar_chart(
                shares,
                x=f"{t('pillar')}:N",
                y=f"{t('share')}:Q",
                color=f"{figure}:N",
                stack=False,
                palette=["#adb5bd", shell.brand_color(scope)],
            )
    widgets.updated_at(scope.timezone)


shell.page_header("plan", shell.period(shell.page_scope()))
live_plan()
