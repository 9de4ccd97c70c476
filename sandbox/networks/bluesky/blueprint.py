"""The one blueprint every Bluesky module registers its routes on."""

from __future__ import annotations

from flask import Blueprint

NETWORKS = ("bluesky",)
bp = Blueprint("bluesky", __name__, url_prefix="/bluesky")
