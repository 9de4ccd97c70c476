"""The KPI API: a date range's KPIs with the previous range, targets read and replaced, bad input
refused, and another agency's client never found."""

from __future__ import annotations

from datetime import date

import pytest

from tenants.models import ClientMetricDay, KpiTarget
from tests.factories import AgencyFactory, ClientFactory, api_token


@pytest.fixture
def agency(session):
    return AgencyFactory(name="KPI Agency", slug="kpi-agency")


@pytest.fixture
def auth(agency):
    return {"Authorization": f"Bearer {api_token(agency)}"}


@pytest.fixture
def shop(session, agency):
    client = ClientFactory(agency_id=agency.id, timezone="Europe/Rome")
    for day, gain, impressions, likes in ((date(2026, 11, 1), 10, 1000, 40), (date(2026, 11, 2), 5, None, 3)):
        session.add(
            ClientMetricDay(
                agency_id=agency.id,
                client_id=client.id,
                day=day,
                followers=500 + gain,
                followers_gain=gain,
                impressions_gain=impressions,
                likes_gain=likes,
                rated_engagements_gain=40 if impressions else None,
                posts_published=1,
            )
        )
    session.add(
        ClientMetricDay(agency_id=agency.id, client_id=client.id, day=date(2026, 10, 31), followers_gain=7)
    )
    session.commit()
    return client


def test_kpis_over_a_range_with_the_previous_range_and_days(client, shop, auth):
    body = client.get(
        f"/api/v1/clients/{shop.id}/kpis?from=2026-11-01&to=2026-11-02", headers=auth
    ).get_json()
    assert (body["from"], body["to"]) == ("2026-11-01", "2026-11-02")
    assert body["previous"] == {"from": "2026-10-30", "to": "2026-10-31"}
    kpis = {k["key"]: k for k in body["kpis"]}
    assert kpis["follower_growth"]["value"] == 15 and kpis["follower_growth"]["previous"] == 7
    assert kpis["engagement_rate"]["value"] == pytest.approx(4.0)
    assert kpis["response_time"]["available"] is False and kpis["response_time"]["value"] is None
    assert [d["day"] for d in body["days"]] == ["2026-11-01", "2026-11-02"]
    assert body["days"][1]["impressions_gain"] is None  # not available that day, not zero


def test_bad_ranges_are_refused(client, shop, auth):
    base = f"/api/v1/clients/{shop.id}/kpis"
    assert client.get(f"{base}?from=2026-11-05&to=2026-11-01", headers=auth).status_code == 422
    assert client.get(f"{base}?from=yesterday", headers=auth).status_code == 422
    assert client.get(f"{base}?from=2020-01-01&to=2026-01-01", headers=auth).status_code == 422
    assert client.get(base, headers=auth).status_code == 200  # default: the last 30 days


def test_targets_are_read_and_replaced(client, session, shop, auth):
    url = f"/api/v1/clients/{shop.id}/kpi-targets"
    assert client.get(url, headers=auth).get_json()["targets"] == {}
    put = client.put(
        url, headers=auth, json={"targets": {"follower_growth": {"target": 60, "period": "month"}}}
    )
    assert put.status_code == 200 and put.get_json()["targets"] == {
        "follower_growth": {"target": 60.0, "period": "month"}
    }
    kpis = client.get(
        f"/api/v1/clients/{shop.id}/kpis?from=2026-11-01&to=2026-11-30", headers=auth
    ).get_json()
    growth = next(k for k in kpis["kpis"] if k["key"] == "follower_growth")
    assert growth["target"] == pytest.approx(60) and growth["progress"] == pytest.approx(15 / 60)
    again = client.put(url, headers=auth, json={"engagement_rate": {"target": 3, "period": "week"}})
    assert set(again.get_json()["targets"]) == {"engagement_rate"}
    assert client.put(url, headers=auth, json={"targets": {"made_up": {"target": 1}}}).status_code == 422
    assert session.query(KpiTarget).count() == 1


def test_another_agency_s_client_is_not_found(client, session, shop):
    other = AgencyFactory(name="Other", slug="other")
    session.commit()
    stranger = {"Authorization": f"Bearer {api_token(other, 'cdz_other-token-1234567890')}"}
    for method, url in (
        ("get", f"/api/v1/clients/{shop.id}/kpis"),
        ("get", f"/api/v1/clients/{shop.id}/kpi-targets"),
        ("put", f"/api/v1/clients/{shop.id}/kpi-targets"),
    ):
        response = getattr(client, method)(url, headers=stranger, json={"follower_growth": {"target": 1}})
        assert response.status_code == 404, (method, url)
    assert session.query(KpiTarget).count() == 0
