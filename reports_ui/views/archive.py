"""Reports: the client's weekly or biweekly PDF and CSV reports, to download (newest first)."""

from __future__ import annotations

from functools import partial

import streamlit as st

from reports_ui import data, fmt, shell
from reports_ui.shell import t
from tenants.reports.archive import FORMATS


@st.fragment(run_every=data.LIVE_SECONDS)
def live_archive() -> None:
    """The list, read again every few seconds: a report being made shows its progress, then its files."""
    scope = shell.live_scope()
    language = shell.lang()
    reports = data.archive(scope.agency_id, scope.client_id)
    if not reports:
        st.info(t("archive_empty"))
        return
    for report in reports:
        period = t(
            "archive_period", start=fmt.day(report["start"], language), end=fmt.day(report["end"], language)
        )
        kind = t(f"archive_kind_{report['kind']}")
        label, pdf_column, csv_column = st.columns((3, 1, 1), vertical_alignment="center")
        label.markdown(f"**{period}** · {kind}")
        if report["status"] == "done":
            for column, file_format in ((pdf_column, "pdf"), (csv_column, "csv")):
                # A callable: the file is read on the click, not at every refresh of the list.
                read = partial(
                    data.archived_file,
                    user_id=scope.user_id,
                    agency_id=scope.agency_id,
                    client_id=scope.client_id,
                    report_id=report["id"],
                    fmt=file_format,
                )
                column.download_button(
                    file_format.upper(),
                    read,
                    file_name=report["files"][file_format],
                    mime=FORMATS[file_format],
                    key=f"report-{report['id']}-{file_format}",
                )
        elif report["status"] == "failed":
            pdf_column.caption(t("archive_failed"))
        else:
            pdf_column.caption(t("archive_pending", progress=report["progress"]))


st.subheader(t("archive"), anchor=False)
st.caption(t("archive_intro"))
live_archive()
