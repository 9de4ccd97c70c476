"""Outgoing connections in live mode go to public addresses only, checked at connect time.

Mastodon instances and Bluesky PDS hosts come from users; checking a name once and connecting later
would let DNS answer differently the second time (rebinding). The check therefore sits where the
socket is opened: the name is resolved, every address must be global, and that address is dialled.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl

import httpcore
import httpx

# NAT64 and 6to4 can wrap private IPv4 addresses in "global" IPv6 ones.
_WRAPPING_NETS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("2002::/16"))


class EgressRefused(httpx.ConnectError):
    """The destination resolved to an address Cadenza must not call."""


def is_public(address: str) -> bool:
    """True for a globally routable address that does not wrap a private one."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped or any(ip in net for net in _WRAPPING_NETS)):
        return False
    return ip.is_global


class PublicOnlyBackend(httpcore.SyncBackend):
    """An httpcore backend that resolves, checks, then connects to the checked address."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options=None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        addresses = [info[4][0] for info in infos]
        if not addresses or not all(is_public(a) for a in addresses):
            raise httpcore.ConnectError(f"refusing to connect to {host}: not a public address")
        # TLS still verifies the certificate against `host`: httpcore passes the name as SNI separately.
        return super().connect_tcp(
            addresses[0], port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )


def public_only_transport(
    verify: ssl.SSLContext | bool = True, limits: httpx.Limits | None = None
) -> httpx.HTTPTransport:
    """An httpx transport whose connections can only reach public addresses."""
    transport = httpx.HTTPTransport(retries=0, verify=verify, limits=limits or httpx.Limits())
    transport._pool._network_backend = PublicOnlyBackend()  # httpx exposes no argument for the backend
    return transport
