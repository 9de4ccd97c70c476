"""The length check measures a variant as the network receives it: UTM parameters added, links shortened
when the client tracks them and the deployment has short links."""

from __future__ import annotations

import pytest

from tenants.db import SHORT_LINK_PREFIX
from tenants.services import post_checks
from tenants.services.post_checks import Variant
from tenants.settings import Settings
from tenants.tracking.shortening import CODE_LENGTH, published_prefix
from tests.factories import AgencyFactory, ClientFactory

PREFIX = "https://go.agency.example/l/"
SHORT = len(PREFIX) + CODE_LENGTH  # 38
LONG_URL = "https://shop.example.com/collections/" + "birre-artigianali-" * 5 + "autunno"


@pytest.fixture
def client(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, utm_template="", link_tracking=True)
    session.commit()
    return client


def _bluesky(session, client, text: str) -> dict:
    result = post_checks.check_variants(
        session=session, client=client, variants=[Variant(network="bluesky", text=text)], suggest=False
    )
    return result["results"][0]


def _lengths(found: dict) -> list:
    return [f["params"]["length"] for f in found["findings"] if f["code"] == "length"]


def test_a_long_link_that_will_be_shortened_does_not_block_a_text_that_fits(session, client, monkeypatch):
    monkeypatch.setitem(session.info, SHORT_LINK_PREFIX, PREFIX)
    text = "a" * 250 + " " + LONG_URL
    assert len(text) > 300
    found = _bluesky(session, client, text)
    assert found["length"] == 251 + SHORT and _lengths(found) == []


def test_a_short_link_that_grows_when_shortened_is_caught_before_publishing(session, client, monkeypatch):
    monkeypatch.setitem(session.info, SHORT_LINK_PREFIX, PREFIX)
    text = "b" * 280 + " https://x.it"
    assert len(text) <= 300
    found = _bluesky(session, client, text)
    assert found["length"] == 281 + SHORT and _lengths(found) == [281 + SHORT]
    assert "with its links tracked" in next(f["message"] for f in found["findings"] if f["code"] == "length")


def test_without_short_links_the_utm_parameters_are_what_is_measured(session, client, monkeypatch):
    client.utm_template = "utm_source={network}&utm_medium=social"
    text = "c" * 250 + " https://x.it"
    monkeypatch.setitem(session.info, SHORT_LINK_PREFIX, None)  # no public base URL: long links go out
    tagged = len(text) + len("/?utm_source=bluesky&utm_medium=social") - 1
    assert _bluesky(session, client, text)["length"] == tagged
    client.link_tracking = False  # the client does not track: the same, whatever the deployment
    monkeypatch.setitem(session.info, SHORT_LINK_PREFIX, PREFIX)
    assert _bluesky(session, client, text)["length"] == tagged


def test_networks_that_count_every_link_alike_are_not_affected(session, client, monkeypatch):
    monkeypatch.setitem(session.info, SHORT_LINK_PREFIX, PREFIX)
    result = post_checks.check_variants(
        session=session, client=client, variants=[Variant(network="x", text="d" * 250 + " " + LONG_URL)]
    )
    assert result["results"][0]["length"] == 251 + 23


def test_the_deployment_shortens_only_with_a_base_url_the_networks_can_reach():
    public = Settings.from_env(
        {"CADENZA_BASE_URL": "https://cadenza.agency.example", "CADENZA_NETWORKS": "live"}
    )
    assert published_prefix(public) == "https://cadenza.agency.example/l/"
    loopback = Settings.from_env({"CADENZA_BASE_URL": "http://127.0.0.1:5000", "CADENZA_NETWORKS": "live"})
    assert published_prefix(loopback) is None


def test_the_web_app_checks_posts_with_the_deployments_short_links(app, settings):
    with app.extensions["cadenza"]["session_factory"]() as web_session:
        assert web_session.info[SHORT_LINK_PREFIX] == f"{settings.base_url}/l/"
