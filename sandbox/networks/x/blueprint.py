"""The one blueprint every X module registers its routes on."""

from __future__ import annotations

from flask import Blueprint

NETWORKS = ("x",)
bp = Blueprint("x", __name__, url_prefix="/x")
