"""Posts: the strongest and weakest posts of the period, each content pillar's figures, click-through."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reports_ui import data, fmt, shell, widgets
from reports_ui.shell import t
from tenants.metrics.post_ranking import by_pillar, click_through_rate, top_and_bottom

# KPIs about clicks and conversions (tracked links) show here as cards as soon as kpi_overview has them.
CLICK_KPIS = ("ctr", "link_clicks", "conversions")


def _posts_table(posts, language: str) -> pd.DataFrame:
    na = t("not_available")
    return pd.DataFrame(
        [
            {
                t("post"): post.title,
                t("pillar"): post.pillar or t("no_pillar"),
                t("networks"): ", ".join(widgets.network_name(n) for n in post.networks),
                t("kpi_impressions"): fmt.value("count", post.impressions, language, not_available=na),
                t("kpi_engagements"): fmt.value("count", post.engagements, language),
                t("kpi_engagement_rate"): fmt.value(
                    "percent", post.engagement_rate, language, not_available=na
                ),
                t("clicks"): fmt.value("count", post.gains.get("clicks"), language, not_available=na),
                t("ctr"): fmt.value("percent", click_through_rate(post), language, not_available=na),
            }
            for post in posts
        ],
        columns=[
            t(k)
            for k in (
                "post",
                "pillar",
                "networks",
                "kpi_impressions",
                "kpi_engagements",
                "kpi_engagement_rate",
                "clicks",
                "ctr",
            )
        ],
    )


@st.fragment(run_every=data.LIVE_SECONDS)
def live_posts() -> None:
    """Rankings and pillars, read again every few seconds."""
    scope = shell.live_scope()
    period = shell.period(scope)
    language = shell.lang()
    click_kpis = [
        k
        for k in data.kpis(scope.agency_id, scope.client_id, period.start, period.end)
        if k.key in CLICK_KPIS
    ]
    if click_kpis:
        widgets.kpi_grid(click_kpis, period=period, series=[], color=shell.brand_color(scope))
    posts = data.posts(scope.agency_id, scope.client_id, period.start, period.end)
    if not posts:
        st.info(t("no_data"))
        widgets.updated_at(scope.timezone)
        return
    top, bottom = top_and_bottom(posts)
    st.markdown(f"#### {t('top_posts')}")
    st.dataframe(_posts_table(top, language), hide_index=True, width="stretch", key="top-posts")
    if bottom:
        st.markdown(f"#### {t('bottom_posts')}")
        st.dataframe(_posts_table(bottom, language), hide_index=True, width="stretch", key="bottom-posts")
    st.markdown(f"#### {t('by_pillar')}")
    na = t("not_available")
    pillars = by_pillar(posts)
    table = pd.DataFrame(
        [
            {
                t("pillar"): p.pillar or t("no_pillar"),
                t("posts_count"): p.posts,
                t("kpi_impressions"): fmt.value("count", p.impressions, language, not_available=na),
                t("kpi_engagements"): fmt.value("count", p.engagements, language),
                t("kpi_engagement_rate"): fmt.value("percent", p.engagement_rate, language, not_available=na),
                t("ctr"): fmt.value("percent", p.click_through_rate, language, not_available=na),
            }
            for p in pillars
        ]
    )
    left, right = st.columns([3, 2])
    left.dataframe(table, hide_index=True, width="stretch", key="pillars")
    with right:
        chart = pd.DataFrame(
            {
                t("pillar"): [p.pillar or t("no_pillar") for p in pillars],
                t("kpi_engagements"): [p.engagements for p in pillars],
            }
        )
        widgets.bar_chart(
            chart, x=f"{t('pillar')}:N", y=f"{t('kpi_engagements')}:Q", palette=[shell.brand_color(scope)]
        )
    widgets.updated_at(scope.timezone)


shell.page_header("posts", shell.period(shell.page_scope()))
live_posts()
