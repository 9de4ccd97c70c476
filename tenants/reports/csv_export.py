"""ReportData -> CSV text: the report's figures for a spreadsheet, in blocks (KPIs, days, networks, posts).

Machine-friendly on purpose: comma separated, dot decimals, ISO dates, English column names, and
"n/a" where nothing measured a figure (never an empty 0). A cell that a spreadsheet would run as a
formula (text starting with =, +, -, @) is prefixed with an apostrophe: post texts come from people.
"""

from __future__ import annotations

import csv
import io

from tenants.metrics.series import PostPerformance
from tenants.reports.data import ReportData

NA = "n/a"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A value as a CSV cell: numbers plain, None as n/a, text defused against formula injection."""
    if value is None:
        return NA
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(data: ReportData) -> str:
    """The report's figures as CSV text (UTF-8 when written out)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def block(title: str, header: list[str], rows: list[list]) -> None:
        writer.writerow([f"# {title}"])
        writer.writerow(header)
        writer.writerows([[safe_cell(v) for v in row] for row in rows])
        writer.writerow([])

    block(
        "report",
        ["agency", "client", "period_start", "period_end", "timezone", "generated_at"],
        [
            [
                data.agency_name,
                data.client_name,
                data.start.isoformat(),
                data.end.isoformat(),
                data.timezone,
                data.generated_at.isoformat(),
            ]
        ],
    )
    block(
        "kpis",
        ["kpi", "unit", "value", "previous", "change", "target", "target_period", "progress", "on_target"],
        [
            [
                k.key,
                k.unit,
                k.value,
                k.previous,
                k.change,
                k.target,
                k.target_period,
                k.progress,
                k.on_track,
            ]
            for k in data.kpis
        ],
    )
    block(
        "days",
        ["day", "followers", "follower_gain", "impressions", "engagements", "posts_published"],
        [
            [d.day.isoformat(), d.followers, d.follower_gain, d.impressions, d.engagements, d.posts_published]
            for d in data.days
        ],
    )
    block(
        "networks",
        [
            "network",
            "accounts",
            "followers",
            "follower_gain",
            "impressions",
            "engagements",
            "posts_published",
        ],
        [
            [
                n.network,
                n.accounts,
                n.followers,
                n.follower_gain,
                n.impressions,
                n.engagements,
                n.posts_published,
            ]
            for n in data.networks
        ],
    )
    block("top_posts", _POST_HEADER, [_post_row(p) for p in data.top_posts])
    block("bottom_posts", _POST_HEADER, [_post_row(p) for p in data.bottom_posts])
    first = (data.community or {}).get("first_response") or {}
    resolution = (data.community or {}).get("resolution") or {}
    block(
        "community",
        [
            "items",
            "first_response_median_s",
            "first_response_p90_s",
            "first_response_within_target",
            "resolution_median_s",
        ],
        [
            [
                (data.community or {}).get("items"),
                first.get("median"),
                first.get("p90"),
                first.get("within_target"),
                resolution.get("median"),
            ]
        ],
    )
    return out.getvalue()


_POST_HEADER = ["post_id", "title", "pillar", "networks", "impressions", "engagements", "engagement_rate"]


def _post_row(post: PostPerformance) -> list:
    return [
        post.post_id,
        post.title,
        post.pillar,
        " ".join(post.networks),
        post.impressions,
        post.engagements,
        post.engagement_rate,
    ]
