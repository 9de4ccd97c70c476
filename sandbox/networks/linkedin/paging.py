"""Rest.li start/count paging, shared by the post and comment finders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Response, jsonify, request

from sandbox.networks.linkedin.errors import _error


def _paged(
    items: list[dict[str, Any]],
    *,
    with_total: bool,
    render: Callable[[dict[str, Any]], dict[str, Any]] = lambda item: item,
) -> Response:
    """Rest.li start/count paging with a rel=next link (and the total where the resource gives one).

    `render` turns the items of the page alone into JSON, so a page of a long list costs a page.
    """
    try:
        start = max(0, int(request.args.get("start", 0)))
        count = max(1, min(int(request.args.get("count", 10)), 100))
    except ValueError:
        return _error(400, "Invalid value for param start or count", code="ILLEGAL_ARGUMENT")
    paging: dict[str, Any] = {"start": start, "count": count, "links": []}
    if start + count < len(items):
        params = {**request.args.to_dict(), "start": str(start + count), "count": str(count)}
        query = "&".join(f"{k}={quote(v, safe='(),')}" for k, v in params.items())
        href = f"{request.path.removeprefix('/linkedin/api')}?{query}"
        paging["links"] = [{"type": "application/json", "rel": "next", "href": href}]
    if with_total:
        paging["total"] = len(items)
    return jsonify({"paging": paging, "elements": [render(i) for i in items[start : start + count]]})
