"""The OpenAPI description of the media library endpoints (kept apart from openapi.py for its size)."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/responses/Error"}
_CLIENT_ID = {"name": "client_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


MEDIA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "client_id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["image", "video"]},
        "mime": {
            "type": "string",
            "description": "Found from the content, never the file name",
            "enum": [
                "image/jpeg",
                "image/png",
                "image/gif",
                "image/webp",
                "video/mp4",
                "video/quicktime",
                "video/webm",
            ],
        },
        "size_bytes": {"type": "integer", "description": "Of the stored file (images are re-encoded)"},
        "width": {"type": ["integer", "null"]},
        "height": {"type": ["integer", "null"]},
        "alt_text": {"type": "string"},
        "original_name": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}


def media_paths() -> dict[str, Any]:
    """The paths of a client's media library."""
    media_ref = {"$ref": "#/components/schemas/Media"}
    listing = {"type": "object", "properties": {"data": {"type": "array", "items": media_ref}}}
    upload = {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {"type": "string", "contentMediaType": "application/octet-stream"},
            "alt_text": {"type": "string", "maxLength": 1000},
        },
    }
    return {
        "/clients/{client_id}/media": {
            "parameters": [_CLIENT_ID],
            "get": {
                "summary": "The client's media library, newest first",
                "operationId": "listMedia",
                "parameters": [
                    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["image", "video"]}}
                ],
                "responses": {"200": _json(listing, "Media"), "401": _ERROR, "404": _ERROR},
            },
            "post": {
                "summary": "Upload one JPEG, PNG, GIF or WebP image or MP4, MOV or WebM video; image "
                "metadata (EXIF, GPS) is removed. The same bytes again answer 200 with the existing asset",
                "operationId": "uploadMedia",
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": upload}}},
                "responses": {
                    "201": _json(media_ref, "Stored"),
                    "200": _json(media_ref, "Already in the library"),
                    "401": _ERROR,
                    "404": _ERROR,
                    "413": _ERROR,
                    "422": _ERROR,
                },
            },
        }
    }
