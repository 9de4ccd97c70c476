"""The OpenAPI description of the report archive endpoints."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/responses/Error"}
_STAMP = {"type": ["string", "null"], "format": "date-time"}

REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "client_id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["scheduled", "on_demand"]},
        "period_start": {"type": "string", "format": "date", "description": "First local day"},
        "period_end": {"type": "string", "format": "date", "description": "Last local day"},
        "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "pdf_bytes": {"type": "integer"},
        "csv_bytes": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "finished_at": _STAMP,
        "emailed_at": {**_STAMP, "description": "When the client's contacts were emailed (scheduled)"},
        "files": {
            "type": "object",
            "description": "Download paths of a finished report",
            "properties": {"pdf": {"type": "string"}, "csv": {"type": "string"}},
        },
    },
}


def report_paths() -> dict[str, Any]:
    """Paths of the report archive."""
    listing = {
        "type": "object",
        "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Report"}}},
    }
    return {
        "/clients/{client_id}/reports": {
            "parameters": [
                {"name": "client_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {
                "summary": "A client's PDF + CSV reports, scheduled and on demand, newest first",
                "operationId": "listReports",
                "responses": {
                    "200": {
                        "description": "Reports",
                        "content": {"application/json": {"schema": listing}},
                    },
                    "401": _ERROR,
                    "404": _ERROR,
                },
            },
        },
        **{f"/reports/{{report_id}}/{fmt}": _file_path(fmt) for fmt in ("pdf", "csv")},
    }


def _file_path(fmt: str) -> dict[str, Any]:
    mime = {"pdf": "application/pdf", "csv": "text/csv"}[fmt]
    summary = {
        "pdf": "A finished report's PDF (charts, KPIs against targets, posts, community)",
        "csv": "A finished report's figures as CSV (comma separated, UTF-8, 'n/a' where nothing measured)",
    }[fmt]
    return {
        "parameters": [{"name": "report_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "get": {
            "summary": summary,
            "operationId": f"getReport{fmt.upper()}",
            "responses": {
                "200": {
                    "description": "The file, as an attachment",
                    "content": {mime: {"schema": {"type": "string", "contentMediaType": mime}}},
                },
                "401": _ERROR,
                "404": _ERROR,
            },
        },
    }
