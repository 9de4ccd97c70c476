"""The one blueprint every Meta view registers on, and the Graph API version in its paths."""

from __future__ import annotations

from flask import Blueprint

VERSION = "v21.0"
bp = Blueprint("meta", __name__, url_prefix="/meta")
