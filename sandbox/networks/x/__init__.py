"""X (API v2) at /x: OAuth 2.0 with PKCE, rotating refresh tokens, tweets, media upload v2, mentions, DMs."""

from __future__ import annotations

# The view modules are imported for their routes: importing one registers it on the one X blueprint.
from sandbox.networks.x import dms, engagement, media, oauth, timelines, tweets, users  # noqa: F401
from sandbox.networks.x.audience import say, simulate
from sandbox.networks.x.blueprint import NETWORKS, bp
from sandbox.networks.x.state import seed

__all__ = ["NETWORKS", "bp", "say", "seed", "simulate"]
