"""The OpenAPI paths and schemas of the post endpoints (write, list, approve, schedule, validate, delete)."""

from __future__ import annotations

from typing import Any

from tenants.checks.engine import DEFAULT_SEVERITY
from tenants.models.posts import POST_STATUSES, TARGET_STATUSES
from tenants.networks import NETWORKS

_ERROR = {"$ref": "#/components/responses/Error"}
_POST = {"$ref": "#/components/schemas/Post"}
_CLIENT_ID = {"name": "client_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_POST_ID = {"name": "post_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_TARGET_ID = {"name": "target_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_REVISION = {"type": "integer", "description": "The revision decided on; 409 if the post changed since"}
_WRITE_ERRORS = {"400": _ERROR, "401": _ERROR, "404": _ERROR, "409": _ERROR, "415": _ERROR, "422": _ERROR}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _action(summary: str, operation: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "summary": summary,
        "operationId": operation,
        "responses": {"200": _json(_POST, "The post after the step"), **_WRITE_ERRORS},
    }
    if body:
        spec["requestBody"] = _body(body, required=False)
    return spec


def post_paths() -> dict[str, Any]:
    """Paths under /clients/{id}/posts and /posts/{id}."""
    write = {"$ref": "#/components/schemas/PostWrite"}
    listing = {"type": "object", "properties": {"data": {"type": "array", "items": _POST}}}
    text = {"type": "string", "maxLength": 2000}
    return {
        "/clients/{client_id}/posts": {
            "parameters": [_CLIENT_ID],
            "get": {
                "summary": "A client's posts planned in a period (by planned time)",
                "operationId": "listPosts",
                "parameters": [
                    {
                        "name": "from",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "ISO date or date-time",
                    },
                    {
                        "name": "to",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "ISO date (inclusive) or date-time",
                    },
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "Comma-separated: " + ", ".join(POST_STATUSES),
                    },
                    {
                        "name": "unscheduled",
                        "in": "query",
                        "schema": {"type": "boolean"},
                        "description": "Only posts with no date",
                    },
                ],
                "responses": {"200": _json(listing, "Posts"), "401": _ERROR, "404": _ERROR, "422": _ERROR},
            },
            "post": {
                "summary": "Write a draft with a target (variant) per account; checks run and are stored",
                "operationId": "createPost",
                "requestBody": _body(write),
                "responses": {"201": _json(_POST, "Created"), **_WRITE_ERRORS},
            },
        },
        "/posts/{post_id}": {
            "parameters": [_POST_ID],
            "get": {
                "summary": "One post",
                "operationId": "getPost",
                "responses": {"200": _json(_POST, "The post"), "401": _ERROR, "404": _ERROR},
            },
            "patch": {
                "summary": "Change a post; a content change after submission sends it back to review",
                "operationId": "updatePost",
                "requestBody": _body(write),
                "responses": {"200": _json(_POST, "Changed"), **_WRITE_ERRORS},
            },
            "delete": {
                "summary": "Delete a post that has not been published",
                "operationId": "deletePost",
                "responses": {"204": {"description": "Deleted"}, "401": _ERROR, "404": _ERROR, "422": _ERROR},
            },
        },
        "/posts/{post_id}/submit": {
            "parameters": [_POST_ID],
            "post": _action(
                "Send a draft for approval; 422 `checks_blocking` (results in `details`) when checks block",
                "submitPost",
            ),
        },
        "/posts/{post_id}/approve": {
            "parameters": [_POST_ID],
            "post": _action(
                "Approve internally (tokens act as an agency admin; client approval needs a client approver)",
                "approvePost",
                {"type": "object", "properties": {"note": text, "revision": _REVISION}},
            ),
        },
        "/posts/{post_id}/reject": {
            "parameters": [_POST_ID],
            "post": _action(
                "Send back to draft with a reason",
                "rejectPost",
                {
                    "type": "object",
                    "required": ["reason"],
                    "properties": {"reason": text, "revision": _REVISION},
                },
            ),
        },
        "/posts/{post_id}/schedule": {
            "parameters": [_POST_ID],
            "post": _action(
                "Schedule an approved post (optionally at a new time); 409 `time_choice_needed` on DST",
                "schedulePost",
                {"$ref": "#/components/schemas/PostTime"},
            ),
        },
        "/posts/{post_id}/unschedule": {
            "parameters": [_POST_ID],
            "post": _action("Take a scheduled post out of the queue (it stays approved)", "unschedulePost"),
        },
        "/posts/{post_id}/overrides": {
            "parameters": [_POST_ID],
            "post": _action(
                "Let one blocking check pass for this revision, with a reason kept in the audit log",
                "overrideCheck",
                {
                    "type": "object",
                    "required": ["code", "network", "reason"],
                    "properties": {"code": {"type": "string"}, "network": {"type": "string"}, "reason": text},
                },
            ),
        },
        "/posts/{post_id}/targets/{target_id}/remote": {
            "parameters": [_POST_ID, _TARGET_ID],
            "delete": {
                "summary": "Delete one account's published post at its network (not Instagram)",
                "description": (
                    "Accepted at once: the target turns `deleting`, a worker asks the network, and the "
                    "target ends `deleted` (with `deleted_at`; a post already gone counts as deleted), or "
                    "back at `published` when the network refuses (reconnect needed, rejected, or still busy "
                    "after retrying for hours). 409 when the target is not published, is already being "
                    "deleted, or its network does not let apps delete posts."
                ),
                "operationId": "deleteRemotePost",
                "responses": {
                    "202": _json(_POST, "Deletion requested; the post with the target now `deleting`"),
                    "401": _ERROR,
                    "404": _ERROR,
                    "409": _ERROR,
                },
            },
        },
        "/clients/{client_id}/posts/validate": {
            "parameters": [_CLIENT_ID],
            "post": {
                "summary": "Run the pre-publish checks on post variants (saves nothing)",
                "operationId": "validatePost",
                "requestBody": _body({"$ref": "#/components/schemas/Validation"}),
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/CheckResults"}, "Findings per variant"),
                    **_WRITE_ERRORS,
                },
            },
        },
    }


