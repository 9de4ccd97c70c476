"""Facebook Pages and Instagram (business accounts via Facebook Login) at /meta: login dialog and Graph API.

One package plays both networks because at Meta they are one platform: one login, one token family, one
Graph API; an Instagram business account hangs off a Facebook page. Both network keys share one world.
The Graph API is a generic node/edge dispatcher (graph, nodes) plus each edge, one module per area.
"""

from __future__ import annotations

# The view modules register their routes on `bp` when imported, so each must be imported here.
from sandbox.networks.meta import graph, oauth, pages  # noqa: F401
from sandbox.networks.meta.audience import say, simulate
from sandbox.networks.meta.blueprint import bp
from sandbox.networks.meta.world import NETWORKS, seed

__all__ = ["NETWORKS", "bp", "say", "seed", "simulate"]
