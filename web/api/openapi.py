"""The OpenAPI 3.1 document describing every /api/v1 endpoint."""

from __future__ import annotations

from typing import Any

from web.api.openapi_inbox import inbox_paths, inbox_schemas
from web.api.openapi_kpis import kpi_paths, kpi_schemas
from web.api.openapi_media import MEDIA_SCHEMA, media_paths
from web.api.openapi_posts import post_paths, post_schemas
from web.api.openapi_reports import REPORT_SCHEMA, report_paths
from web.api.openapi_tracking import CONVERSION_KEY_SCHEME, tracking_paths, tracking_schemas

_ERROR = {"$ref": "#/components/responses/Error"}
_CLIENT_ID = {"name": "client_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CLIENT_FIELDS: dict[str, Any] = {
    "name": {"type": "string", "maxLength": 120},
    "slug": {"type": "string", "pattern": "^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$"},
    "timezone": {
        "type": "string",
        "description": "IANA name, default Europe/Rome",
        "examples": ["Europe/Rome"],
    },
    "locale": {"type": "string", "enum": ["it", "en"]},
    "brand_color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
    "logo_url": {"type": ["string", "null"], "format": "uri"},
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document() -> dict[str, Any]:
    """Build the document (paths must match the API blueprint; a test checks they do)."""
    document = _base_document()
    document["paths"].update(_account_paths())
    document["paths"].update(_plan_paths())
    document["paths"].update(post_paths())
    document["paths"].update(media_paths())
    document["paths"].update(inbox_paths())
    document["paths"].update(kpi_paths())
    document["paths"].update(tracking_paths())
    document["paths"].update(report_paths())
    document["components"]["schemas"].update(_account_schemas())
    document["components"]["schemas"].update(post_schemas())
    document["components"]["schemas"]["Media"] = MEDIA_SCHEMA
    document["components"]["schemas"].update(inbox_schemas())
    document["components"]["schemas"].update(kpi_schemas())
    document["components"]["schemas"].update(tracking_schemas())
    document["components"]["securitySchemes"]["conversionKey"] = CONVERSION_KEY_SCHEME
    document["components"]["schemas"]["Report"] = REPORT_SCHEMA
    return document


def _account_paths() -> dict[str, Any]:
    account_ref = {"$ref": "#/components/schemas/Account"}
    link_ref = {"$ref": "#/components/schemas/OnboardingLink"}
    listing = {"type": "object", "properties": {"data": {"type": "array", "items": account_ref}}}
    links = {"type": "object", "properties": {"data": {"type": "array", "items": link_ref}}}
    return {
        "/clients/{client_id}/accounts": {
            "parameters": [_CLIENT_ID],
            "get": {
                "summary": "A client's connected accounts (never any token)",
                "operationId": "listAccounts",
                "parameters": [
                    {
                        "name": "all",
                        "in": "query",
                        "schema": {"type": "boolean"},
                        "description": "Include disconnected accounts",
                    }
                ],
                "responses": {"200": _json(listing, "Accounts"), "401": _ERROR, "404": _ERROR},
            },
        },
        "/accounts/{account_id}": {
            "parameters": [
                {"name": "account_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "delete": {
                "summary": "Disconnect an account (revoked at the network where possible; history stays)",
                "operationId": "disconnectAccount",
                "responses": {"204": {"description": "Disconnected"}, "401": _ERROR, "404": _ERROR},
            },
        },
        "/clients/{client_id}/onboarding-links": {
            "parameters": [_CLIENT_ID],
            "get": {
                "summary": "A client's onboarding links",
                "operationId": "listOnboardingLinks",
                "responses": {"200": _json(links, "Links"), "401": _ERROR, "404": _ERROR},
            },
            "post": {
                "summary": "Create an onboarding link; the answer holds its URL, shown only this once",
                "operationId": "createOnboardingLink",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/OnboardingLinkCreate"}}
                    },
                },
                "responses": {
                    "201": _json(
                        {
                            "allOf": [
                                link_ref,
                                {
                                    "type": "object",
                                    "properties": {"url": {"type": "string", "format": "uri"}},
                                },
                            ]
                        },
                        "Created",
                    ),
                    "400": _ERROR,
                    "401": _ERROR,
                    "404": _ERROR,
                    "415": _ERROR,
                    "422": _ERROR,
                },
            },
        },
        "/onboarding-links/{link_id}": {
            "parameters": [
                {"name": "link_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "delete": {
                "summary": "Withdraw an onboarding link",
                "operationId": "revokeOnboardingLink",
                "responses": {"204": {"description": "Withdrawn"}, "401": _ERROR, "404": _ERROR},
            },
        },
    }


def _plan_paths() -> dict[str, Any]:
    plan = {
        "type": "object",
        "description": "objectives, personas, channels, tone, pillars (shares add up to "
        "100), forbidden_words, forbidden_topics, brand_words; the answer adds version and created_at",
    }
    return {
        "/clients/{client_id}/plan": {
            "parameters": [_CLIENT_ID],
            "get": {
                "summary": "The client's current communication plan",
                "operationId": "getPlan",
                "responses": {"200": _json(plan, "The plan"), "401": _ERROR, "404": _ERROR},
            },
            "put": {
                "summary": "Save the plan as the client's next version",
                "operationId": "putPlan",
                "requestBody": {"required": True, "content": {"application/json": {"schema": plan}}},
                "responses": {
                    "200": _json(plan, "Saved"),
                    "400": _ERROR,
                    "401": _ERROR,
                    "404": _ERROR,
                    "415": _ERROR,
                    "422": _ERROR,
                },
            },
        }
    }


def _account_schemas() -> dict[str, Any]:
    networks = {"type": "string", "enum": ["facebook", "instagram", "linkedin", "x", "mastodon", "bluesky"]}
    return {
        "Account": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "client_id": {"type": "integer"},
                "network": networks,
                "kind": {"type": "string"},
                "handle": {"type": "string"},
                "display_name": {"type": "string"},
                "status": {"type": "string", "enum": ["connected", "needs_reconnect", "disconnected"]},
                "status_reason": {"type": ["string", "null"]},
                "connected_via": {"type": "string"},
                "connected_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
        "OnboardingLink": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "client_id": {"type": "integer"},
                "networks": {"type": "array", "items": networks},
                "max_accounts": {"type": "integer"},
                "message": {"type": "string"},
                "state": {"type": "string", "enum": ["open", "expired", "revoked", "used_up", "completed"]},
                "accounts_connected": {"type": "integer"},
                "created_at": {"type": "string", "format": "date-time"},
                "expires_at": {"type": "string", "format": "date-time"},
            },
        },
        "OnboardingLinkCreate": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "networks": {"type": "array", "items": networks},
                "days": {"type": "integer", "minimum": 1, "maximum": 90},
                "max_accounts": {"type": "integer", "minimum": 1, "maximum": 50},
                "message": {"type": "string"},
            },
        },
    }


