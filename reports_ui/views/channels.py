"""Channels: each network's followers, reach and engagement over the period, against the previous one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reports_ui import data, fmt, shell, widgets
from reports_ui.shell import t


def _with_change(unit: str, now, before, language: str, compare: bool) -> str:
    shown = fmt.value(unit, now, language, not_available=t("not_available"))
    if not compare or now is None or before is None:
        return shown
    return f"{shown} ({fmt.change(unit, now - before, language)})"


@st.fragment(run_every=data.LIVE_SECONDS)
def live_channels() -> None:
    """The networks' table and charts, read again every few seconds."""
    scope = shell.live_scope()
    period = shell.period(scope)
    language = shell.lang()
    rows = data.channels(scope.agency_id, scope.client_id, period.start, period.end)
    if not rows:
        st.info(t("no_data"))
        widgets.updated_at(scope.timezone)
        return
    table = []
    for row in rows:
        now, before = row.now, row.previous

        def cell(unit: str, name: str, now=now, before=before) -> str:
            earlier = getattr(before, name) if before is not None else None
            return _with_change(unit, getattr(now, name), earlier, language, period.compare)

        table.append(
            {
                t("network"): widgets.network_name(now.network),
                t("accounts"): now.accounts,
                t("followers"): cell("count", "followers"),
                t("kpi_follower_growth"): cell("count", "follower_growth"),
                t("kpi_impressions"): cell("count", "impressions"),
                t("kpi_engagements"): cell("count", "engagements"),
                t("kpi_engagement_rate"): cell("percent", "engagement_rate"),
                t("clicks"): fmt.value("count", now.clicks, language, not_available=t("not_available")),
                t("kpi_posts_published"): now.posts_published,
            }
        )
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
    days = data.account_series(scope.agency_id, scope.client_id, period.start, period.end)
    if days:
        # Columns are named in the viewer's language: the charts' axes and tooltips show these names.
        day, network, followers, impressions = t("day"), t("network"), t("followers"), t("kpi_impressions")
        frame = pd.DataFrame(
            [
                {
                    day: row["day"],
                    network: widgets.network_name(row["network"]),
                    followers: row["followers"],
                    impressions: row["impressions_gain"],
                }
                for row in days
            ]
        )
        frame[day] = pd.to_datetime(frame[day])
        per_day = frame.groupby([day, network], as_index=False).sum(min_count=1)
        left, right = st.columns(2)
        with left:
            st.markdown(f"#### {t('followers_over_time')}")
            st.line_chart(per_day, x=day, y=followers, color=network, y_label="")
        with right:
            st.markdown(f"#### {t('impressions_per_network')}")
            counted = per_day.dropna(subset=[impressions])
            if counted.empty:
                st.caption(t("not_available_help"))
            else:
                st.bar_chart(counted, x=day, y=impressions, color=network)
    widgets.updated_at(scope.timezone)


shell.page_header("channels", shell.period(shell.page_scope()))
live_channels()
