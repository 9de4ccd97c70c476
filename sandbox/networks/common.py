"""Helpers shared by the sandbox network modules."""

from __future__ import annotations

from flask import request


def bearer_token() -> str | None:
    """The bearer token of the current request, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def is_write() -> bool:
    """True for methods that change state."""
    return request.method in ("POST", "PUT", "PATCH", "DELETE")
