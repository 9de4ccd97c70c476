"""LinkedIn: OAuth (refresh tokens only for MDP apps), OpenID userinfo, the versioned /rest API for members
and the organizations they administer: posts, images, comments, follower counts and share statistics."""

from __future__ import annotations

# The view modules are imported for their routes (and access for the /rest header check): importing one
# registers it on the one LinkedIn blueprint.
from sandbox.networks.linkedin import (  # noqa: F401
    access,
    comments,
    images,
    metrics,
    oauth,
    organizations,
    posts,
    reactions,
)
from sandbox.networks.linkedin.audience import say, simulate
from sandbox.networks.linkedin.blueprint import NETWORKS, bp
from sandbox.networks.linkedin.state import seed

__all__ = ["NETWORKS", "bp", "say", "seed", "simulate"]
