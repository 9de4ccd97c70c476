"""The OpenAPI paths and schemas of the KPI endpoints (a client's KPIs, its KPI targets)."""

from __future__ import annotations

from typing import Any

from tenants.metrics.kpis import KPIS, PERIOD_DAYS
from tenants.metrics.series import DAY_FIGURES

_ERROR = {"$ref": "#/components/responses/Error"}
_CLIENT_ID = {"name": "client_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_NUMBER = {"type": ["number", "null"]}
_TARGETS = {"$ref": "#/components/schemas/KpiTargets"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _date(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "schema": {"type": "string", "format": "date"},
        "description": description,
    }


def kpi_paths() -> dict[str, Any]:
    """Paths under /clients/{id}/kpis and /clients/{id}/kpi-targets."""
    return {
        "/clients/{client_id}/kpis": {
            "parameters": [_CLIENT_ID],
            "get": {
                "summary": "The client's KPIs over local days [from, to], against the previous range",
                "parameters": [
                    _date("from", "First local day (default: 29 days before `to`)"),
                    _date("to", "Last local day, inclusive (default: today in the client's time zone)"),
                ],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/KpiReport"}, "KPIs and daily figures"),
                    "401": _ERROR,
                    "404": _ERROR,
                    "422": _ERROR,
                },
            },
        },
        "/clients/{client_id}/kpi-targets": {
            "parameters": [_CLIENT_ID],
            "get": {
                "summary": "The KPI targets agreed with the client",
                "responses": {"200": _json(_TARGETS, "Targets by KPI"), "401": _ERROR, "404": _ERROR},
            },
            "put": {
                "summary": "Replace the client's KPI targets (a KPI left out has no target any more)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"targets": {"$ref": "#/components/schemas/KpiTargetMap"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(_TARGETS, "The targets now"),
                    "400": _ERROR,
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                    "415": _ERROR,
                    "422": _ERROR,
                },
            },
        },
    }


def kpi_schemas() -> dict[str, Any]:
    """Schemas of the KPI endpoints."""
    kpi_keys = list(KPIS)
    target = {
        "type": "object",
        "required": ["target"],
        "properties": {
            "target": {"type": "number", "minimum": 0},
            "period": {"type": "string", "enum": list(PERIOD_DAYS), "default": "month"},
        },
    }
    day = {
        "type": "object",
        "properties": {
            "day": {"type": "string", "format": "date"},
            **{name: _NUMBER for name in DAY_FIGURES},
        },
        "description": "A rolled-up day; null where no connected network counts the figure",
    }
    return {
        "Kpi": {
            "type": "object",
            "properties": {
                "key": {"type": "string", "enum": kpi_keys},
                "unit": {"type": "string", "enum": ["count", "percent", "seconds"]},
                "available": {"type": "boolean", "description": "False: no connected network measures it"},
                "value": _NUMBER,
                "previous": {**_NUMBER, "description": "The previous range of the same length"},
                "change": _NUMBER,
                "target": {**_NUMBER, "description": "Scaled to the range for KPIs that add up day by day"},
                "target_period": {"type": ["string", "null"], "enum": [*PERIOD_DAYS, None]},
                "progress": {**_NUMBER, "description": "1.0 means on target"},
                "on_track": {"type": ["boolean", "null"]},
                "higher_is_better": {"type": "boolean"},
            },
        },
        "KpiReport": {
            "type": "object",
            "properties": {
                "client_id": {"type": "integer"},
                "from": {"type": "string", "format": "date"},
                "to": {"type": "string", "format": "date"},
                "previous": {
                    "type": "object",
                    "properties": {
                        "from": {"type": "string", "format": "date"},
                        "to": {"type": "string", "format": "date"},
                    },
                },
                "kpis": {"type": "array", "items": {"$ref": "#/components/schemas/Kpi"}},
                "days": {"type": "array", "items": day},
            },
        },
        "KpiTargetMap": {
            "type": "object",
            "propertyNames": {"enum": kpi_keys},
            "additionalProperties": target,
        },
        "KpiTargets": {
            "type": "object",
            "properties": {
                "targets": {"$ref": "#/components/schemas/KpiTargetMap"},
                "kpis": {"type": "array", "items": {"type": "object"}},
            },
        },
    }