def _base_document() -> dict[str, Any]:
    client_ref = {"$ref": "#/components/schemas/Client"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cadenza API",
            "version": "1.0.0",
            "description": "Agency-scoped API. Create tokens in the web app (API tokens) or with "
            "`cadenza api-token create`.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/me": {
                "get": {
                    "summary": "The agency and token behind this call",
                    "operationId": "getMe",
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Me"}, "Who you are"),
                        "401": _ERROR,
                    },
                }
            },
            "/clients": {
                "get": {
                    "summary": "List client workspaces",
                    "operationId": "listClients",
                    "parameters": [
                        {
                            "name": "archived",
                            "in": "query",
                            "schema": {"type": "boolean"},
                            "description": "Include archived clients",
                        }
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {"data": {"type": "array", "items": client_ref}},
                            },
                            "Clients by name",
                        ),
                        "401": _ERROR,
                    },
                },
                "post": {
                    "summary": "Create a client workspace",
                    "operationId": "createClient",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ClientCreate"}}
                        },
                    },
                    "responses": {
                        "201": _json(client_ref, "Created"),
                        "400": _ERROR,
                        "401": _ERROR,
                        "409": _ERROR,
                        "413": _ERROR,
                        "415": _ERROR,
                        "422": _ERROR,
                    },
                },
            },
            "/clients/{client_id}": {
                "parameters": [_CLIENT_ID],
                "get": {
                    "summary": "One client",
                    "operationId": "getClient",
                    "responses": {"200": _json(client_ref, "The client"), "401": _ERROR, "404": _ERROR},
                },
                "patch": {
                    "summary": "Change a client (fields given are changed; archived true/false)",
                    "operationId": "updateClient",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ClientUpdate"}}
                        },
                    },
                    "responses": {
                        "200": _json(client_ref, "Updated"),
                        "400": _ERROR,
                        "401": _ERROR,
                        "404": _ERROR,
                        "409": _ERROR,
                        "413": _ERROR,
                        "415": _ERROR,
                        "422": _ERROR,
                    },
                },
                "delete": {
                    "summary": "Delete a client",
                    "operationId": "deleteClient",
                    "responses": {"204": {"description": "Deleted"}, "401": _ERROR, "404": _ERROR},
                },
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Client": {
                    "type": "object",
                    "required": ["id", "name", "slug", "timezone", "locale"],
                    "properties": {
                        "id": {"type": "integer"},
                        **_CLIENT_FIELDS,
                        "archived": {"type": "boolean"},
                        "created_at": {"type": "string", "format": "date-time"},
                    },
                },
                "ClientCreate": {
                    "type": "object",
                    "required": ["name"],
                    "properties": _CLIENT_FIELDS,
                    "additionalProperties": False,
                },
                "ClientUpdate": {
                    "type": "object",
                    "properties": {**_CLIENT_FIELDS, "archived": {"type": "boolean"}},
                    "additionalProperties": False,
                },
                "Me": {
                    "type": "object",
                    "properties": {
                        "agency": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer"},
                                "name": {"type": "string"},
                                "slug": {"type": "string"},
                            },
                        },
                        "token": {
                            "type": "object",
                            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                        },
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "field": {"type": "string"},
                            },
                        }
                    },
                },
            },
            "responses": {"Error": _json({"$ref": "#/components/schemas/Error"}, "An error")},
        },
    }
