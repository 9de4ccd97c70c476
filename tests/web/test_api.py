import json

import pytest
from sqlalchemy import select

from tenants.models import AuditEntry, Client
from tests.factories import AgencyFactory, ClientFactory, api_token


@pytest.fixture
def agency(session):
    return AgencyFactory(name="API Agency", slug="api-agency")


@pytest.fixture
def auth(agency):
    return {"Authorization": f"Bearer {api_token(agency)}"}


def _error(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.is_json
    body = resp.get_json()["error"]
    assert body["code"] == code and body["message"]
    return body


def test_me_names_the_agency_and_token(client, auth):
    body = client.get("/api/v1/me", headers=auth).get_json()
    assert body["agency"]["slug"] == "api-agency" and body["token"]["name"] == "tests"


@pytest.mark.parametrize("header", [None, "Basic abc", "Bearer ", "Bearer cdz_wrong", "Bearer nonsense"])
def test_missing_or_bad_tokens_get_401_json(client, session, header):
    headers = {"Authorization": header} if header else {}
    _error(client.get("/api/v1/clients", headers=headers), 401, "unauthorized")


def test_revoked_token_stops_working(client, session, agency, auth):
    from tenants.models import ApiToken, utcnow

    token = session.scalars(select(ApiToken)).one()
    token.revoked_at = utcnow()
    session.commit()
    _error(client.get("/api/v1/me", headers=auth), 401, "unauthorized")


def test_client_crud_round_trip(client, session, agency, auth):
    resp = client.post(
        "/api/v1/clients", json={"name": "Gelateria Blu", "timezone": "Europe/Rome"}, headers=auth
    )
    assert resp.status_code == 201
    created = resp.get_json()
    assert created["slug"] == "gelateria-blu" and created["locale"] == "it" and created["archived"] is False
    cid = created["id"]
    assert client.get(f"/api/v1/clients/{cid}", headers=auth).get_json()["name"] == "Gelateria Blu"
    resp = client.patch(
        f"/api/v1/clients/{cid}", json={"brand_color": "#112233", "archived": True}, headers=auth
    )
    assert resp.status_code == 200 and resp.get_json()["brand_color"] == "#112233"
    assert client.get("/api/v1/clients", headers=auth).get_json()["data"] == []
    listed = client.get("/api/v1/clients?archived=1", headers=auth).get_json()["data"]
    assert [c["id"] for c in listed] == [cid]
    assert client.delete(f"/api/v1/clients/{cid}", headers=auth).status_code == 204
    _error(client.get(f"/api/v1/clients/{cid}", headers=auth), 404, "not_found")
    labels = set(session.scalars(select(AuditEntry.actor_label).where(AuditEntry.client_id == cid)))
    assert labels == {"api-token:tests"}


def test_another_agencys_client_is_not_found(client, session, auth):
    foreign = ClientFactory(name="Secret Co")
    for method in ("get", "patch", "delete"):
        resp = getattr(client, method)(f"/api/v1/clients/{foreign.id}", json={"name": "x"}, headers=auth)
        body = _error(resp, 404, "not_found")
        assert "Secret" not in json.dumps(body)
    session.refresh(foreign)
    assert foreign.name == "Secret Co" and foreign.deleted_at is None


def test_duplicate_slug_is_409_and_bad_values_are_422(client, session, agency, auth):
    ClientFactory(agency_id=agency.id, slug="taken")
    assert (
        _error(
            client.post("/api/v1/clients", json={"name": "A", "slug": "taken"}, headers=auth), 409, "conflict"
        )["field"]
        == "slug"
    )
    assert (
        _error(
            client.post("/api/v1/clients", json={"name": "A", "timezone": "Mars/Base"}, headers=auth),
            422,
            "invalid",
        )["field"]
        == "timezone"
    )
    assert (
        _error(client.post("/api/v1/clients", json={"slug": "no-name"}, headers=auth), 422, "invalid")[
            "field"
        ]
        == "name"
    )
    assert _error(client.patch("/api/v1/clients/999999", json={}, headers=auth), 404, "not_found")
    assert session.scalars(select(Client.slug)).all() == ["taken"]


def test_malformed_non_object_and_oversized_bodies(client, session, auth):
    headers = {**auth, "Content-Type": "application/json"}
    _error(client.post("/api/v1/clients", data="{not json", headers=headers), 400, "bad_request")
    _error(client.post("/api/v1/clients", data="[1, 2]", headers=headers), 422, "invalid")
    _error(client.post("/api/v1/clients", data="name=x", headers=auth), 415, "unsupported_media_type")
    big = json.dumps({"name": "x" * (2 * 1024 * 1024)})
    _error(client.post("/api/v1/clients", data=big, headers=headers), 413, "payload_too_large")
    _error(client.put("/api/v1/clients", json={}, headers=auth), 405, "method_not_allowed")


def test_openapi_document_describes_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {
        (path, method.upper())
        for path, ops in doc["paths"].items()
        for method in ops
        if method != "parameters"
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{").replace(">", "}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented


def test_plan_api_saves_versions_and_validates(client, session, agency, auth):
    target = ClientFactory(agency_id=agency.id)
    _error(client.get(f"/api/v1/clients/{target.id}/plan", headers=auth), 404, "not_found")
    plan = {
        "objectives": ["More lunch bookings"],
        "channels": [{"network": "x", "posts_per_week": 5}],
        "forbidden_words": ["cheap"],
    }
    saved = client.put(f"/api/v1/clients/{target.id}/plan", json=plan, headers=auth)
    assert saved.status_code == 200 and saved.get_json()["version"] == 1
    assert client.put(f"/api/v1/clients/{target.id}/plan", json=plan, headers=auth).get_json()["version"] == 2
    current = client.get(f"/api/v1/clients/{target.id}/plan", headers=auth).get_json()
    assert current["version"] == 2 and current["forbidden_words"] == ["cheap"]
    assert sum(p["target_share"] for p in current["pillars"]) == 100  # default pillars
    bad = client.put(
        f"/api/v1/clients/{target.id}/plan", json={"pillars": [{"key": "a", "target_share": 5}]}, headers=auth
    )
    assert _error(bad, 422, "invalid")["field"] == "pillars"
    foreign = ClientFactory()
    _error(client.put(f"/api/v1/clients/{foreign.id}/plan", json=plan, headers=auth), 404, "not_found")


def test_validate_runs_the_checks_with_the_clients_plan_and_saves_nothing(client, session, agency, auth):
    target = ClientFactory(agency_id=agency.id, locale="it")
    client.put(f"/api/v1/clients/{target.id}/plan", json={"forbidden_words": ["concorrenza"]}, headers=auth)
    body = {
        "variants": [
            {"network": "x", "text": "Meglio della concorrenza! " + "a" * 280},
            {"network": "mastodon", "text": "Vi aspetiamo sabato: https://trattoria.example"},
            {"network": "instagram", "text": "Buongiorno!", "media_count": 1},
        ]
    }
    resp = client.post(f"/api/v1/clients/{target.id}/posts/validate", json=body, headers=auth)
    assert resp.status_code == 200
    result = resp.get_json()
    by_network = {r["network"]: r for r in result["results"]}
    assert result["blocking"] is True
    assert {f["code"] for f in by_network["x"]["findings"]} >= {"length", "forbidden"}
    assert by_network["x"]["length"] > by_network["x"]["limit"] == 280
    (typo,) = by_network["mastodon"]["findings"]
    assert typo["code"] == "spelling" and typo["params"]["word"] == "aspetiamo" and typo["suggestions"]
    assert by_network["instagram"]["findings"] == []
    bad = client.post(
        f"/api/v1/clients/{target.id}/posts/validate", json={"variants": [{"network": "fax"}]}, headers=auth
    )
    assert bad.status_code == 422
