"""Live-mode connections reach public addresses only, checked when the socket opens (no DNS rebinding)."""

from __future__ import annotations

import socket

import httpx
import pytest

from worker.networks.egress import is_public, public_only_transport
from worker.networks.errors import RetryLater
from worker.networks.registry import get_connector


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",
        "::1",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
        "fd00::1",
        "0.0.0.0",
    ],
)
def test_private_and_wrapped_addresses_are_not_public(address):
    assert not is_public(address)


def test_public_addresses_are(monkeypatch):
    assert is_public("93.184.216.34") and is_public("2606:2800:220:1::1")


def test_a_name_that_rebinds_to_loopback_is_refused_at_connect_time(monkeypatch, sandbox_url):
    # The name first looked public (any earlier check passed); at connect time it answers 127.0.0.1.
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: real("127.0.0.1", *a, **k) if host == "rebind.example" else real(host, *a, **k),
    )
    with (
        httpx.Client(transport=public_only_transport(), timeout=2) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.get(f"http://rebind.example:{sandbox_url.rsplit(':', 1)[-1]}/_control/health")


def test_live_connectors_use_the_guarded_transport(net_settings, monkeypatch):
    live = net_settings.with_overrides(networks_mode="live")
    connector = get_connector("mastodon", settings=live, instance="localhost.example")
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: real("127.0.0.1", *a, **k))
    with pytest.raises(RetryLater):  # a connect error on registration: nothing was sent inside
        connector.register_app(redirect_uri="https://cadenza.example/oauth/mastodon/callback")
