"""Insights on pages, posts and Instagram media, with the metric names Graph still accepts."""

from __future__ import annotations

from sandbox.networks.meta.errors import _fail
from sandbox.networks.meta.parsing import Call
from sandbox.networks.meta.permissions import _require, _require_ig
from sandbox.networks.meta.world import _fb_time, _of_type
from sandbox.state import now

PAGE_METRICS = {
    "page_media_view": "media_views",
    "page_total_media_view_unique": "media_viewers",
    "page_follows": "followers_count",
    "page_post_engagements": "engagements",
}
POST_METRICS = {"post_media_view": "views", "post_total_media_view_unique": "reach", "post_clicks": "clicks"}
IG_MEDIA_METRICS = ("views", "reach", "saved", "likes", "comments", "shares", "total_interactions")
INVALID_METRIC = "(#100) The value must be a valid insights metric"


def _metric_names(params: dict) -> list[str]:
    value = params.get("metric", "")
    names = value if isinstance(value, list) else str(value).strip("[]").replace('"', "").split(",")
    return [n.strip() for n in names if n.strip()]


def _insight(obj: dict, name: str, period: str, value: int) -> dict:
    values = [{"value": value}] if period == "lifetime" else [{"value": value, "end_time": _fb_time(now())}]
    return {
        "name": name,
        "period": period,
        "values": values,
        "title": name.replace("_", " ").title(),
        "description": f"Sandbox value of {name}",
        "id": f"{obj['id']}/insights/{name}/{period}",
    }


def _body_insights(call: Call, obj: dict, params: dict) -> dict:
    """Insights; a deprecated metric (page_impressions, IG impressions...) fails as Graph fails it."""
    kind = obj["type"]
    if kind == "ig_media":
        _require_ig(call, "instagram_manage_insights")
        table = {m: m for m in IG_MEDIA_METRICS}
        period = "lifetime"
    else:
        _require(call, "read_insights", code=10, message="(#10) Requires read_insights permission")
        table = PAGE_METRICS if kind == "page" else POST_METRICS
        period = str(params.get("period", "day" if kind == "page" else "lifetime"))
    names = _metric_names(params)
    if not names or any(n not in table for n in names):
        raise _fail(400, INVALID_METRIC, 100)
    return {"data": [_insight(obj, n, period, _metric_value(obj, table[n])) for n in names]}


def _metric_value(obj: dict, key: str) -> int:
    if obj["type"] != "ig_media":
        return int(obj.get(key, 0))
    comments = len(_of_type("ig_comment", media_id=obj["id"]))
    if key == "comments":
        return comments
    if key == "total_interactions":
        return obj["likes"] + comments + obj["saved"] + obj["shares"]
    return int(obj[key])
