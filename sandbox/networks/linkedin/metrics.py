"""Organization follower counts (networkSizes) and share statistics."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from sandbox.networks.linkedin.access import _authenticated, _may_act_as
from sandbox.networks.linkedin.blueprint import bp
from sandbox.networks.linkedin.comments import _comment_count
from sandbox.networks.linkedin.errors import _denied, _error
from sandbox.networks.linkedin.state import _state


@bp.get("/api/rest/networkSizes/<path:urn>")
def network_size(urn: str):
    record, error = _authenticated(urn)
    if error:
        return error
    if request.args.get("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER" or not urn.startswith(
        "urn:li:organization:"
    ):
        return _error(400, "Invalid edgeType for this entity", code="ILLEGAL_ARGUMENT")
    org = _state()["organizations"].get(urn.rsplit(":", 1)[-1])
    if org is None:
        return _error(404, "Not Found", code="NOT_FOUND")
    return jsonify({"firstDegreeSize": org["followers"]})


@bp.get("/api/rest/organizationalEntityShareStatistics")
def share_statistics():
    org_urn = request.args.get("organizationalEntity", "")
    record, error = _authenticated(org_urn or None)
    if error:
        return error
    admin_scope = {"rw_organization_admin", "r_organization_admin"} & set(record["scopes"])
    if request.args.get("q") != "organizationalEntity" or not org_urn.startswith("urn:li:organization:"):
        return _error(400, "Invalid query parameters", code="ILLEGAL_ARGUMENT")
    if _may_act_as(record, org_urn, write=False) == "role" or not admin_scope:
        return _denied(f"organizationalEntityShareStatistics.FINDER.{request.headers['LinkedIn-Version']}")
    own = {u: p for u, p in _state()["posts"].items() if p["author"] == org_urn and not p["deleted"]}
    shares = request.args.get("shares")
    if shares is None:
        return _stats_page([_stats(org_urn, list(own.values()))])
    if not (shares.startswith("List(") and shares.endswith(")")):
        return _error(400, "Invalid value for param shares: expected List(...)", code="ILLEGAL_ARGUMENT")
    wanted = [u for u in shares[5:-1].split(",") if u in own]
    return _stats_page([_stats(org_urn, [own[u]]) | {"share": u} for u in wanted])


def _stats_page(elements: list[dict[str, Any]]) -> Response:
    return jsonify({"paging": {"start": 0, "count": 10, "links": []}, "elements": elements})


def _stats(org_urn: str, posts: list[dict[str, Any]]) -> dict[str, Any]:
    totals = {
        "impressionCount": sum(p["impressions"] for p in posts),
        "uniqueImpressionsCount": sum(p["unique_impressions"] for p in posts),
        "clickCount": sum(p["clicks"] for p in posts),
        "likeCount": sum(p["likes"] for p in posts),
        "commentCount": sum(_comment_count(_state(), p["id"]) for p in posts),
        "shareCount": sum(p["shares"] for p in posts),
    }
    engaged = totals["clickCount"] + totals["likeCount"] + totals["commentCount"] + totals["shareCount"]
    seen = totals["impressionCount"]
    totals["engagement"] = round(engaged / seen, 4) if seen else 0.0
    return {"totalShareStatistics": totals, "organizationalEntity": org_urn}
