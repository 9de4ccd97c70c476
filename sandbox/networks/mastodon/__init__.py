"""Mastodon, any instance at /mastodon/<host>: per-instance apps, OAuth, statuses, media, notifications."""

from __future__ import annotations

from sandbox.networks.mastodon.api import NETWORKS, bp, seed
from sandbox.networks.mastodon.audience import say, simulate

__all__ = ["NETWORKS", "bp", "say", "seed", "simulate"]
