"""Bigger request bodies for the few views that take file uploads; every other view keeps the app's limit."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request

from web.context import settings


def large_upload(view: Callable) -> Callable:
    """Mark a view as taking uploads up to the media upload limit (put it above the access decorator)."""
    view.cadenza_large_upload = True
    return view


def allow_large_uploads() -> None:
    """before_request: raise the body limit for marked views, before anything reads the form."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "cadenza_large_upload", False):
        request.max_content_length = settings().max_upload_bytes
