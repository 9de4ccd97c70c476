"""The OpenAPI path and schemas of POST /conversions (authenticated by a client's conversion key)."""

from __future__ import annotations

from typing import Any

from tenants.models.tracking import CONVERSION_SOURCES
from tenants.tracking.conversions import MAX_ORDER_ID

_ERROR = {"$ref": "#/components/responses/Error"}
CONVERSION_KEY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A client's conversion key (czc_...), made under the client's Tracking settings. "
    "It can only add conversions to that client; staff API tokens are not accepted here.",
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def tracking_paths() -> dict[str, Any]:
    """Paths of the conversion endpoint."""
    conversion = {"$ref": "#/components/schemas/Conversion"}
    return {
        "/conversions": {
            "post": {
                "summary": "Report a conversion from the client's site (a resent order id counts once)",
                "description": "Pass the `cz_click` value the visitor landed with as `click_id`: a click of "
                "this client within its attribution window attributes the conversion to that post and "
                "account. Without it, or later, the conversion counts for the client, unattributed.",
                "operationId": "createConversion",
                "security": [{"conversionKey": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ConversionCreate"}}
                    },
                },
                "responses": {
                    "201": _json(conversion, "Recorded"),
                    "200": _json(conversion, "Already recorded under this order id (the first report)"),
                    "400": _ERROR,
                    "401": _ERROR,
                    "415": _ERROR,
                    "422": _ERROR,
                    "429": _ERROR,
                },
            }
        }
    }


def tracking_schemas() -> dict[str, Any]:
    """Schemas of the conversion endpoint."""
    money = {
        "type": ["string", "number", "null"],
        "description": "Amount in the currency's units, e.g. \"49.90\"; rounded to the currency's decimals",
    }
    return {
        "ConversionCreate": {
            "type": "object",
            "required": ["order_id"],
            "additionalProperties": False,
            "properties": {
                "order_id": {"type": "string", "minLength": 1, "maxLength": MAX_ORDER_ID},
                "event": {"type": "string", "maxLength": 64, "default": "conversion"},
                "value": money,
                "currency": {"type": ["string", "null"], "pattern": "^[A-Za-z]{3}$", "examples": ["EUR"]},
                "occurred_at": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": "With its offset; default now. Within the last year.",
                },
                "click_id": {
                    "type": ["string", "null"],
                    "maxLength": 32,
                    "description": "The cz_click value",
                },
            },
        },
        "Conversion": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "order_id": {"type": "string"},
                "event": {"type": "string"},
                "value": {"type": ["string", "null"]},
                "currency": {"type": ["string", "null"]},
                "occurred_at": {"type": "string", "format": "date-time"},
                "source": {"type": "string", "enum": list(CONVERSION_SOURCES)},
                "attributed": {"type": "boolean"},
                "post_id": {"type": ["integer", "null"]},
                "account_id": {"type": ["integer", "null"]},
            },
        },
    }
