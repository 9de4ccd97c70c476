"""Bluesky (AT Protocol): an entryway, one PDS and a PLC directory; app-password sessions, records, blobs.

Paths under /bluesky: /entryway/xrpc/<nsid>, /pds/xrpc/<nsid>, /plc/<did>. Errors use the XRPC shape
{"error": "<Name>", "message": "..."}; rate limits answer 429 with ratelimit-* headers (reset: epoch seconds).
"""

from __future__ import annotations

# The view modules are imported for their routes: importing one registers it on the one Bluesky blueprint
# (unimplemented, the catch-all for any other XRPC method, last).
from sandbox.networks.bluesky import (  # noqa: F401
    blobs,
    feed,
    identity,
    notifications,
    records,
    unimplemented,
)
from sandbox.networks.bluesky.audience import say, simulate
from sandbox.networks.bluesky.blueprint import NETWORKS, bp
from sandbox.networks.bluesky.state import seed

__all__ = ["NETWORKS", "bp", "say", "seed", "simulate"]
