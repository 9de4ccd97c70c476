"""The OpenAPI paths and schemas of the inbox endpoints (list, read, triage, reply)."""

from __future__ import annotations

from typing import Any

from tenants.models.inbox import ITEM_KINDS, ITEM_STATUSES, SENTIMENTS
from tenants.networks import NETWORKS

_ERROR = {"$ref": "#/components/responses/Error"}
_ITEM = {"$ref": "#/components/schemas/InboxItem"}
_ACTION = {"$ref": "#/components/schemas/InboxAction"}
_ITEM_ID = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CLIENT_ID = {"name": "client_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_WRITE_ERRORS = {"400": _ERROR, "401": _ERROR, "404": _ERROR, "409": _ERROR, "415": _ERROR, "422": _ERROR}
_STAMP = {"type": ["string", "null"], "format": "date-time"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def inbox_paths() -> dict[str, Any]:
    """Paths under /clients/{id}/inbox and /inbox/{item_id}."""
    page = {
        "type": "object",
        "properties": {
            "data": {"type": "array", "items": _ITEM},
            "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page"},
        },
    }
    return {
        "/clients/{client_id}/inbox": {
            "parameters": [_CLIENT_ID],
            "get": {
                "summary": "A client's comments, mentions and DMs, newest first, one keyset page at a time",
                "operationId": "listInbox",
                "parameters": [
                    _query("status", {"type": "string", "enum": list(ITEM_STATUSES)}, "Only this status"),
                    _query("network", {"type": "string", "enum": list(NETWORKS)}, "Only this network"),
                    _query("type", {"type": "string", "enum": list(ITEM_KINDS)}, "Only this kind of item"),
                    _query("sentiment", {"type": "string", "enum": list(SENTIMENTS)}, "Only this sentiment"),
                    _query("assignee_id", {"type": "integer"}, "Only items assigned to this user"),
                    _query("tag_id", {"type": "integer"}, "Only items with this tag"),
                    _query("overdue", {"type": "boolean"}, "Only items whose answer or resolution is late"),
                    _query("cursor", {"type": "string"}, "The next_cursor of the previous page"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Page size (50)"),
                ],
                "responses": {
                    "200": _json(page, "One page of items"),
                    "401": _ERROR,
                    "404": _ERROR,
                    "422": _ERROR,
                },
            },
        },
        "/inbox/{item_id}": {
            "parameters": [_ITEM_ID],
            "get": {
                "summary": "One item, with its replies and other actions",
                "operationId": "getInboxItem",
                "responses": {"200": _json(_ITEM, "The item"), "401": _ERROR, "404": _ERROR},
            },
            "patch": {
                "summary": "Change an item's status, assignee or tags",
                "operationId": "updateInboxItem",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/InboxItemPatch"}}
                    },
                },
                "responses": {"200": _json(_ITEM, "The item after the change"), **_WRITE_ERRORS},
            },
        },
        "/inbox/{item_id}/reply": {
            "parameters": [
                _ITEM_ID,
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "schema": {"type": "string", "maxLength": 64},
                    "description": "The same key again returns the first reply instead of sending a second",
                },
            ],
            "post": {
                "summary": "Reply to an item: queued, sent once, `pending` until the network confirms",
                "operationId": "replyToInboxItem",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "text": {"type": "string"},
                                    "saved_reply_id": {
                                        "type": "integer",
                                        "description": "Saved reply that fills an empty `text`",
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {"202": _json(_ACTION, "The queued reply"), **_WRITE_ERRORS},
            },
        },
    }


def inbox_schemas() -> dict[str, Any]:
    """InboxItem, InboxItemPatch and InboxAction."""
    return {
        "InboxItem": {
            "type": "object",
            "description": "Text and author as the network sent them: escape them wherever shown.",
            "properties": {
                "id": {"type": "integer"},
                "client_id": {"type": "integer"},
                "account_id": {"type": "integer"},
                "network": {"type": "string", "enum": list(NETWORKS)},
                "kind": {"type": "string", "enum": list(ITEM_KINDS)},
                "remote_id": {"type": "string"},
                "thread_key": {"type": "string"},
                "post_remote_id": {"type": ["string", "null"]},
                "author": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "handle": {"type": "string"},
                        "name": {"type": "string"},
                    },
                },
                "text": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "received_at": {"type": "string", "format": "date-time"},
                "status": {"type": "string", "enum": list(ITEM_STATUSES)},
                "assignee_id": {"type": ["integer", "null"]},
                "sentiment": {"type": "string", "enum": list(SENTIMENTS)},
                "sentiment_score": {"type": "number", "minimum": -1, "maximum": 1},
                "language": {"type": "string", "description": "it, en, or empty when unknown"},
                "is_question": {"type": "boolean"},
                "priority": {"type": "integer", "minimum": 0, "maximum": 3},
                "first_response_due_at": _STAMP,
                "first_response_at": _STAMP,
                "resolution_due_at": _STAMP,
                "closed_at": _STAMP,
                "overdue": {"type": "boolean"},
                "hidden": {"type": "boolean"},
                "liked": {"type": "boolean"},
                "deleted": {"type": "boolean"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "actions": {"type": "array", "items": _ACTION, "description": "Only when reading one item"},
            },
        },
        "InboxItemPatch": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "status": {"type": "string", "enum": list(ITEM_STATUSES)},
                "assignee_id": {"type": ["integer", "null"]},
                "add_tags": {"type": "array", "items": {"type": "string"}},
                "remove_tags": {"type": "array", "items": {"type": "string"}},
            },
        },
        "InboxAction": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "item_id": {"type": "integer"},
                "action": {"type": "string", "enum": ["reply", "like", "hide", "unhide", "delete"]},
                "text": {"type": "string"},
                "status": {"type": "string", "enum": ["pending", "sending", "sent", "failed", "unknown"]},
                "remote_id": {"type": ["string", "null"]},
                "error": {"type": ["string", "null"]},
                "created_at": {"type": "string", "format": "date-time"},
                "done_at": _STAMP,
            },
        },
    }