def post_schemas() -> dict[str, Any]:
    """Post, PostWrite, PostTime, Validation, CheckResults, Finding."""
    networks = {"type": "string", "enum": list(NETWORKS)}
    time_fields = {
        "scheduled_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "With an offset or Z",
        },
        "scheduled_local": {
            "type": "string",
            "description": "Wall-clock time in the client's time zone, YYYY-MM-DDTHH:MM",
        },
        "dst_choice": {
            "type": "string",
            "enum": ["earlier", "later"],
            "description": "Which instant, when the local time is skipped or repeated by DST",
        },
    }
    target = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "account_id": {"type": "integer"},
            "network": networks,
            "text": {"type": "string"},
            "customised": {"type": "boolean"},
            "media_ids": {"type": "array", "items": {"type": "integer"}},
            "status": {"type": "string", "enum": list(TARGET_STATUSES)},
            "remote_url": {"type": ["string", "null"]},
            "deleted_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "When the network confirmed the post deleted",
            },
        },
    }
    finding = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "enum": list(DEFAULT_SEVERITY)},
            "severity": {"type": "string", "enum": ["warning", "blocking"]},
            "message": {"type": "string"},
            "template": {"type": "string"},
            "params": {"type": "object"},
            "spans": {"type": "array", "items": {"type": "array"}},
            "suggestions": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "Finding": finding,
        "CheckResults": {
            "type": "object",
            "properties": {
                "blocking": {"type": "boolean", "description": "Blocking findings left without an override"},
                "unresolved": {"type": "array", "items": {"type": "object"}},
                "post_findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
                "results": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "network": networks,
                            "account_id": {"type": ["integer", "null"]},
                            "length": {"type": "integer"},
                            "limit": {"type": "integer"},
                            "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
                        },
                    },
                },
            },
        },
        "Validation": {
            "type": "object",
            "required": ["variants"],
            "properties": {
                "variants": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["network", "text"],
                        "properties": {
                            "network": networks,
                            "text": {"type": "string"},
                            "media_count": {"type": "integer"},
                            "account_id": {"type": "integer"},
                        },
                    },
                },
                "pillar": {"type": "string"},
                **time_fields,
            },
        },
        "PostTime": {"type": "object", "properties": time_fields},
        "PostWrite": {
            "type": "object",
            "properties": {
                "text": {"type": "string", "maxLength": 100000},
                "pillar": {"type": ["string", "null"], "description": "A pillar key of the client's plan"},
                "persona": {"type": ["string", "null"], "description": "A persona name of the client's plan"},
                "media_ids": {"type": "array", "items": {"type": "integer"}},
                "targets": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["account_id"],
                        "properties": {
                            "account_id": {"type": "integer"},
                            "text": {"type": "string", "description": "Omit to follow the base text"},
                            "media_ids": {"type": "array", "items": {"type": "integer"}},
                        },
                    },
                },
                **time_fields,
            },
        },
        "Post": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "client_id": {"type": "integer"},
                "status": {"type": "string", "enum": list(POST_STATUSES)},
                "text": {"type": "string"},
                "pillar": {"type": ["string", "null"]},
                "persona": {"type": ["string", "null"]},
                "media_ids": {"type": "array", "items": {"type": "integer"}},
                "scheduled_at": {"type": ["string", "null"], "format": "date-time"},
                "scheduled_local": {"type": ["string", "null"]},
                "timezone": {"type": "string"},
                "revision": {"type": "integer"},
                "source": {"type": "string"},
                "checks": {"$ref": "#/components/schemas/CheckResults"},
                "overrides": {"type": "array", "items": {"type": "object"}},
                "targets": {"type": "array", "items": target},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        },
    }
