"""The one blueprint every LinkedIn module registers its routes on."""

from __future__ import annotations

from flask import Blueprint

NETWORKS = ("linkedin",)
bp = Blueprint("linkedin", __name__, url_prefix="/linkedin")
