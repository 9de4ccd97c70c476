"""The organizations a member administers (organizationAcls) and their profiles."""

from __future__ import annotations

from flask import jsonify, request

from sandbox.networks.linkedin.access import _authenticated
from sandbox.networks.linkedin.blueprint import bp
from sandbox.networks.linkedin.errors import _denied, _error
from sandbox.networks.linkedin.state import ADMINS, _state


@bp.get("/api/rest/organizationAcls")
def organization_acls():
    record, error = _authenticated()
    if error:
        return error
    if not {"rw_organization_admin", "r_organization_admin"} & set(record["scopes"]):
        return _denied(f"organizationAcls.FINDER-roleAssignee.{request.headers['LinkedIn-Version']}")
    if request.args.get("q") != "roleAssignee":
        return _error(400, "Invalid query parameter q", code="ILLEGAL_ARGUMENT")
    role, state = request.args.get("role", "ADMINISTRATOR"), request.args.get("state", "APPROVED")
    elements = [
        {
            "roleAssignee": record["urn"],
            "state": "APPROVED",
            "role": "ADMINISTRATOR",
            "organization": f"urn:li:organization:{oid}",
        }
        for oid in ADMINS[record["username"]]
        if role == "ADMINISTRATOR" and state == "APPROVED"
    ]
    return jsonify(
        {"paging": {"start": 0, "count": 10, "total": len(elements), "links": []}, "elements": elements}
    )


@bp.get("/api/rest/organizations/<org_id>")
def organization(org_id: str):
    record, error = _authenticated()
    if error:
        return error
    org = _state()["organizations"].get(org_id)
    if org is None:
        return _error(404, f"Organization {org_id} not found", code="NOT_FOUND")
    if not {"rw_organization_admin", "r_organization_admin"} & set(record["scopes"]):
        return _denied(f"organizations.GET.{request.headers['LinkedIn-Version']}")
    return jsonify(
        {
            "id": int(org_id),
            "localizedName": org["name"],
            "vanityName": org["vanity"],
            "name": {
                "localized": {"it_IT": org["name"]},
                "preferredLocale": {"country": "IT", "language": "it"},
            },
        }
    )
