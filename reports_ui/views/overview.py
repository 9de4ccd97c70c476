"""Overview: every KPI against its target, with the change from the previous period and the daily trend."""

from __future__ import annotations

import streamlit as st

from reports_ui import data, shell, widgets
from reports_ui.shell import t
from reports_ui.texts import kpi_label


@st.fragment(run_every=data.LIVE_SECONDS)
def live_overview() -> None:
    """The KPI cards and the trend, read again every few seconds."""
    scope = shell.live_scope()
    period = shell.period(scope)
    kpis = data.kpis(scope.agency_id, scope.client_id, period.start, period.end)
    series = data.client_series(scope.agency_id, scope.client_id, period.start, period.end)
    widgets.kpi_grid(kpis, period=period, series=series, color=shell.brand_color(scope))
    st.markdown(f"#### {t('trend')}")
    language = shell.lang()
    metric = st.segmented_control(
        t("trend_metric"),
        list(widgets.DAILY),
        format_func=lambda key, language=language: kpi_label(language, key),
        default="impressions",
        required=True,
        key="trend_metric",
    )
    frame = widgets.comparison_frame(series, period, widgets.DAILY[metric or "impressions"])
    widgets.comparison_chart(frame, color=shell.brand_color(scope), title=kpi_label(language, metric))
    widgets.updated_at(scope.timezone)


shell.page_header("overview", shell.period(shell.page_scope()))
live_overview()
